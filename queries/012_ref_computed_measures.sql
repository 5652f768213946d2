-- The backbone's own outcomes that Backbone computes from what happens in the app instead of having them typed in:
-- their catalog entry (the definition says how each is computed). Their values are the computed_* views (400-403);
-- they appear in the activity scorecard beside the backbone measures the catalog lists, marked as computed.
CREATE OR REPLACE VIEW ref_computed_measures AS
SELECT * FROM (VALUES
    ('computed_data_on_time', 'Partners sending data on time (computed)',
        'Percent of partners with data due in the year on the backbone''s schedule (the catalog''s Expected sheet) who '
        || 'sent every value due by its due date. Computed by Backbone from the schedule and the uploads '
        || '(submission_status), by the year of the due date; submissions not yet due are not counted.',
        'percent', 'up', 3, 'evaluation', 'II', 'short_term'),
    ('computed_actions_after_data', 'Partners adapting an action to new data (computed)',
        'Partners owning a turn-the-curve action that was added or changed within 60 days after new data arrived on '
        || 'its plan''s outcome or on a measure tied to one of its actions (the first receipt of a period''s values). '
        || 'Computed by Backbone from the plans'' history and the submissions, by the year of the change.',
        'count', 'up', 3, 'evaluation', 'III', 'intermediate'),
    ('computed_partners_in_plans', 'Partners with a role in a plan (computed)',
        'Percent of the catalog''s partners named in at least one turn-the-curve plan, as a partner with a role to '
        || 'play or as the owner of an action, as the plans stood at the end of the year (this year: today). '
        || 'Computed by Backbone from the plans'' history.',
        'percent', 'up', 2, 'planning', 'III', 'short_term'),
    ('computed_actions_on_time', 'Plan actions done on time (computed)',
        'Percent of turn-the-curve actions due in the year (accepted, not dropped, due date passed or already done) '
        || 'that were marked done on or before their due date. Computed by Backbone from the plans'' history, by the '
        || 'year of the due date.',
        'percent', 'up', 2, 'planning', 'III', 'intermediate')
) AS t(metric_code, name, definition, unit, direction, activity, component, phase, horizon);
