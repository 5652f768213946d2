-- A table macro over a trends relation ('outcome_trends' or 'public_outcome_trends').
-- The six backbone activities, each with its short-term and intermediate measures (catalog level
-- 'backbone'), latest values, trend, and the share of its measures moving the right way.
-- Measures are read for the whole community and all groups. Beside the measures the catalog lists, the backbone's
-- outcomes that Backbone computes from what happens in the app (computed_measure_trends) appear once they have a value,
-- marked `computed`; they are the same in both twins (they count organisations' actions, not people).
CREATE OR REPLACE MACRO activity_scorecard_from(trends) AS TABLE
WITH latest AS (
    SELECT DISTINCT metric_code, latest_period, latest_value, baseline_value, baseline_year,
        change_since_baseline, slope, target_value, target_year, status, last_updated
    FROM query_table(trends)
    WHERE geography = 'Community' AND dimension = 'All' AND group_value = 'All'
),
reported AS (
    SELECT m.activity, m.metric_code, m.name AS metric_name, m.unit, m.direction, m.horizon,
        m.component, m.phase, false AS computed, l.* EXCLUDE (metric_code)
    FROM metrics AS m
    LEFT JOIN latest AS l USING (metric_code)
    WHERE m.level = 'backbone' AND m.activity IS NOT NULL
),
computed AS (
    SELECT DISTINCT r.activity, r.metric_code, r.name AS metric_name, r.unit, r.direction, r.horizon,
        r.component, r.phase, true AS computed, t.latest_period, t.latest_value, t.baseline_value, t.baseline_year,
        t.change_since_baseline, t.slope, NULL::DOUBLE AS target_value, NULL::INTEGER AS target_year, t.status,
        t.last_updated
    FROM ref_computed_measures AS r
    JOIN computed_measure_trends AS t USING (metric_code)
),
measures AS (
    SELECT * FROM reported
    UNION ALL BY NAME
    SELECT * FROM computed
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
        AS share_moving_right_way,
    coalesce(ms.computed, false) AS computed
FROM ref_activities AS a
LEFT JOIN measures AS ms USING (activity)
WINDOW activity AS (PARTITION BY a.activity);
