-- Plan actions done on time, per year of the due date (computed_actions_on_time): of the accepted actions not dropped
-- that were due (due date passed) or are done, the share first marked done on or before their due date. An action done
-- ahead of a due date in a later year counts when that year comes.
CREATE OR REPLACE VIEW computed_actions_on_time AS
WITH due AS (
    SELECT *
    FROM plan_actions_as_of(TIMESTAMP 'infinity')
    WHERE NOT proposed AND status <> 'dropped' AND due_date IS NOT NULL
      AND (due_date < current_date OR (status = 'done' AND year(due_date) <= year(current_date)))
)
SELECT
    'computed_actions_on_time' AS metric_code,
    year(due_date) AS period_year,
    count(*) FILTER (WHERE done_at::DATE <= due_date) AS numerator,
    count(*) AS denominator,
    100.0 * count(*) FILTER (WHERE done_at::DATE <= due_date) / count(*) AS value,
    max(changed_at) AS last_updated
FROM due
GROUP BY ALL;
