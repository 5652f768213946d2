-- A table macro over a relation shaped like current_observations (`source`) and one of community_outcomes cells
-- (`cells`: metric_code, period_label, geography, dimension, group_value, and `row`, a number per cell): for each of
-- those cells, each partner that sent a part of it, so that no partner can subtract its own part from a published
-- figure and be left with another's small one (backbone/store/privacy.py). One row per cell (`row`) and partner:
-- n_partners (how many sent parts of the cell) and others_* (the cell less this partner's part: of the value,
-- numerator, denominator, and denominator less numerator). Each part is matched to its cell first, so the sums and
-- the window work on a number per cell rather than five texts.
CREATE OR REPLACE MACRO outcome_contributors_from(source, cells) AS TABLE
WITH parts AS (
    SELECT s.row, c.partner_code,
        sum(c.value) AS value, sum(c.numerator) AS numerator, sum(c.denominator) AS denominator,
        sum(c.denominator - c.numerator) AS rest
    FROM outcome_contributions_from(source) AS c
    JOIN query_table(cells) AS s
      ON c.metric_code IS NOT DISTINCT FROM s.metric_code AND c.period_label IS NOT DISTINCT FROM s.period_label
     AND c.out_geography IS NOT DISTINCT FROM s.geography AND c.dimension IS NOT DISTINCT FROM s.dimension
     AND c.group_value IS NOT DISTINCT FROM s.group_value
    GROUP BY ALL
)
SELECT row, partner_code,
    count(*) OVER cell AS n_partners,
    sum(value) OVER cell - value AS others_value,
    sum(numerator) OVER cell - numerator AS others_numerator,
    sum(denominator) OVER cell - denominator AS others_denominator,
    sum(rest) OVER cell - rest AS others_rest
FROM parts
WINDOW cell AS (PARTITION BY row);
