-- Equity gaps from every value (directors).
CREATE OR REPLACE VIEW equity_gaps AS
SELECT * FROM equity_gaps_from('community_outcomes');
