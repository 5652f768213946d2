-- The latest accepted value per (partner, metric, period, geography, dimension, group), of some metrics in some
-- periods only (NULL: all of them): what a load or an undo reads to rebuild the tables it touched, and (with NULLs)
-- the view current_observations. The filter comes before the latest version is picked, so a load never groups the
-- rest of the store (a filter on the view does not reach the ANTI JOIN's right side).
-- An undone upload drops out here, so the values it replaced come back without being copied.
CREATE OR REPLACE MACRO current_observations_of(metrics, periods) AS TABLE
-- Keys loaded more than once, with their latest load. Grouping only the keys costs a fraction of ranking whole rows
-- (a window over every row), and most keys have one version: so the keys are first grouped by a hash of them (one
-- number instead of six texts), and only the rows whose hash came twice are grouped by the keys themselves (a hash
-- two keys share costs a little work, never a wrong answer).
WITH twice AS (
    SELECT key_hash FROM loaded_observations_of(metrics, periods) GROUP BY key_hash HAVING count(*) > 1
),
reloaded AS (
    SELECT partner_code, metric_code, period_label, geography, dimension, group_value, max(load_seq) AS latest
    FROM loaded_observations_of(metrics, periods)
    WHERE key_hash IN (SELECT key_hash FROM twice)
    GROUP BY ALL
    HAVING count(*) > 1
)
SELECT a.* EXCLUDE (key_hash)
FROM loaded_observations_of(metrics, periods) AS a
ANTI JOIN reloaded AS r
    ON a.partner_code = r.partner_code AND a.metric_code = r.metric_code AND a.period_label = r.period_label
   AND a.geography = r.geography AND a.dimension = r.dimension AND a.group_value = r.group_value
   AND a.load_seq < r.latest;
