-- The latest accepted value per (partner, metric, period, geography, dimension, group): see current_observations_of.
-- An undone upload drops out here, so the values it replaced come back without being copied.
CREATE OR REPLACE VIEW current_observations AS
SELECT * FROM current_observations_of(NULL, NULL);
