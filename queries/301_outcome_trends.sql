-- Turn-the-curve series from every value (directors).
CREATE OR REPLACE VIEW outcome_trends AS
SELECT * FROM outcome_trends_from('community_outcomes');
