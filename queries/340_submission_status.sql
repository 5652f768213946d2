-- Partner x metric x period: expected (from the backbone's schedule), received, late, and last upload.
-- "Received" dates from the first load of a value, so a later correction does not make it late; history
-- received before the store existed carries its own date (expectations.received_on).
CREATE OR REPLACE VIEW submission_status AS
WITH received AS (
    -- received_tables, kept by every load and undo (reading the view would group every observation in the store).
    SELECT partner_code, metric_code, period_label, first_received_at, last_upload_at, last_upload_id
    FROM kept_received_tables
),
combined AS (
    SELECT
        coalesce(e.partner_code, r.partner_code) AS partner_code,
        coalesce(e.metric_code, r.metric_code) AS metric_code,
        coalesce(e.period_label, r.period_label) AS period_label,
        e.partner_code IS NOT NULL AS expected,
        r.partner_code IS NOT NULL AS received,
        e.due_date,
        coalesce(e.received_on, r.first_received_at::DATE) AS received_on,
        r.last_upload_at, r.last_upload_id
    FROM expectations AS e
    FULL OUTER JOIN received AS r USING (partner_code, metric_code, period_label)
)
SELECT c.*, p.name AS partner_name, p.sector AS partner_sector, m.name AS metric_name,
    coalesce(
        (c.received AND c.received_on > c.due_date) OR (NOT c.received AND current_date > c.due_date),
        false
    ) AS late,
    CASE
        WHEN c.received AND c.received_on > c.due_date THEN 'received late'
        WHEN c.received THEN 'received'
        WHEN current_date > c.due_date THEN 'missing'
        ELSE 'not yet due'
    END AS submission
FROM combined AS c
LEFT JOIN partners AS p USING (partner_code)
LEFT JOIN metrics AS m USING (metric_code);
