-- A table macro over an outcomes relation ('community_outcomes' or 'public_outcomes'), so the same
-- definition serves directors and, over suppressed data, partners and the public.
-- The typical place, for outcomes that have no community-wide value (rates published by neighbourhood
-- without the counts behind them cannot be combined). The median of at least three places, labelled as
-- such, with the lowest and highest place: a description of the spread, never a made-up total. The catalog's
-- comparison places (the state, the nation) are benchmarks, not places of the community: never in the median.
CREATE OR REPLACE MACRO place_medians_from(source) AS TABLE
WITH community AS MATERIALIZED (
    -- Read once: both steps below use it, and community_outcomes is the costly view.
    SELECT * FROM query_table(source)
),
without_community_value AS (
    SELECT metric_code, dimension, group_value
    FROM community
    GROUP BY ALL
    HAVING count(*) FILTER (WHERE geography = 'Community') = 0
)
SELECT
    o.metric_code, o.period_label,
    min(o.period_start) AS period_start,
    max(o.period_end) AS period_end,
    'Median of places' AS geography,
    o.dimension, o.group_value,
    median(o.value) AS value,
    min(o.value) AS low_value,
    max(o.value) AS high_value,
    -- Ties broken by the place's name, so the same data names the same place every time (a published site repeats).
    arg_min(o.geography, (o.value, o.geography)) AS low_place,
    arg_max(o.geography, (o.value, o.geography)) AS high_place,
    count(o.value) AS n_places,
    -- Where most places are 0 (few events), the median is 0 too and cannot move: the share above 0 still can.
    count(o.value) FILTER (WHERE o.value > 0) AS n_places_above_zero,
    max(o.n_partners) AS n_partners,
    'median of ' || count(o.value) || ' places' AS value_basis,
    max(o.last_updated) AS last_updated
FROM community AS o
SEMI JOIN without_community_value AS w USING (metric_code, dimension, group_value)
WHERE o.value IS NOT NULL
    AND o.geography NOT IN (SELECT place FROM places WHERE role = 'comparison')
GROUP BY o.metric_code, o.period_label, o.dimension, o.group_value
HAVING count(o.value) >= 3;
