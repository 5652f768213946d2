-- Plan actions as they stood at a moment (see plans_as_of): the latest version of each action saved at or before
-- `moment`, unless it removed the action or its plan is gone; with when and by whom it was added, and when it was
-- first marked done (done_at, empty while it is not done).
CREATE OR REPLACE MACRO plan_actions_as_of(moment) AS TABLE
WITH versions AS (
    SELECT *,
        min(changed_at) OVER (PARTITION BY action_id) AS added_at,
        arg_min(changed_by, change_seq) OVER (PARTITION BY action_id) AS added_by,
        min(changed_at) FILTER (WHERE status = 'done') OVER (PARTITION BY action_id) AS first_done_at
    FROM plan_actions
    WHERE changed_at <= moment
    QUALIFY row_number() OVER (PARTITION BY action_id ORDER BY change_seq DESC) = 1
)
SELECT v.* EXCLUDE (removed, first_done_at),
    CASE WHEN v.status = 'done' THEN v.first_done_at END AS done_at
FROM versions AS v
SEMI JOIN plans_as_of(moment) AS p USING (plan_id)
WHERE NOT v.removed;
