-- The six activities' scorecard from what partners and the public may see.
CREATE OR REPLACE VIEW public_activity_scorecard AS
SELECT * FROM activity_scorecard_from('public_outcome_trends');
