-- Every partner's current values combined (see community_outcomes_from): what directors see.
CREATE OR REPLACE VIEW community_outcomes AS
SELECT * FROM community_outcomes_from('current_observations');
