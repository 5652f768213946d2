-- Every loaded version of the values of some metrics in some periods (NULL: all of them), with its load's order and
-- time, and a hash of its key: what current_observations_of picks the latest versions from. A macro rather than a CTE
-- there: each use is read from the store again, which costs less than holding all of it in memory (DuckDB keeps a CTE
-- used twice, whatever its hint).
CREATE OR REPLACE MACRO loaded_observations_of(metrics, periods) AS TABLE
SELECT o.*, u.load_seq, u.uploaded_at,
    hash(o.partner_code, o.metric_code, o.period_label, o.geography, o.dimension, o.group_value) AS key_hash
FROM observations AS o
JOIN uploads AS u USING (upload_id)
WHERE u.status = 'loaded'
  AND (metrics IS NULL OR list_contains(metrics, o.metric_code))
  AND (periods IS NULL OR list_contains(periods, o.period_label));
