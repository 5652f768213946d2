-- Equity gaps from what partners and the public may see.
CREATE OR REPLACE VIEW public_equity_gaps AS
SELECT * FROM equity_gaps_from('public_outcomes');
