-- A table macro over an outcomes relation ('community_outcomes' or 'public_outcomes').
-- Equity: per metric, period and place, each group against the best-off group of its dimension and
-- against the all-groups value, and how its gap to the best-off group has moved since its first period.
-- gap_to_best is measured in the "worse" direction, so a positive gap always means behind.
CREATE OR REPLACE MACRO equity_gaps_from(source) AS TABLE
WITH groups AS (
    SELECT o.metric_code, o.period_label, o.period_start, o.period_end, o.geography, o.dimension,
        o.group_value, o.value, m.name AS metric_name, m.direction
    FROM query_table(source) AS o
    JOIN metrics AS m USING (metric_code)
    WHERE o.dimension <> 'All' AND o.value IS NOT NULL
),
best AS (
    SELECT metric_code, period_label, geography, dimension,
        CASE WHEN any_value(direction) = 'up' THEN max(value) ELSE min(value) END AS best_value,
        CASE WHEN any_value(direction) = 'up' THEN arg_max(group_value, (value, group_value))
             ELSE arg_min(group_value, (value, group_value)) END AS best_group,  -- ties: by name, the same every read
        count(*) AS n_groups
    FROM groups
    GROUP BY ALL
),
everyone AS (
    SELECT metric_code, period_label, geography, value AS all_value
    FROM query_table(source)
    WHERE dimension = 'All' AND group_value = 'All' AND value IS NOT NULL
),
gaps AS (
    SELECT g.*, b.best_group, b.best_value, b.n_groups, e.all_value,
        CASE WHEN g.direction = 'up' THEN b.best_value - g.value ELSE g.value - b.best_value END AS gap_to_best,
        g.value / nullif(b.best_value, 0) AS ratio_to_best,
        g.value - e.all_value AS difference_to_all,
        g.value / nullif(e.all_value, 0) AS ratio_to_all
    FROM groups AS g
    JOIN best AS b USING (metric_code, period_label, geography, dimension)
    LEFT JOIN everyone AS e USING (metric_code, period_label, geography)
)
SELECT *,
    first_value(gap_to_best) OVER series AS baseline_gap,
    first_value(period_label) OVER series AS baseline_period,
    gap_to_best - first_value(gap_to_best) OVER series AS gap_change_since_baseline,
    CASE
        WHEN row_number() OVER series = 1 THEN 'baseline'
        WHEN abs(gap_to_best - first_value(gap_to_best) OVER series) <= 0.05 * abs(best_value) THEN 'no real change'
        WHEN gap_to_best < first_value(gap_to_best) OVER series THEN 'narrowing'
        ELSE 'widening'
    END AS gap_trend
FROM gaps
WINDOW series AS (PARTITION BY metric_code, geography, dimension, group_value ORDER BY period_end);
