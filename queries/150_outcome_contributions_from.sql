-- A table macro over a relation shaped like current_observations: every value with the community cell it counts
-- towards (out_geography), for community_outcomes_from (which combines them) and outcome_contributors_from (which
-- says who sent them). A value counts towards its own place, and also towards the whole community when it is one of
-- the community's places (place_role 'place', or no role: rows loaded before places had roles) and no partner
-- reported the community's figure for that metric, period and group directly. Parts inside a place and comparison
-- places count only towards themselves.
CREATE OR REPLACE MACRO outcome_contributions_from(source) AS TABLE
WITH observed AS (
    SELECT c.*, m.unit,
        CASE m.unit WHEN 'percent' THEN 100 WHEN 'rate_per_1000' THEN 1000 WHEN 'rate_per_100000' THEN 100000 END AS scale
    FROM query_table(source) AS c
    JOIN metrics AS m USING (metric_code)
),
reported_for_community AS (
    SELECT DISTINCT metric_code, period_label, dimension, group_value
    FROM observed
    WHERE geography = 'Community'
)
SELECT *, geography AS out_geography FROM observed
UNION ALL
SELECT o.*, 'Community' AS out_geography
FROM observed AS o
ANTI JOIN reported_for_community AS r
    USING (metric_code, period_label, dimension, group_value)
WHERE o.geography <> 'Community' AND coalesce(o.place_role, 'place') = 'place';
