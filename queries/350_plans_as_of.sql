-- Turn-the-curve plans as they stood at a moment: each plan's latest version saved at or before `moment`, unless that
-- version removed it. plans_as_of(TIMESTAMP 'infinity') is every plan as it is now. started_at / started_by say when
-- and by whom the plan was begun.
CREATE OR REPLACE MACRO plans_as_of(moment) AS TABLE
WITH versions AS (
    SELECT *,
        min(changed_at) OVER (PARTITION BY plan_id) AS started_at,
        arg_min(changed_by, change_seq) OVER (PARTITION BY plan_id) AS started_by
    FROM plans
    WHERE changed_at <= moment
    QUALIFY row_number() OVER (PARTITION BY plan_id ORDER BY change_seq DESC) = 1
)
SELECT * EXCLUDE (removed)
FROM versions
WHERE NOT removed;
