-- Partners with a role in a plan, per year (computed_partners_in_plans): of the catalog's partners, the share named in
-- at least one plan (among its partners with a role, or owning an accepted action not dropped) as the plans stood at
-- the end of the year; from the year of the first plan to this one (as of today).
CREATE OR REPLACE VIEW computed_partners_in_plans AS
WITH years AS (
    SELECT unnest(range(min(year(changed_at)), year(current_date) + 1)) AS period_year
    FROM plans
    HAVING count(*) > 0
),
year_ends AS (
    SELECT period_year, make_timestamp(period_year + 1, 1, 1, 0, 0, 0) AS year_end FROM years
),
plan_state AS (
    SELECT y.period_year, p.plan_id, p.removed
    FROM year_ends AS y JOIN plans AS p ON p.changed_at < y.year_end
    QUALIFY row_number() OVER (PARTITION BY y.period_year, p.plan_id ORDER BY p.change_seq DESC) = 1
),
role_state AS (
    SELECT y.period_year, r.plan_id, r.partner_code, r.removed, r.changed_at
    FROM year_ends AS y JOIN plan_partners AS r ON r.changed_at < y.year_end
    QUALIFY row_number() OVER (PARTITION BY y.period_year, r.plan_id, r.partner_code ORDER BY r.change_seq DESC) = 1
),
action_state AS (
    SELECT y.period_year, a.plan_id, a.owner_code AS partner_code, a.removed, a.proposed, a.status, a.changed_at
    FROM year_ends AS y JOIN plan_actions AS a ON a.changed_at < y.year_end
    QUALIFY row_number() OVER (PARTITION BY y.period_year, a.action_id ORDER BY a.change_seq DESC) = 1
),
named AS (
    SELECT period_year, plan_id, partner_code FROM role_state WHERE NOT removed
    UNION
    SELECT period_year, plan_id, partner_code FROM action_state WHERE NOT removed AND NOT proposed AND status <> 'dropped'
),
per_year AS (
    SELECT n.period_year, count(DISTINCT n.partner_code) AS partners_named
    FROM named AS n
    SEMI JOIN (SELECT period_year, plan_id FROM plan_state WHERE NOT removed) AS live USING (period_year, plan_id)
    WHERE n.partner_code IN (SELECT partner_code FROM partners)
    GROUP BY ALL
),
last_change AS (
    SELECT y.period_year, max(p.changed_at) AS last_updated
    FROM year_ends AS y JOIN plans AS p ON p.changed_at < y.year_end
    GROUP BY ALL
)
SELECT
    'computed_partners_in_plans' AS metric_code,
    y.period_year,
    coalesce(n.partners_named, 0) AS numerator,
    t.partners AS denominator,
    100.0 * coalesce(n.partners_named, 0) / t.partners AS value,
    l.last_updated
FROM years AS y
CROSS JOIN (SELECT count(*) AS partners FROM partners) AS t
LEFT JOIN per_year AS n USING (period_year)
LEFT JOIN last_change AS l USING (period_year)
WHERE t.partners > 0;
