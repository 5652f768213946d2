-- Partners sending data on time, per year (ref_computed_measures: computed_data_on_time). A partner counts in each
-- year in which something it owed was due; it is on time that year when every value due then arrived by its due date.
-- Only due dates already passed count (a value not yet due is neither on time nor late).
CREATE OR REPLACE VIEW computed_data_on_time AS
WITH owed AS (
    SELECT partner_code, year(due_date) AS period_year,
        bool_and(received AND NOT late) AS all_on_time,
        max(coalesce(received_on, due_date)) AS last_event
    FROM submission_status
    WHERE expected AND due_date < current_date
    GROUP BY ALL
)
SELECT
    'computed_data_on_time' AS metric_code,
    period_year,
    count(*) FILTER (WHERE all_on_time) AS numerator,
    count(*) AS denominator,
    100.0 * count(*) FILTER (WHERE all_on_time) / count(*) AS value,
    max(last_event)::TIMESTAMP AS last_updated
FROM owed
GROUP BY ALL;
