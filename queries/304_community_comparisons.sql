-- The community's curves beside its comparison places' curves, from every value (directors).
CREATE OR REPLACE VIEW community_comparisons AS
SELECT * FROM community_comparisons_from('outcome_trends');
