-- The partners with a role in each plan as they stood at a moment (see plans_as_of): the latest version of each
-- plan x partner saved at or before `moment`, unless it removed the partner or its plan is gone.
CREATE OR REPLACE MACRO plan_partners_as_of(moment) AS TABLE
WITH versions AS (
    SELECT *
    FROM plan_partners
    WHERE changed_at <= moment
    QUALIFY row_number() OVER (PARTITION BY plan_id, partner_code ORDER BY change_seq DESC) = 1
)
SELECT v.* EXCLUDE (removed)
FROM versions AS v
SEMI JOIN plans_as_of(moment) AS p USING (plan_id)
WHERE NOT v.removed;
