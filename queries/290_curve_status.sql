-- How a curve is doing since its baseline, in words: the one rule for outcome_trends and the computed backbone
-- measures. A change within 5% of the baseline is "no real change" (noise in small areas is larger than that).
CREATE OR REPLACE MACRO curve_status(latest_value, n_points, baseline_is_set, change_since_baseline, baseline_value,
                                     direction) AS
CASE
    WHEN latest_value IS NULL THEN 'no data'
    WHEN n_points < 2 AND NOT baseline_is_set THEN 'not enough data'
    WHEN abs(change_since_baseline) <= 0.05 * abs(baseline_value) THEN 'no real change'
    WHEN change_since_baseline = 0 THEN 'no real change'
    WHEN (change_since_baseline > 0) = (direction = 'up') THEN 'better'
    ELSE 'worse'
END;
