"""The demo initiative: loaded through the partners' import path, with real values where it says so."""

from __future__ import annotations

import pytest

from backbone.demo import demo_workbooks, ensure_demo, load_demo
from backbone.store import database


@pytest.fixture(scope="module")
def loaded_demo(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    database.close_all()
    results = load_demo(path)
    yield path, results
    database.close_all()


def value(db, metric, period, geography, group="All"):
    rows = database.cursor(db).execute(
        "SELECT value, numerator, denominator, suppressed FROM community_outcomes WHERE metric_code = ? AND period_label = ?"
        " AND geography = ? AND group_value = ?", [metric, period, geography, group]).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_every_demo_workbook_loads(loaded_demo):
    db, results = loaded_demo
    assert [r.status for r in results] == ["loaded"] * len(demo_workbooks())
    assert len(results) == 7


def test_baltimore_values_are_the_published_ones(loaded_demo):
    db, _ = loaded_demo
    assert value(db, "infant_mortality", "2011", "Belair-Edison")[0] == pytest.approx(21.29)
    assert value(db, "kindergarten_readiness", "2016", "Allendale/Irvington/S. Hilton")[0] == pytest.approx(44.91)
    places = database.cursor(db).execute(
        "SELECT count(DISTINCT geography) FROM community_outcomes WHERE metric_code = 'teen_birth_rate'").fetchone()[0]
    assert places == 55  # the Baltimore neighbourhoods; no made-up citywide average


def test_kentucky_graduation_keeps_counts_and_suppression(loaded_demo):
    db, _ = loaded_demo
    assert value(db, "grad_rate_4yr", "2017-18", "Jefferson County, KY") == (pytest.approx(100 * 6084 / 7459), 6084, 7459, False)
    assert value(db, "grad_rate_4yr", "2017-18", "Jefferson County, KY", "African American")[1:3] == (2154, 2725)
    suppressed = value(db, "grad_rate_4yr", "2017-18", "Jefferson County, KY", "Native Hawaiian or Pacific Islander")
    assert suppressed[0] is None and suppressed[3] is True


def test_demo_covers_all_six_activities_and_the_phase_matrix(loaded_demo):
    db, _ = loaded_demo
    scorecard = database.query("SELECT activity, count(metric_code) AS n, count(*) FILTER (WHERE computed) AS computed"
                               " FROM activity_scorecard GROUP BY 1 ORDER BY 1", path=db)
    # two catalog measures per activity, and the four Backbone computes from the plans and submissions (activities 2, 3)
    assert scorecard.n.tolist() == [2, 4, 4, 2, 2, 2]
    assert scorecard.computed.tolist() == [0, 2, 2, 0, 0, 0]
    statuses = set(database.query("SELECT DISTINCT status FROM activity_scorecard", path=db).status)
    assert {"better", "worse"} <= statuses
    assert database.query("SELECT count(*) AS n FROM phase_matrix WHERE cell_status = 'done'", path=db).n[0] >= 4


def test_ensure_demo_loads_only_into_an_empty_store(tmp_path, monkeypatch):
    path = str(tmp_path / "s.duckdb")
    monkeypatch.setenv("BACKBONE_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("BACKBONE_DEMO", "1")
    database.close_all()
    assert ensure_demo(path) is True
    uploads = database.query("SELECT count(*) AS n FROM uploads", path=path).n[0]
    assert ensure_demo(path) is False
    assert database.query("SELECT count(*) AS n FROM uploads", path=path).n[0] == uploads
    database.close_all()


def test_the_demo_has_two_illustrative_plans_with_a_history(loaded_demo):
    from datetime import date

    from backbone.store.plans import PlanKey, get_plan, history, list_plans

    db, _ = loaded_demo
    plans = list_plans(db=db)
    assert plans.metric_name.tolist() == ["Infant mortality rate", "Kindergarten readiness"]
    assert plans.illustrative.all() and (plans.actions >= 5).all()
    infants = PlanKey("infant_mortality")
    now, then = get_plan(infants, db=db), get_plan(infants, as_of=date(2023, 6, 1), db=db)
    assert "preterm birth the hardest" in now.story and now.what_works.startswith("Nurse home visiting")
    assert "fewest home-visiting places" in then.story  # the story as the table first wrote it
    assert {a.action_id for a in then.actions} == {"imr-1", "imr-2", "imr-3"}
    assert {a.status for a in then.actions} == {"planned"}
    assert next(a for a in now.actions if a.action_id == "imr-1").measure_codes == ("home_visits_first_trimester",)
    assert len(history(infants, db=db)) == 5  # one change per meeting of the table, 2023-2025
