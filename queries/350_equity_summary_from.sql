-- A table macro over an equity-gaps relation ('equity_gaps' or 'public_equity_gaps').
-- Equity at a glance: per metric, place and breakdown, in its latest period with at least two groups, the group
-- furthest behind the best-off group, the size of that gap (also relative to the best-off value, so outcomes in
-- different units can be ranked together), and whether that group's gap has narrowed or widened since its first
-- period (the gap's baseline).
CREATE OR REPLACE MACRO equity_summary_from(gaps) AS TABLE
WITH compared AS (
    SELECT * FROM query_table(gaps) WHERE n_groups >= 2
),
latest AS (
    SELECT metric_code, geography, dimension, max(period_end) AS period_end
    FROM compared
    GROUP BY ALL
),
furthest_behind AS (
    SELECT c.*
    FROM compared AS c
    JOIN latest USING (metric_code, geography, dimension, period_end)
    -- Ties go to the name first in order, so the same group is named on every page.
    QUALIFY row_number() OVER (PARTITION BY metric_code, geography, dimension ORDER BY gap_to_best DESC, group_value) = 1
)
SELECT
    f.metric_code, f.metric_name, m.unit, f.direction, m.level, m.outcome_area,
    f.geography, f.dimension,
    f.period_label AS latest_period, year(f.period_end) AS latest_year,
    f.group_value AS behind_group, f.value AS behind_value,
    f.best_group, f.best_value, f.n_groups,
    f.gap_to_best,
    f.gap_to_best / nullif(abs(f.best_value), 0) AS relative_gap,
    f.baseline_period, f.baseline_gap, f.gap_change_since_baseline,
    CASE WHEN f.gap_trend = 'baseline' THEN 'no earlier gap' ELSE f.gap_trend END AS gap_trend
FROM furthest_behind AS f
JOIN metrics AS m USING (metric_code);
