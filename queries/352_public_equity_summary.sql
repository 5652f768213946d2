-- Equity at a glance from what partners and the public may see.
CREATE OR REPLACE VIEW public_equity_summary AS
SELECT * FROM equity_summary_from('public_equity_gaps');
