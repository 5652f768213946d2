-- A table macro over a trends relation ('outcome_trends' or 'public_outcome_trends').
-- The six backbone activities, each with its short-term and intermediate measures (catalog level
-- 'backbone'), latest values, trend, and the share of its measures moving the right way.
-- Measures are read for the whole community and all groups.
CREATE OR REPLACE MACRO activity_scorecard_from(trends) AS TABLE
WITH latest AS (
    SELECT DISTINCT metric_code, latest_period, latest_value, baseline_value, baseline_year,
        change_since_baseline, slope, target_value, target_year, status, last_updated
    FROM query_table(trends)
    WHERE geography = 'Community' AND dimension = 'All' AND group_value = 'All'
),
measures AS (
    SELECT m.activity, m.metric_code, m.name AS metric_name, m.unit, m.direction, m.horizon,
        m.component, m.phase, l.* EXCLUDE (metric_code)
    FROM metrics AS m
    LEFT JOIN latest AS l USING (metric_code)
    WHERE m.level = 'backbone' AND m.activity IS NOT NULL
)
SELECT
    a.activity, a.activity_name, a.short_term_outcome, a.intermediate_outcome,
    ms.metric_code, ms.metric_name, ms.unit, ms.direction, ms.horizon, ms.component, ms.phase,
    ms.latest_period, ms.latest_value, ms.baseline_value, ms.baseline_year, ms.change_since_baseline,
    ms.slope, ms.target_value, ms.target_year,
    coalesce(ms.status, CASE WHEN ms.metric_code IS NOT NULL THEN 'no data' END) AS status,
    ms.last_updated,
    count(ms.metric_code) OVER activity AS n_measures,
    count(*) FILTER (WHERE ms.status IN ('better', 'worse', 'no real change')) OVER activity AS n_measures_with_trend,
    count(*) FILTER (WHERE ms.status = 'better') OVER activity
        / nullif(count(*) FILTER (WHERE ms.status IN ('better', 'worse', 'no real change')) OVER activity, 0)
        AS share_moving_right_way
FROM ref_activities AS a
LEFT JOIN measures AS ms USING (activity)
WINDOW activity AS (PARTITION BY a.activity);
