-- A table macro over a turn-the-curve relation ('outcome_trends' or 'public_outcome_trends'): the community's curve
-- and, beside it, the curves of the places the catalog names as comparisons (the state, the nation, peer counties), so
-- a chart shows where the community stands against its benchmarks. A comparison place is loaded under its own name
-- and never enters the community's figure (community_outcomes_from sums only the community's places).
CREATE OR REPLACE MACRO community_comparisons_from(source) AS TABLE
WITH comparisons AS (
    SELECT place, level FROM places WHERE role = 'comparison'
)
SELECT t.*,
    CASE WHEN t.geography = 'Community' THEN 'community' ELSE 'comparison' END AS role,
    c.level AS place_level
FROM query_table(source) AS t
LEFT JOIN comparisons AS c ON c.place = t.geography
WHERE t.geography = 'Community' OR c.place IS NOT NULL;
