-- A table macro over a relation shaped like current_observations: for each community_outcomes cell, each partner that
-- sent a part of it, so that no partner can subtract its own part from a published figure and be left with another's
-- small one (backbone/store/privacy.py). One row per cell and partner: n_partners (how many sent parts of the cell) and
-- others_* (the cell less this partner's part: of the value, numerator, denominator, and denominator less numerator).
CREATE OR REPLACE MACRO outcome_contributors_from(source) AS TABLE
WITH parts AS (
    SELECT metric_code, period_label, out_geography AS geography, dimension, group_value, partner_code,
        sum(value) AS value, sum(numerator) AS numerator, sum(denominator) AS denominator,
        sum(denominator - numerator) AS rest
    FROM outcome_contributions_from(source)
    GROUP BY ALL
)
SELECT metric_code, period_label, geography, dimension, group_value, partner_code,
    count(*) OVER cell AS n_partners,
    sum(value) OVER cell - value AS others_value,
    sum(numerator) OVER cell - numerator AS others_numerator,
    sum(denominator) OVER cell - denominator AS others_denominator,
    sum(rest) OVER cell - rest AS others_rest
FROM parts
WINDOW cell AS (PARTITION BY metric_code, period_label, geography, dimension, group_value);
