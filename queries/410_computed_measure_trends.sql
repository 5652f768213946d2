-- The computed backbone measures (ref_computed_measures) as series with their turn-the-curve figures, in the columns of
-- outcome_trends that the activity scorecard and the sparklines read. No baseline is set for a computed measure, so the
-- first value is its baseline; the status is outcome_trends' rule (curve_status). They count organisations' actions,
-- not people, so the public scorecard shows them as they are.
CREATE OR REPLACE VIEW computed_measure_trends AS
WITH series AS (
    SELECT * FROM computed_data_on_time
    UNION ALL BY NAME
    SELECT * FROM computed_actions_after_data
    UNION ALL BY NAME
    SELECT * FROM computed_partners_in_plans
    UNION ALL BY NAME
    SELECT * FROM computed_actions_on_time
),
fits AS (
    SELECT metric_code,
        count(value) AS n_points,
        regr_slope(value, period_year) AS slope,
        regr_intercept(value, period_year) AS intercept,
        min(period_year) AS baseline_year,
        arg_min(value, period_year) AS baseline_value,
        max(period_year) AS latest_year,
        arg_max(value, period_year) AS latest_value,
        max(last_updated) AS last_updated
    FROM series
    GROUP BY ALL
),
summary AS (
    SELECT *, latest_value - baseline_value AS change_since_baseline FROM fits
)
SELECT
    s.metric_code, r.name AS metric_name, r.unit, r.direction, 'backbone' AS level,
    'Community' AS geography, 'All' AS dimension, 'All' AS group_value,
    s.period_year::VARCHAR AS period_label, make_date(s.period_year, 1, 1) AS period_start,
    make_date(s.period_year, 12, 31) AS period_end, s.period_year,
    s.value, s.numerator::DOUBLE AS numerator, s.denominator::DOUBLE AS denominator,
    CASE WHEN f.n_points >= 2 THEN f.intercept + f.slope * s.period_year END AS trend_value,
    f.n_points, f.slope, f.baseline_value, f.baseline_year,
    f.latest_year::VARCHAR AS latest_period, f.latest_year, f.latest_value, f.change_since_baseline,
    curve_status(f.latest_value, f.n_points, false, f.change_since_baseline, f.baseline_value, r.direction) AS status,
    f.last_updated
FROM series AS s
JOIN summary AS f USING (metric_code)
JOIN ref_computed_measures AS r USING (metric_code);
