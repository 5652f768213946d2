-- The latest accepted value per (partner, metric, period, geography, dimension, group).
-- An undone upload drops out here, so the values it replaced come back without being copied.
CREATE OR REPLACE VIEW current_observations AS
WITH accepted AS (
    SELECT o.*, u.load_seq, u.uploaded_at
    FROM observations AS o
    JOIN uploads AS u USING (upload_id)
    WHERE u.status = 'loaded'
),
ranked AS (
    SELECT *,
        row_number() OVER (
            PARTITION BY partner_code, metric_code, period_label, geography, dimension, group_value
            ORDER BY load_seq DESC
        ) AS version_rank
    FROM accepted
)
SELECT * EXCLUDE (version_rank)
FROM ranked
WHERE version_rank = 1;
