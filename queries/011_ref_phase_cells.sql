-- The phases of collective impact: 3 phases x 4 components, with each cell's work (DOMAIN.md).
CREATE OR REPLACE VIEW ref_phase_cells AS
WITH phases(phase, phase_order, phase_name) AS (
    VALUES ('I', 1, 'Initiate action'), ('II', 2, 'Organize for impact'), ('III', 3, 'Sustain action and impact')
),
components(component, component_order, component_name) AS (
    VALUES ('governance', 1, 'Governance and infrastructure'), ('planning', 2, 'Strategic planning'),
           ('community', 3, 'Community involvement'), ('evaluation', 4, 'Evaluation and improvement')
)
SELECT phase, phase_order, phase_name, component, component_order, component_name
FROM phases CROSS JOIN components;
