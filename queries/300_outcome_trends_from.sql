-- A table macro over an outcomes relation ('community_outcomes' or 'public_outcomes'): trends of suppressed
-- data are fitted on what may be shown, so no forecast or baseline leaks a hidden cell.
-- Turn the curve: per metric, geography and group, the series with its baseline, target, change since
-- baseline, the baseline trend projected forward to the target year, and a direction-aware status.
-- Series cover every place, the whole community and, where no community-wide value exists, the median place.
-- A change within 5% of the baseline is "no real change" (noise in small areas is larger than that).
-- A trend and forecast need at least three points: a line through two says nothing about where a curve is heading.
CREATE OR REPLACE MACRO outcome_trends_from(source) AS TABLE
-- MATERIALIZED: the series and the fits both read it; computing it once halves the view's cost at scale.
WITH outcomes AS MATERIALIZED (
    SELECT metric_code, period_label, period_start, period_end, geography, dimension, group_value, value,
        numerator, denominator, suppressed, suppression_reason, display, unstable, n_partners, value_basis, last_updated
    FROM query_table(source)
    UNION ALL
    SELECT metric_code, period_label, period_start, period_end, geography, dimension, group_value, value,
        NULL, NULL, false, NULL, NULL, false, n_partners, value_basis, last_updated
    FROM place_medians_from(source)
),
series AS (
    SELECT o.*, m.name AS metric_name, m.unit, m.direction, m.level,
        year(o.period_end) AS period_year
    FROM outcomes AS o
    JOIN metrics AS m USING (metric_code)
),
fits AS (
    SELECT metric_code, geography, dimension, group_value,
        count(value) AS n_points,
        regr_slope(value, period_year) AS slope,
        regr_intercept(value, period_year) AS intercept,
        arg_min(period_year, period_end) FILTER (WHERE value IS NOT NULL) AS first_year,
        arg_min(value, period_end) FILTER (WHERE value IS NOT NULL) AS first_value,
        arg_max(period_label, period_end) FILTER (WHERE value IS NOT NULL) AS latest_period,
        arg_max(period_year, period_end) FILTER (WHERE value IS NOT NULL) AS latest_year,
        arg_max(value, period_end) FILTER (WHERE value IS NOT NULL) AS latest_value,
        max(last_updated) AS last_updated
    FROM series
    GROUP BY ALL
),
baselines AS (
    -- The earliest baseline the backbone set for the series.
    SELECT metric_code, geography, dimension, group_value,
        arg_min(value, year) AS baseline_value, min(year) AS baseline_year
    FROM targets WHERE kind = 'baseline'
    GROUP BY ALL
),
goals AS (
    -- The furthest target the backbone set for the series.
    SELECT metric_code, geography, dimension, group_value,
        arg_max(value, year) AS target_value, max(year) AS target_year
    FROM targets WHERE kind = 'target'
    GROUP BY ALL
),
summary AS (
    SELECT f.*,
        coalesce(b.baseline_value, f.first_value) AS baseline_value,
        coalesce(b.baseline_year, f.first_year) AS baseline_year,
        b.baseline_value IS NOT NULL AS baseline_is_set,
        g.target_value, g.target_year,
        f.latest_value - coalesce(b.baseline_value, f.first_value) AS change_since_baseline,
        coalesce(g.target_year, f.latest_year + 3) AS forecast_year
    FROM fits AS f
    LEFT JOIN baselines AS b USING (metric_code, geography, dimension, group_value)
    LEFT JOIN goals AS g USING (metric_code, geography, dimension, group_value)
)
SELECT
    s.metric_code, s.metric_name, s.unit, s.direction, s.level,
    s.geography, s.dimension, s.group_value,
    s.period_label, s.period_start, s.period_end, s.period_year,
    s.value, s.numerator, s.denominator, s.suppressed, s.suppression_reason, s.display, s.unstable,
    s.n_partners, s.value_basis,
    CASE WHEN f.n_points >= 3 THEN f.intercept + f.slope * s.period_year END AS trend_value,
    f.n_points, f.slope,
    f.baseline_value, f.baseline_year, f.baseline_is_set,
    f.target_value, f.target_year,
    f.latest_period, f.latest_year, f.latest_value, f.change_since_baseline,
    f.forecast_year,
    CASE WHEN f.n_points >= 3 THEN f.intercept + f.slope * f.forecast_year END AS forecast_value,
    CASE
        WHEN f.target_value IS NULL OR f.n_points < 3 THEN NULL
        WHEN s.direction = 'up' THEN f.intercept + f.slope * f.forecast_year >= f.target_value
        ELSE f.intercept + f.slope * f.forecast_year <= f.target_value
    END AS forecast_meets_target,
    curve_status(f.latest_value, f.n_points, f.baseline_is_set, f.change_since_baseline, f.baseline_value, s.direction)
        AS status,
    f.last_updated
FROM series AS s
JOIN summary AS f USING (metric_code, geography, dimension, group_value);
