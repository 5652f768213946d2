-- A table macro over a relation shaped like current_observations: 'current_observations' itself (the view
-- community_outcomes), or, while an upload is being saved, the rows as they will be once it lands (so the public rows
-- are worked out beside the insert, not after it: ingest.py).
-- One row per (metric, period, geography, dimension, group) across all partners.
-- Counts and dollars add; rates are recomputed from summed numerators and denominators, never averaged.
-- geography = 'Community' is the whole community: what partners reported for it directly, or else the
-- sum of the community's places (place_role 'place'; rows loaded before places had roles count as places). Parts
-- inside a place (the schools of a district) and comparison places (the state, the nation) are shown under their
-- own names and never summed into it. A value that cannot be combined honestly (rates reported without counts, from
-- more than one source) is left out rather than estimated; a suppressed contribution suppresses the total.
CREATE OR REPLACE MACRO community_outcomes_from(source) AS TABLE
WITH contributions AS (
    SELECT * FROM outcome_contributions_from(source)
),
combined AS (
    SELECT
        metric_code, period_label, out_geography AS geography, dimension, group_value,
        min(period_start) AS period_start,
        max(period_end) AS period_end,
        any_value(unit) AS unit,
        any_value(scale) AS scale,
        count(*) AS n_values,
        -- DISTINCT over every row costs more than the rest of the view, so it sees only the rows that need it: a
        -- partner has one row per key, so only a sum of places can hold a partner twice; only marks add to marks.
        count(*) FILTER (WHERE geography = out_geography)
            + count(DISTINCT partner_code) FILTER (WHERE geography <> out_geography) AS n_partners,
        bool_or(suppressed) AS suppressed,
        string_agg(DISTINCT suppression_mark, ' ') FILTER (WHERE suppression_mark IS NOT NULL) AS suppression_marks,
        count(*) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) AS n_with_counts,
        sum(value) AS sum_value,
        any_value(value) AS one_value,
        sum(numerator) AS sum_numerator,
        sum(denominator) AS sum_denominator,
        max(uploaded_at) AS last_updated
    FROM contributions
    GROUP BY ALL
),
valued AS (
    SELECT *,
        CASE
            WHEN suppressed THEN 'suppressed'
            WHEN unit IN ('count', 'dollars') THEN 'sum'
            WHEN scale IS NOT NULL AND n_with_counts = n_values AND sum_denominator > 0 THEN 'recomputed'
            WHEN n_values = 1 THEN 'reported'
            ELSE 'not combinable'
        END AS value_basis
    FROM combined
)
SELECT
    metric_code, period_label, period_start, period_end, geography, dimension, group_value,
    CASE value_basis
        WHEN 'sum' THEN sum_value
        WHEN 'recomputed' THEN sum_numerator / sum_denominator * scale
        WHEN 'reported' THEN one_value
    END AS value,
    CASE WHEN NOT suppressed AND n_with_counts = n_values THEN sum_numerator END AS numerator,
    CASE WHEN NOT suppressed AND n_with_counts = n_values THEN sum_denominator END AS denominator,
    suppressed,
    suppression_marks,
    CASE WHEN suppressed THEN 'suppressed by the partner (' || coalesce(suppression_marks, 'marked') || ')' END
        AS suppression_reason,
    NULL::VARCHAR AS display,
    -- Rates on fewer than 20 events move a lot by chance (NCHS practice): shown, but flagged.
    coalesce(unit IN ('rate_per_1000', 'rate_per_100000') AND NOT suppressed AND n_with_counts = n_values
             AND sum_numerator < 20, false) AS unstable,
    n_partners,
    value_basis,
    last_updated
FROM valued
WHERE value_basis <> 'not combinable';
