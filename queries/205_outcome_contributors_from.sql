-- A table macro over a relation shaped like current_observations: for each community_outcomes cell, who sent its
-- parts, so that no partner can subtract its own part from a published figure and be left with another's small one
-- (backbone/store/privacy.py). sole_partner is the partner whose values alone make the cell (NULL when several do);
-- others_* is, over the partners of the cell, the smallest positive remainder of the total less that partner's part
-- (of the value, numerator, denominator and the denominator less the numerator).
CREATE OR REPLACE MACRO outcome_contributors_from(source) AS TABLE
WITH parts AS (
    SELECT metric_code, period_label, out_geography AS geography, dimension, group_value, partner_code,
        sum(value) AS value, sum(numerator) AS numerator, sum(denominator) AS denominator,
        sum(denominator - numerator) AS rest
    FROM outcome_contributions_from(source)
    GROUP BY ALL
),
with_totals AS (
    SELECT *,
        sum(value) OVER cell - value AS others_value,
        sum(numerator) OVER cell - numerator AS others_numerator,
        sum(denominator) OVER cell - denominator AS others_denominator,
        sum(rest) OVER cell - rest AS others_rest,
        count(*) OVER cell AS n_partners
    FROM parts
    WINDOW cell AS (PARTITION BY metric_code, period_label, geography, dimension, group_value)
)
SELECT metric_code, period_label, geography, dimension, group_value,
    CASE WHEN any_value(n_partners) = 1 THEN any_value(partner_code) END AS sole_partner,
    min(others_value) FILTER (WHERE others_value > 0) AS others_value,
    min(others_numerator) FILTER (WHERE others_numerator > 0) AS others_numerator,
    min(others_denominator) FILTER (WHERE others_denominator > 0) AS others_denominator,
    min(others_rest) FILTER (WHERE others_rest > 0) AS others_rest
FROM with_totals
GROUP BY ALL;
