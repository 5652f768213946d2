-- Turn-the-curve series from what partners and the public may see.
CREATE OR REPLACE VIEW public_outcome_trends AS
SELECT * FROM outcome_trends_from('public_outcomes');
