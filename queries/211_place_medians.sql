-- The median place, from every value (directors).
CREATE OR REPLACE VIEW place_medians AS
SELECT * FROM place_medians_from('community_outcomes');
