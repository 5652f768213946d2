-- The median place, from what partners and the public may see.
CREATE OR REPLACE VIEW public_place_medians AS
SELECT * FROM place_medians_from('public_outcomes');
