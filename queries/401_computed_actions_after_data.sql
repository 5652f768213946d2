-- Partners adapting an action to new data, per year (computed_actions_after_data): partners owning an action that was
-- added or changed (any saved version, a removal too) within 60 days after a release of data its plan watches: the
-- plan's outcome, or a partner performance measure tied to any of the plan's actions. A release is the day a
-- partner's values for a period first arrived (submission_status.received_on). Years with plan actions but no such
-- change count 0.
CREATE OR REPLACE VIEW computed_actions_after_data AS
WITH releases AS (
    SELECT DISTINCT metric_code, received_on
    FROM submission_status
    WHERE received AND received_on IS NOT NULL
),
watched AS (
    SELECT DISTINCT plan_id, metric_code FROM plans
    UNION
    SELECT DISTINCT plan_id, unnest(measure_codes) AS metric_code FROM plan_actions
),
adapted AS (
    SELECT DISTINCT year(a.changed_at) AS period_year, a.owner_code, a.changed_at
    FROM plan_actions AS a
    JOIN watched AS w USING (plan_id)
    JOIN releases AS r USING (metric_code)
    WHERE a.changed_at::DATE BETWEEN r.received_on AND r.received_on + 60
),
years AS (
    SELECT year(changed_at) AS period_year, max(changed_at) AS last_change
    FROM plan_actions
    GROUP BY ALL
)
SELECT
    'computed_actions_after_data' AS metric_code,
    y.period_year,
    count(DISTINCT d.owner_code) AS numerator,
    NULL::BIGINT AS denominator,
    count(DISTINCT d.owner_code)::DOUBLE AS value,
    y.last_change AS last_updated
FROM years AS y
LEFT JOIN adapted AS d USING (period_year)
GROUP BY ALL;
