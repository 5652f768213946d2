-- The community's curves beside its comparison places' curves, from what partners and the public may see.
CREATE OR REPLACE VIEW public_community_comparisons AS
SELECT * FROM community_comparisons_from('public_outcome_trends');
