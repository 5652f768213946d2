"""The backbone's own outcomes computed from what happens in the app, each on a small history worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import database, queries
from backbone.store.auth import User
from backbone.store.plans import Action, PlanKey, Role, get_plan, remove_plan, save_actions, save_plan
from tests.workbooks import METRICS_HEADER, data_workbook, metric_row, write_workbook

pytestmark = pytest.mark.both_backends

DIRECTOR = User("director@backbone.example.org", "director")
KRA, INFANTS = PlanKey("kindergarten_readiness"), PlanKey("infant_mortality")
THIS_YEAR = date.today().year


@pytest.fixture
def history_db(catalog_db, tmp_path):
    """Four partners; what each owed and when it arrived (2023: three of four on time; 2024: one of three)."""
    book = write_workbook(tmp_path / "schedule.xlsx", {
        "Partners": [["code", "name"], ["TUTORS", "Read Tutors"], ["FUNDER", "Community Fund"]],
        "Metrics": [METRICS_HEADER, metric_row("visits", "Home visits", "count", level="partner performance")],
        "Expected": [
            ["partner", "metric", "period", "due", "received"],
            ["SCHOOLS", "kindergarten_readiness", "2022", "2023-03-31", "2023-03-01"],
            ["CLINIC", "kindergarten_readiness", "2022", "2023-03-31", "2023-03-31"],  # on the due date is on time
            ["TUTORS", "children_served", "2022", "2023-03-31", "2023-02-01"],
            ["TUTORS", "children_served", "2021", "2023-06-30", "2023-06-01"],
            ["FUNDER", "children_served", "2022", "2023-03-31", "2023-04-15"],  # late
            ["SCHOOLS", "kindergarten_readiness", "2023", "2024-03-31", None],  # never sent
            ["CLINIC", "kindergarten_readiness", "2023", "2024-03-31", "2024-03-01"],
            ["CLINIC", "children_served", "2023", "2024-03-31", "2024-05-01"],  # late: CLINIC was not on time in 2024
            ["TUTORS", "children_served", "2023", "2024-03-31", "2024-03-20"],
            ["SCHOOLS", "kindergarten_readiness", "2099", "2100-03-31", None],  # not yet due: not counted
        ],
    })
    assert load_catalog_workbook(book, db=catalog_db).errors == []
    sent = {"SCHOOLS": [["KRA", 2022, None, None, None, 40]],
            "CLINIC": [["KRA", 2022, None, None, None, 41], ["KRA", 2023, None, None, None, 43],
                       ["children_served", 2023, None, None, None, 90]],
            "TUTORS": [["children_served", 2021, None, None, None, 100], ["children_served", 2022, None, None, None, 120],
                       ["children_served", 2023, None, None, None, 130]],
            "FUNDER": [["children_served", 2022, None, None, None, 10]]}
    for partner, rows in sent.items():
        assert ingest_file(data_workbook(tmp_path / f"{partner}.xlsx", rows), partner, db=catalog_db).status == "loaded"
    return catalog_db


def series(db, view):
    return {row[0]: row[1:] for row in database.cursor(db).execute(
        f"SELECT period_year, numerator, denominator, value FROM {view} ORDER BY period_year").fetchall()}


def act(db, key, before, after, when):
    save_actions(key, before, after, user=DIRECTOR, db=db, now=when)
    return get_plan(key, db=db).actions


def test_three_of_four_partners_on_time_is_75_percent(history_db):
    got = series(history_db, "computed_data_on_time")
    assert got[2023] == (3, 4, 75.0)
    assert got[2024][:2] == (1, 3) and got[2024][2] == pytest.approx(100 / 3)  # one late, one never sent
    assert set(got) == {2023, 2024}  # 2100's due date has not come


def test_partners_adapting_an_action_within_60_days_of_new_data(history_db):
    save_plan(KRA, "story", None, [], user=DIRECTOR, db=history_db, now=datetime(2023, 1, 10))
    save_plan(INFANTS, "story", None, [], user=DIRECTOR, db=history_db, now=datetime(2023, 1, 10))
    kra = act(history_db, KRA, [], [Action("Camps", "SCHOOLS", measure_codes=("children_served",)),
                                     Action("Screening", "CLINIC")], datetime(2023, 1, 20))  # before any release: no
    camps, screening = kra
    kra = act(history_db, KRA, [camps], [Action(**{**camps.__dict__, "status": "under_way"})],
              datetime(2023, 4, 20))  # 50 days after KRA 2022 arrived (2023-03-01): yes
    act(history_db, KRA, [screening], [Action(**{**screening.__dict__, "note": "moved"})],
        datetime(2023, 9, 1))  # 139 days after the last release (2023-04-15): no
    act(history_db, INFANTS, [], [Action("Doulas", "FUNDER", measure_codes=("visits",))],
        datetime(2023, 4, 20))  # its plan watches infant mortality and visits, which had no release: no
    screening = get_plan(KRA, db=history_db).actions[1]
    act(history_db, KRA, [screening], [Action(**{**screening.__dict__, "status": "done"})],
        datetime(2024, 4, 1))  # 31 days after CLINIC's KRA 2023 arrived: yes
    assert series(history_db, "computed_actions_after_data") == {2023: (1, None, 1.0), 2024: (1, None, 1.0)}


def test_partners_with_a_role_in_a_plan_as_the_plans_stood_at_each_years_end(history_db):
    save_plan(KRA, "story", None, [Role("SCHOOLS"), Role("CLINIC")], user=DIRECTOR, db=history_db, now=datetime(2023, 5, 1))
    tutoring = act(history_db, KRA, [], [Action("Tutoring", "TUTORS")], datetime(2023, 5, 1))[0]
    save_actions(KRA, [], [Action("Fund it", "FUNDER")], user=User("f@fund.org", "partner", "FUNDER"), db=history_db,
                 now=datetime(2023, 6, 1))  # a proposal gives no role until accepted
    # 2024: CLINIC leaves, the tutoring is dropped, FUNDER joins the infant-mortality plan
    save_plan(KRA, "story", None, [Role("SCHOOLS")], user=DIRECTOR, db=history_db, now=datetime(2024, 2, 1))
    act(history_db, KRA, [tutoring], [Action(**{**tutoring.__dict__, "status": "dropped"})], datetime(2024, 2, 1))
    save_plan(INFANTS, "story", None, [Role("FUNDER")], user=DIRECTOR, db=history_db, now=datetime(2024, 3, 1))
    remove_plan(INFANTS, user=DIRECTOR, db=history_db, now=datetime(2025, 1, 5))  # 2025: only SCHOOLS is left
    got = series(history_db, "computed_partners_in_plans")
    assert got[2023] == (3, 4, 75.0)
    assert got[2024] == (2, 4, 50.0)
    assert got[2025] == (1, 4, 25.0)
    assert max(got) == THIS_YEAR and got[THIS_YEAR] == (1, 4, 25.0)


def test_actions_done_on_time_by_the_year_they_were_due(history_db):
    save_plan(KRA, "story", None, [], user=DIRECTOR, db=history_db, now=datetime(2024, 1, 5))
    due = {"A": date(2024, 3, 31), "B": date(2024, 6, 30), "C": date(2024, 9, 30), "D": date(2024, 12, 31),
           "F": date(2025, 6, 30), "G": date(2025, 3, 1), "H": date(THIS_YEAR + 5, 1, 1)}
    actions = act(history_db, KRA, [], [Action(name, "SCHOOLS", due_date=day) for name, day in due.items()],
                  datetime(2024, 1, 10))
    save_actions(KRA, [], [Action("E", "CLINIC", due_date=date(2024, 2, 1))], user=User("c@x.org", "partner", "CLINIC"),
                 db=history_db, now=datetime(2024, 1, 11))  # a proposal: not counted
    by_title = {a.title: a for a in actions}
    marks = [("A", "done", datetime(2024, 3, 15)), ("B", "done", datetime(2024, 7, 10)),
             ("C", "under_way", datetime(2024, 8, 1)), ("D", "dropped", datetime(2024, 8, 1)),
             ("F", "done", datetime(2025, 6, 30, 17)), ("G", "done", datetime(2025, 2, 1)),
             ("H", "done", datetime(2025, 2, 1))]  # done years ahead: counts when its year comes
    for title, status, when in marks:
        action = get_plan(KRA, db=history_db).actions
        current = next(a for a in action if a.title == title)
        act(history_db, KRA, [current], [Action(**{**current.__dict__, "status": status})], when)
    assert by_title["A"].action_id  # the actions were saved with ids
    got = series(history_db, "computed_actions_on_time")
    assert got[2024][:2] == (1, 3) and got[2024][2] == pytest.approx(100 / 3)  # A on time; B late; C overdue
    assert got[2025] == (2, 2, 100.0)  # done on the due date is on time
    assert set(got) == {2024, 2025}


def test_computed_measures_join_the_scorecard_marked_computed_in_both_twins(history_db):
    save_plan(KRA, "story", None, [Role("SCHOOLS")], user=DIRECTOR, db=history_db, now=datetime(2023, 5, 1))
    for public in (False, True):
        card = queries.activity_scorecard(public=public, db=history_db)
        computed = card[card.computed].set_index("metric_code")
        assert set(computed.index) == {"computed_data_on_time", "computed_partners_in_plans"}  # no actions yet
        on_time = computed.loc["computed_data_on_time"]
        assert (on_time.activity, on_time.horizon, on_time.latest_period, on_time.status) == (3, "short_term", "2024", "worse")
        assert on_time.latest_value == pytest.approx(100 / 3) and on_time.baseline_value == 75.0
        assert computed.loc["computed_partners_in_plans"].activity == 2
        assert not card[~card.computed & card.metric_code.notna()].metric_code.str.startswith("computed").any()
    catalog = queries.metrics_catalog("computed by backbone", db=history_db)
    assert set(catalog.metric_code) == {"computed_data_on_time", "computed_actions_after_data", "computed_partners_in_plans",
                                        "computed_actions_on_time"}
    assert catalog.computed.all() and catalog.level.eq("backbone").all()
    assert catalog.set_index("metric_code").has_data.to_dict() == {
        "computed_data_on_time": True, "computed_actions_after_data": False, "computed_partners_in_plans": True,
        "computed_actions_on_time": False}


def test_a_store_without_schedules_or_plans_shows_no_computed_measures(catalog_db):
    assert queries.activity_scorecard(db=catalog_db).computed.sum() == 0
    for view in ("computed_data_on_time", "computed_actions_after_data", "computed_partners_in_plans",
                 "computed_actions_on_time"):
        assert series(catalog_db, view) == {}
