"""Every SQL view in queries/, on small fixtures whose answers are worked out by hand."""

from __future__ import annotations

import pytest

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import database
from tests.workbooks import data_workbook, write_workbook

# The store and every view behave the same on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.both_backends


def load(db, tmp_path, partner, rows, name=None):
    result = ingest_file(data_workbook(tmp_path / (name or f"{partner}-{len(rows)}.xlsx"), rows), partner, db=db)
    assert result.status == "loaded", result.errors
    return result


def rows_of(db, sql, params=None):
    return database.cursor(db).execute(sql, params or {}).fetchall()


# --- current_observations ---------------------------------------------------------------------

def test_current_observations_keep_the_latest_version_per_key(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2022, "North", None, None, 40]], "a.xlsx")
    second = load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2022, "North", None, None, 44]], "b.xlsx")
    load(catalog_db, tmp_path, "CLINIC", [["KRA", 2022, "North", None, None, 10]], "c.xlsx")
    assert rows_of(catalog_db, "SELECT partner_code, value FROM current_observations ORDER BY 1") == [("CLINIC", 10.0), ("SCHOOLS", 44.0)]
    undo_upload(second.upload_id, db=catalog_db)
    assert rows_of(catalog_db, "SELECT partner_code, value FROM current_observations ORDER BY 1") == [("CLINIC", 10.0), ("SCHOOLS", 40.0)]


# --- community_outcomes -----------------------------------------------------------------------

def test_two_partners_rates_combine_from_numerators_not_by_averaging(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2022, "North", None, None, 40, 40, 100]])
    load(catalog_db, tmp_path, "CLINIC", [["KRA", 2022, "North", None, None, 20, 10, 50]])
    row = rows_of(catalog_db, "SELECT value, numerator, denominator, n_partners, value_basis FROM community_outcomes"
                              " WHERE geography = 'North'")
    assert row[0][0] == pytest.approx(100 * 50 / 150)  # 33.3%, not (40 + 20) / 2 = 30%
    assert row[0][1:] == (50.0, 150.0, 2, "recomputed")


def test_places_roll_up_to_the_whole_community(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [
        ["KRA", 2022, "North", None, None, None, 30, 60], ["KRA", 2022, "South", None, None, None, 10, 40],
        ["children_served", 2022, "North", None, None, 120], ["children_served", 2022, "South", None, None, 80]])
    community = dict(rows_of(catalog_db, "SELECT metric_code, value FROM community_outcomes WHERE geography = 'Community'"))
    assert community == {"kindergarten_readiness": pytest.approx(40.0), "children_served": 200.0}  # 40/100; 120 + 80


def test_rates_without_counts_from_several_places_are_not_averaged(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "CLINIC", [["infant_mortality", 2020, "North", None, None, 8.1],
                                          ["infant_mortality", 2020, "South", None, None, 12.4]])
    outcomes = rows_of(catalog_db, "SELECT geography, value, value_basis FROM community_outcomes ORDER BY 1")
    assert outcomes == [("North", 8.1, "reported"), ("South", 12.4, "reported")]  # no 'Community' average of 10.25


def test_a_value_reported_for_the_community_is_used_as_is(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "CLINIC", [["infant_mortality", 2020, "Community", None, None, 9.7],
                                          ["infant_mortality", 2020, "North", None, None, 8.1]])
    assert rows_of(catalog_db, "SELECT value FROM community_outcomes WHERE geography = 'Community'") == [(9.7,)]


def test_a_suppressed_contribution_suppresses_the_total_and_is_never_zero(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["children_served", 2022, "North", None, None, "<10"]])
    load(catalog_db, tmp_path, "CLINIC", [["children_served", 2022, "North", None, None, 300]])
    assert rows_of(catalog_db, "SELECT value, suppressed, suppression_marks, n_partners FROM community_outcomes"
                               " WHERE geography = 'North'") == [(None, True, "<10", 2)]


def test_groups_stay_apart_and_all_groups_is_written_all(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [
        ["KRA", 2022, None, None, None, None, 50, 100],
        ["KRA", 2022, None, "Race/ethnicity", "Black", None, 20, 50],
        ["KRA", 2022, None, "Race/ethnicity", "White", None, 30, 50]])
    got = rows_of(catalog_db, "SELECT dimension, group_value, value FROM community_outcomes ORDER BY 2")
    assert got == [("All", "All", 50.0), ("Race/ethnicity", "Black", 40.0), ("Race/ethnicity", "White", 60.0)]


# --- outcome_trends ---------------------------------------------------------------------------

@pytest.fixture
def trend_db(catalog_db, tmp_path):
    targets = write_workbook(tmp_path / "targets.xlsx", {"Targets": [
        ["metric", "geography", "dimension", "group", "year", "kind", "value"],
        ["KRA", "Community", "All", "All", 2026, "target", 60]]})
    assert load_catalog_workbook(targets, db=catalog_db).errors == []
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", year, None, None, None, value] for year, value in
                                           [(2020, 40), (2021, 42), (2022, 44)]])
    load(catalog_db, tmp_path, "CLINIC", [["infant_mortality", year, None, None, None, value] for year, value in
                                          [(2020, 10.0), (2021, 10.2), (2022, 11.0)]])
    return catalog_db


def test_trend_has_baseline_target_change_and_forecast(trend_db):
    row = rows_of(trend_db, """SELECT DISTINCT baseline_value, baseline_year, target_value, target_year, latest_value,
                                      change_since_baseline, forecast_year, forecast_value, forecast_meets_target, status
                               FROM outcome_trends WHERE metric_code = 'kindergarten_readiness'""")
    baseline, baseline_year, target, target_year, latest, change, f_year, f_value, meets, status = row[0]
    assert (baseline, baseline_year, target, target_year, latest, change) == (40, 2020, 60, 2026, 44, 4)
    assert f_year == 2026 and f_value == pytest.approx(52.0)  # +2 a year from 40 in 2020: 40 + 2 * 6
    assert meets is False  # the curve must bend to reach 60
    assert status == "better"


def test_status_respects_which_way_is_better(trend_db):
    status = rows_of(trend_db, "SELECT DISTINCT status FROM outcome_trends WHERE metric_code = 'infant_mortality'")
    assert status == [("worse",)]  # 10.0 -> 11.0 is 10% higher, and lower is better


def test_a_small_change_is_no_real_change(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2020, None, None, None, 50], ["KRA", 2022, None, None, None, 51]])
    assert rows_of(catalog_db, "SELECT DISTINCT status FROM outcome_trends") == [("no real change",)]


def test_one_point_is_not_enough_for_a_trend(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2020, None, None, None, 50]])
    assert rows_of(catalog_db, "SELECT status, forecast_value FROM outcome_trends") == [("not enough data", None)]


# --- equity_gaps ------------------------------------------------------------------------------

def test_each_group_is_measured_against_the_best_off_group_and_everyone(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [
        ["KRA", 2020, None, None, None, 50], ["KRA", 2022, None, None, None, 55],
        ["KRA", 2020, None, "Race/ethnicity", "Black", 35], ["KRA", 2020, None, "Race/ethnicity", "White", 65],
        ["KRA", 2022, None, "Race/ethnicity", "Black", 45], ["KRA", 2022, None, "Race/ethnicity", "White", 66]])
    rows = rows_of(catalog_db, """SELECT period_label, group_value, best_group, gap_to_best, ratio_to_best, difference_to_all,
                                         gap_change_since_baseline, gap_trend
                                  FROM equity_gaps ORDER BY period_label, group_value""")
    assert rows[0][:6] == ("2020", "Black", "White", 30.0, pytest.approx(35 / 65), -15.0)
    assert rows[2][:8] == ("2022", "Black", "White", 21.0, pytest.approx(45 / 66), -10.0, -9.0, "narrowing")
    assert rows[3][3] == 0.0  # the best-off group has no gap to itself


def test_gaps_follow_direction_when_lower_is_better(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "CLINIC", [
        ["infant_mortality", 2020, None, "Race/ethnicity", "Black", 12.0],
        ["infant_mortality", 2020, None, "Race/ethnicity", "White", 4.0]])
    rows = rows_of(catalog_db, "SELECT group_value, best_group, gap_to_best FROM equity_gaps ORDER BY 1")
    assert rows == [("Black", "White", 8.0), ("White", "White", 0.0)]


# --- activity_scorecard -----------------------------------------------------------------------

def test_scorecard_lists_all_six_activities_with_their_measures(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["bb_convenings", 2021, None, None, None, 4], ["bb_convenings", 2023, None, None, None, 9]])
    rows = rows_of(catalog_db, """SELECT activity, metric_code, latest_value, status, n_measures, share_moving_right_way
                                  FROM activity_scorecard ORDER BY activity""")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[1] == (2, "bb_convenings", 9.0, "better", 1, 1.0)
    assert rows[0][1:] == (None, None, None, 0, None)  # an activity with no measures yet is still listed


# --- phase_matrix -----------------------------------------------------------------------------

def test_phase_matrix_counts_milestones_and_finds_the_phase_reached(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "m.xlsx", {"Milestones": [
        ["phase", "component", "milestone", "status", "date"],
        ["I", "Strategic planning", "Landscape mapped", "done", "2019-01-01"],
        ["II", "Strategic planning", "Common agenda adopted", "done", "2020-01-01"],
        ["II", "Strategic planning", "Strategies chosen", "in progress", None],
        ["I", "Governance and infrastructure", "Champions found", "in progress", None],
    ]})
    assert load_catalog_workbook(book, db=catalog_db).errors == []
    load(catalog_db, tmp_path, "SCHOOLS", [["bb_convenings", 2021, None, None, None, 4]])  # a phase II planning metric
    cells = {(r[0], r[1]): r[2:] for r in rows_of(catalog_db, """
        SELECT phase, component, milestones_total, milestones_done, evidence_metrics_with_data, cell_status, component_phase_reached
        FROM phase_matrix""")}
    assert len(cells) == 12
    assert cells[("I", "planning")] == (1, 1, 0, "done", 1)
    assert cells[("II", "planning")] == (2, 1, 1, "in progress", 1)
    assert cells[("I", "governance")] == (1, 0, 0, "in progress", 0)
    # a cell with no milestones left is refilled from the phases table at the next start
    assert cells[("III", "evaluation")][:2] == (0, 0)
    database.close_all()
    database.connect(catalog_db)
    assert rows_of(catalog_db, "SELECT milestones_total FROM phase_matrix WHERE phase = 'III' AND component = 'evaluation'") == [(1,)]


# --- submission_status ------------------------------------------------------------------------

def test_submission_status_shows_received_late_and_missing(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "e.xlsx", {"Expected": [
        ["partner", "metric", "period", "due", "received"],
        ["SCHOOLS", "KRA", "2021", "2022-03-31", "2022-02-01"],   # backfilled, on time
        ["SCHOOLS", "KRA", "2022", "2023-03-31", None],           # loaded now: after its due date
        ["CLINIC", "KRA", "2022", "2023-03-31", None],            # never sent
        ["CLINIC", "KRA", "2099", "2100-03-31", None],            # not yet due
    ]})
    assert load_catalog_workbook(book, db=catalog_db).errors == []
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2021, None, None, None, 40], ["KRA", 2022, None, None, None, 41]])
    load(catalog_db, tmp_path, "CLINIC", [["KRA", 2020, None, None, None, 30]])  # sent without being expected
    got = rows_of(catalog_db, "SELECT partner_code, period_label, expected, received, late, submission"
                              " FROM submission_status ORDER BY 1, 2")
    assert got == [
        ("CLINIC", "2020", False, True, False, "received"),
        ("CLINIC", "2022", True, False, True, "missing"),
        ("CLINIC", "2099", True, False, False, "not yet due"),
        ("SCHOOLS", "2021", True, True, False, "received"),
        ("SCHOOLS", "2022", True, True, True, "received late"),
    ]


# --- forecasts need three points --------------------------------------------------------------

def test_two_points_give_a_change_but_no_trend_or_forecast(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2020, None, None, None, 40], ["KRA", 2022, None, None, None, 50]])
    rows = rows_of(catalog_db, "SELECT DISTINCT status, n_points, trend_value, forecast_value, forecast_meets_target FROM outcome_trends")
    assert rows == [("better", 2, None, None, None)]  # a line through two points says nothing about where it heads


# --- place_medians: the share of places above 0 -----------------------------------------------

def test_place_medians_count_the_places_above_zero(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "CLINIC", [["infant_mortality", 2020, place, None, None, value] for place, value in
                                          [("North", 0.0), ("South", 0.0), ("East", 0.0), ("West", 6.5)]])
    rows = rows_of(catalog_db, "SELECT value, n_places, n_places_above_zero FROM place_medians")
    assert rows == [(0.0, 4, 1)]  # the median is 0 and cannot move; one place in four is above it


# --- equity_summary ---------------------------------------------------------------------------

def test_equity_summary_names_the_group_furthest_behind_and_which_way_its_gap_moved(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [
        ["KRA", 2020, None, "Race/ethnicity", "Black", 35], ["KRA", 2020, None, "Race/ethnicity", "White", 65],
        ["KRA", 2020, None, "Race/ethnicity", "Hispanic", 50],
        ["KRA", 2022, None, "Race/ethnicity", "Black", 45], ["KRA", 2022, None, "Race/ethnicity", "White", 66],
        ["KRA", 2022, None, "Race/ethnicity", "Hispanic", 40],
        ["KRA", 2022, None, "Gender", "Female", 58], ["KRA", 2022, None, "Gender", "Male", 52]])
    load(catalog_db, tmp_path, "CLINIC", [
        ["infant_mortality", 2020, None, "Race/ethnicity", "Black", 12.0],
        ["infant_mortality", 2020, None, "Race/ethnicity", "White", 4.0],
        ["infant_mortality", 2022, None, "Race/ethnicity", "Black", 14.0],
        ["infant_mortality", 2022, None, "Race/ethnicity", "White", 4.0]])
    rows = rows_of(catalog_db, """SELECT metric_code, dimension, latest_period, behind_group, best_group, gap_to_best,
                                         round(relative_gap, 3), baseline_gap, gap_trend
                                  FROM equity_summary ORDER BY relative_gap DESC""")
    assert rows == [
        # lower is better: Black 14 against White 4 is 10 behind, 2.5 times the best value; 8 in 2020, so widening
        ("infant_mortality", "Race/ethnicity", "2022", "Black", "White", 10.0, 2.5, 8.0, "widening"),
        # Hispanic fell behind Black in 2022: the furthest behind now, its gap 26 against 15 in 2020
        ("kindergarten_readiness", "Race/ethnicity", "2022", "Hispanic", "White", 26.0, 0.394, 15.0, "widening"),
        # only one period measured: no earlier gap to compare with
        ("kindergarten_readiness", "Gender", "2022", "Male", "Female", 6.0, 0.103, 6.0, "no earlier gap"),
    ]


def test_public_equity_summary_reads_only_what_may_be_shown(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [
        ["KRA", 2022, None, "Race/ethnicity", "Black", None, 4, 5], ["KRA", 2022, None, "Race/ethnicity", "White", None, 60, 100],
        ["KRA", 2022, None, "Race/ethnicity", "Asian", None, 50, 100]])
    everyone = rows_of(catalog_db, "SELECT behind_group, best_group, best_value FROM equity_summary")
    public = rows_of(catalog_db, "SELECT behind_group, best_group, best_value FROM public_equity_summary")
    assert everyone == [("Asian", "Black", 80.0)]  # directors: 4 of 5 Black children ready is the best rate
    # In public the group of 5 is hidden, so it can be neither the best-off group nor its value the yardstick.
    assert all("Black" not in row[:2] and row[2] != 80.0 for row in public)


# --- group_colours ----------------------------------------------------------------------------

def test_each_group_keeps_one_colour_across_metrics(catalog_db, tmp_path):
    load(catalog_db, tmp_path, "SCHOOLS", [
        ["KRA", 2022, None, "Race/ethnicity", "White", 60], ["KRA", 2022, None, "Race/ethnicity", "Black", 40]])
    load(catalog_db, tmp_path, "CLINIC", [
        ["infant_mortality", 2022, None, "Race/ethnicity", "Hispanic", 6.0],
        ["infant_mortality", 2022, None, "Race/ethnicity", "White", 4.0]])
    colours = dict(((d, g), i) for d, g, i in rows_of(catalog_db, "SELECT dimension, group_value, colour_index FROM group_colours"))
    assert colours == {("Race/ethnicity", "Black"): 0, ("Race/ethnicity", "Hispanic"): 1, ("Race/ethnicity", "White"): 2}


# --- undo_preview -----------------------------------------------------------------------------

def test_undo_preview_counts_what_leaves_and_what_comes_back(catalog_db, tmp_path):
    from backbone.store import queries
    from backbone.store.auth import LOCAL_DIRECTOR

    load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2021, None, None, None, 40], ["KRA", 2022, None, None, None, 41]], "first.xlsx")
    second = load(catalog_db, tmp_path, "SCHOOLS", [["KRA", 2022, None, None, None, 44], ["KRA", 2023, None, None, None, 45]],
                  "second.xlsx")
    preview = queries.undo_preview(second.upload_id, LOCAL_DIRECTOR, db=catalog_db).iloc[0]
    assert (preview.file_name, preview.partner, preview.values_leaving, preview.values_returning, preview.returning_from) == (
        "second.xlsx", "City Schools", 2, 1, "first.xlsx")
    undo_upload(second.upload_id, db=catalog_db)
    after = rows_of(catalog_db, "SELECT period_label, value FROM current_observations ORDER BY 1")
    assert after == [("2021", 40.0), ("2022", 41.0)]  # what the preview said: 2022 back at 41, 2023 gone
