-- Partner x metric x period: what a partner has sent of a table (a metric in a period), from its loaded values. Each
-- key a partner has a loaded value for has exactly one current value, so current_values counts them without picking
-- the latest version of every value. "Received" dates from the first load of a value, so a later correction does not
-- make it late. Every load and undo rewrites the rows of the tables it touched in the table kept_received_tables
-- (backbone/store/received.py), which the Partners page and submission_status read: this view is the full
-- recomputation behind it.
CREATE OR REPLACE VIEW received_tables AS
SELECT o.partner_code, o.metric_code, o.period_label,
    count(DISTINCT (o.geography, o.dimension, o.group_value)) AS current_values,
    min(u.uploaded_at) AS first_received_at,
    max(u.uploaded_at) AS last_upload_at,
    arg_max(u.upload_id, u.load_seq) AS last_upload_id
FROM observations AS o
JOIN uploads AS u USING (upload_id)
WHERE u.status = 'loaded'
GROUP BY ALL;
