-- The six activities' scorecard from every value (directors).
CREATE OR REPLACE VIEW activity_scorecard AS
SELECT * FROM activity_scorecard_from('outcome_trends');
