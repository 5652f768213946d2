-- Every partner's current values combined (community_outcomes_from over current_observations): what directors see.
-- Kept in a table by every load and undo for the tables it touches, and rebuilt whole when the views change
-- (backbone/store/privacy.py, database.py).
CREATE OR REPLACE VIEW community_outcomes AS
SELECT * FROM kept_community_outcomes;
