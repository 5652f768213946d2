-- The phases of collective impact: 3 phases x 4 components, with each cell's work (DOMAIN.md).
CREATE OR REPLACE VIEW ref_phase_cells AS
WITH phases(phase, phase_order, phase_name) AS (
    VALUES ('I', 1, 'Initiate action'), ('II', 2, 'Organize for impact'), ('III', 3, 'Sustain action and impact')
),
components(component, component_order, component_name) AS (
    VALUES ('governance', 1, 'Governance and infrastructure'), ('planning', 2, 'Strategic planning'),
           ('community', 3, 'Community involvement'), ('evaluation', 4, 'Evaluation and improvement')
),
work(phase, component, cell_work) AS (
    VALUES
        ('I', 'governance', 'Identify champions and form a cross-sector group'),
        ('II', 'governance', 'Create infrastructure: the backbone and its processes'),
        ('III', 'governance', 'Facilitate and refine'),
        ('I', 'planning', 'Map the landscape and use data to make the case'),
        ('II', 'planning', 'Create the common agenda: goals and strategy'),
        ('III', 'planning', 'Support implementation: align work to the goals and strategies'),
        ('I', 'community', 'Facilitate community outreach'),
        ('II', 'community', 'Engage the community and build public will'),
        ('III', 'community', 'Continue engagement and conduct advocacy'),
        ('I', 'evaluation', 'Analyse baseline data to find key issues and gaps'),
        ('II', 'evaluation', 'Establish shared metrics: indicators, measurement and approach'),
        ('III', 'evaluation', 'Collect, track and report progress: learn and improve')
)
SELECT phase, phase_order, phase_name, component, component_order, component_name, cell_work
FROM phases CROSS JOIN components JOIN work USING (phase, component);
