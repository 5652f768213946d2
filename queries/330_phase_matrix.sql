-- The 3 x 4 phase matrix: per cell, milestones done, metrics with data as evidence, and the phase each
-- component has reached (the latest phase whose milestones are all done, with every earlier phase done too).
CREATE OR REPLACE VIEW phase_matrix AS
WITH cell_milestones AS (
    SELECT phase, component,
        count(*) AS milestones_total,
        count(*) FILTER (WHERE status = 'done') AS milestones_done,
        count(*) FILTER (WHERE status = 'in_progress') AS milestones_in_progress,
        max(status_date) AS last_milestone_date
    FROM milestones
    GROUP BY ALL
),
with_data AS (
    -- A loaded value is current, or replaced by a newer current one: the tables partners have sent (received_tables,
    -- kept by every load and undo) say which metrics have data without reading the observations.
    SELECT DISTINCT metric_code FROM kept_received_tables
),
cell_evidence AS (
    SELECT m.phase, m.component,
        count(*) AS evidence_metrics,
        count(d.metric_code) AS evidence_metrics_with_data,
        string_agg(m.name, '; ' ORDER BY m.name) FILTER (WHERE d.metric_code IS NOT NULL) AS evidence_names
    FROM metrics AS m
    LEFT JOIN with_data AS d USING (metric_code)
    WHERE m.phase IS NOT NULL AND m.component IS NOT NULL
    GROUP BY ALL
),
cells AS (
    SELECT r.*,
        coalesce(cm.milestones_total, 0) AS milestones_total,
        coalesce(cm.milestones_done, 0) AS milestones_done,
        coalesce(cm.milestones_in_progress, 0) AS milestones_in_progress,
        cm.last_milestone_date,
        coalesce(ce.evidence_metrics, 0) AS evidence_metrics,
        coalesce(ce.evidence_metrics_with_data, 0) AS evidence_metrics_with_data,
        ce.evidence_names,
        coalesce(cm.milestones_total, 0) > 0 AND cm.milestones_done = cm.milestones_total AS cell_done
    FROM ref_phase_cells AS r
    LEFT JOIN cell_milestones AS cm USING (phase, component)
    LEFT JOIN cell_evidence AS ce USING (phase, component)
),
reached AS (
    -- A phase counts as reached only when it and every phase before it are done.
    SELECT *,
        bool_and(cell_done) OVER (PARTITION BY component ORDER BY phase_order) AS done_through_here
    FROM cells
)
SELECT *,
    CASE
        WHEN cell_done THEN 'done'
        WHEN milestones_done > 0 OR milestones_in_progress > 0 THEN 'in progress'
        ELSE 'not started'
    END AS cell_status,
    coalesce(max(CASE WHEN done_through_here THEN phase_order END) OVER (PARTITION BY component), 0)
        AS component_phase_reached
FROM reached;
