-- Equity at a glance from every value (directors).
CREATE OR REPLACE VIEW equity_summary AS
SELECT * FROM equity_summary_from('equity_gaps');
