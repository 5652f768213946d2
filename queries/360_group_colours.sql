-- One colour per group value, the same on every chart, slide and export: each breakdown's groups numbered in
-- name order across the whole store (a chart takes show.charts.GROUPS[colour_index mod its length]).
-- Read from public_outcomes: group names only, never a value, so every reader may see it.
CREATE OR REPLACE VIEW group_colours AS
SELECT dimension, group_value,
    (dense_rank() OVER (PARTITION BY dimension ORDER BY group_value) - 1)::INTEGER AS colour_index
FROM (SELECT DISTINCT dimension, group_value FROM public_outcomes WHERE dimension <> 'All');
