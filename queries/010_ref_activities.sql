-- The six backbone activities and how their success shows (DOMAIN.md), for joins and empty states.
CREATE OR REPLACE VIEW ref_activities AS
SELECT * FROM (VALUES
    (1, 'Guide vision and strategy',
        'Partners share a common understanding of the need and the desired result',
        'Partners'' own work is increasingly aligned with the common agenda'),
    (2, 'Support aligned activities',
        'Partners communicate and coordinate toward common goals',
        'Partners develop new approaches together'),
    (3, 'Establish shared measurement practices',
        'Partners understand the value of sharing data',
        'Partners use data to adapt and refine their strategies'),
    (4, 'Build public will',
        'Community members are more aware of the issue',
        'More community members feel empowered to act'),
    (5, 'Advance policy',
        'Policymakers are more aware and supportive of the policy agenda',
        'Policy changes occur in line with the initiative''s goals'),
    (6, 'Mobilize funding',
        'Funding is secured for the initiative''s activities',
        'Philanthropic and public funds are increasingly aligned with its goals')
) AS t(activity, activity_name, short_term_outcome, intermediate_outcome);
