"""The plan store: every change a new version with who and when, plans as they stood on a date, and who may write."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.store import database
from backbone.store.auth import PermissionDenied, User
from backbone.store.plans import (
    Action,
    PlanKey,
    Role,
    get_plan,
    history,
    list_plans,
    remove_plan,
    save_actions,
    save_plan,
)
from tests.workbooks import METRICS_HEADER, metric_row, write_workbook

pytestmark = pytest.mark.both_backends

DIRECTOR = User("director@backbone.example.org", "director")
SCHOOLS = User("ana@schools.example.org", "partner", "SCHOOLS")
CLINIC = User("li@clinic.example.org", "partner", "CLINIC")
VIEWER = User("board@example.org", "viewer")
KRA = PlanKey("kindergarten_readiness")
MAY_2024, MAY_2025 = datetime(2024, 5, 14, 10), datetime(2025, 5, 13, 10)


@pytest.fixture
def plan_db(catalog_db, tmp_path):
    """The small catalog plus a second partner performance measure."""
    book = write_workbook(tmp_path / "more.xlsx", {"Metrics": [
        METRICS_HEADER, metric_row("visits", "Home visits", "count", level="partner performance", rba="how much")]})
    assert load_catalog_workbook(book, db=catalog_db).errors == []
    return catalog_db


def start(db, now=MAY_2024):
    return save_plan(KRA, "Fewer children attend pre-K since 2019.", "Summer bridge camps (low cost).",
                     [Role("SCHOOLS", "teachers and KRA data"), Role("CLINIC", "well-child visits")], user=DIRECTOR,
                     db=db, now=now)


def add(db, *actions, user=DIRECTOR, now=MAY_2024):
    plan = get_plan(KRA, db=db)
    save_actions(KRA, plan.actions, [*plan.actions, *actions], user=user, db=db, now=now)
    return get_plan(KRA, db=db)


def camp(**changes):
    values = {"title": "Run summer bridge camps", "owner_code": "SCHOOLS", "start_date": date(2024, 6, 1),
              "due_date": date(2024, 8, 31), "measure_codes": ("children_served",)}
    return Action(**{**values, **changes})


def rows(db, table):
    return database.cursor(db).execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_director_starts_a_plan_with_its_story_partners_and_what_works(plan_db):
    plan = start(plan_db)
    assert plan.story == "Fewer children attend pre-K since 2019."
    assert plan.what_works == "Summer bridge camps (low cost)."
    assert plan.roles == [Role("CLINIC", "well-child visits"), Role("SCHOOLS", "teachers and KRA data")]
    assert (plan.started_by, plan.started_at) == (DIRECTOR.email, MAY_2024)
    assert list_plans(db=plan_db)[["metric_name", "partners", "actions"]].values.tolist() == [["Kindergarten readiness", 2, 0]]


def test_every_change_is_a_new_version_and_the_old_one_shows_as_of_its_date(plan_db):
    start(plan_db)
    save_plan(KRA, "Pre-K enrolment is back; attendance is the issue now.", "Summer bridge camps (low cost).",
              [Role("SCHOOLS", "teachers and KRA data")], user=DIRECTOR, db=plan_db, now=MAY_2025)
    assert rows(plan_db, "plans") == 2  # the first version is kept, not overwritten
    now, then = get_plan(KRA, db=plan_db), get_plan(KRA, as_of=date(2024, 12, 31), db=plan_db)
    assert now.story.startswith("Pre-K enrolment is back") and [r.partner_code for r in now.roles] == ["SCHOOLS"]
    assert then.story == "Fewer children attend pre-K since 2019." and len(then.roles) == 2
    assert get_plan(KRA, as_of=date(2024, 5, 13), db=plan_db) is None  # the day before it was started
    assert get_plan(KRA, as_of=date(2024, 5, 14), db=plan_db) is not None  # a date covers the whole day


def test_an_unchanged_save_writes_no_new_version(plan_db):
    plan = start(plan_db)
    save_plan(KRA, plan.story, plan.what_works, plan.roles, user=DIRECTOR, db=plan_db, now=MAY_2025)
    assert (rows(plan_db, "plans"), rows(plan_db, "plan_partners")) == (1, 2)


def test_history_says_who_changed_what_and_when(plan_db):
    start(plan_db)
    plan = add(plan_db, camp())
    save_actions(KRA, plan.actions, [Action(**{**plan.actions[0].__dict__, "status": "done"})], user=SCHOOLS, db=plan_db,
                 now=MAY_2025)
    changes = history(KRA, db=plan_db)
    assert changes.changed_by.tolist() == [DIRECTOR.email, DIRECTOR.email, SCHOOLS.email]
    assert changes.change[0].startswith("plan started; ")
    assert "City Schools named among the partners (teachers and KRA data)" in changes.change[0]
    assert changes.change[1] == "action 'Run summer bridge camps' added (City Schools, planned)"
    assert changes.change[2] == "action 'Run summer bridge camps': status planned -> done"
    assert changes.changed_at.tolist()[-1] == MAY_2025


def test_a_partner_marks_its_own_action_done_and_it_is_kept_with_who_and_when(plan_db):
    start(plan_db)
    plan = add(plan_db, camp())
    mine = plan.actions[0]
    assert save_actions(KRA, [mine], [Action(**{**mine.__dict__, "status": "done", "note": "120 children"})],
                        user=SCHOOLS, db=plan_db, now=MAY_2025) == 1
    done = get_plan(KRA, db=plan_db).actions[0]
    assert (done.status, done.note, done.changed_by, done.done_at) == ("done", "120 children", SCHOOLS.email, MAY_2025)
    assert get_plan(KRA, as_of=date(2024, 12, 1), db=plan_db).actions[0].status == "planned"


def test_a_partner_cannot_change_another_partners_action_and_nothing_is_written(plan_db):
    start(plan_db)
    plan = add(plan_db, camp())
    before = rows(plan_db, "plan_actions")
    theirs = plan.actions[0]
    with pytest.raises(PermissionDenied, match="cannot change the plan actions of SCHOOLS"):
        save_actions(KRA, [theirs], [Action(**{**theirs.__dict__, "status": "dropped"})], user=CLINIC, db=plan_db)
    assert rows(plan_db, "plan_actions") == before
    assert get_plan(KRA, db=plan_db).actions[0].status == "planned"


def test_a_partner_drops_its_action_rather_than_removing_it_and_cannot_hand_it_on(plan_db):
    start(plan_db)
    mine = add(plan_db, camp()).actions[0]
    with pytest.raises(PermissionDenied, match="set its status to dropped"):
        save_actions(KRA, [mine], [], user=SCHOOLS, db=plan_db)
    with pytest.raises(PermissionDenied, match="only the backbone team hands an action"):
        save_actions(KRA, [mine], [Action(**{**mine.__dict__, "owner_code": "CLINIC"})], user=SCHOOLS, db=plan_db)
    assert len(get_plan(KRA, db=plan_db).actions) == 1


def test_what_a_partner_adds_is_a_proposal_until_a_director_accepts_it(plan_db):
    start(plan_db)
    plan = add(plan_db, Action("Vision screening at pre-K sites", "CLINIC", due_date=date(2025, 3, 1)), user=CLINIC)
    proposal = plan.actions[0]
    assert (proposal.proposed, proposal.proposed_by) == (True, "CLINIC")
    with pytest.raises(PermissionDenied, match="the backbone team accepts proposals"):
        save_actions(KRA, [proposal], [Action(**{**proposal.__dict__, "proposed": False})], user=CLINIC, db=plan_db)
    # its proposer may still change or withdraw it; a director accepts it
    save_actions(KRA, [proposal], [Action(**{**proposal.__dict__, "note": "two clinics"})], user=CLINIC, db=plan_db)
    proposal = get_plan(KRA, db=plan_db).actions[0]
    save_actions(KRA, [proposal], [Action(**{**proposal.__dict__, "proposed": False})], user=DIRECTOR, db=plan_db)
    assert get_plan(KRA, db=plan_db).actions[0].proposed is False
    assert "proposal accepted" in history(KRA, db=plan_db).change.iloc[-1]


def test_a_viewer_reads_plans_and_writes_nothing(plan_db):
    start(plan_db)
    plan = add(plan_db, camp())
    with pytest.raises(PermissionDenied):
        save_plan(KRA, "mine now", None, [], user=VIEWER, db=plan_db)
    with pytest.raises(PermissionDenied):
        save_actions(KRA, plan.actions, [], user=VIEWER, db=plan_db)
    with pytest.raises(PermissionDenied):
        save_plan(KRA, "partners do not write the story", None, [], user=SCHOOLS, db=plan_db)
    with pytest.raises(PermissionDenied):
        remove_plan(KRA, user=SCHOOLS, db=plan_db)
    assert get_plan(KRA, db=plan_db).story == "Fewer children attend pre-K since 2019."


def test_a_save_over_a_change_made_meanwhile_is_refused(plan_db):
    start(plan_db)
    seen = add(plan_db, camp()).actions[0]
    save_actions(KRA, [seen], [Action(**{**seen.__dict__, "status": "under_way"})], user=SCHOOLS, db=plan_db)
    with pytest.raises(BackboneError, match="was changed by ana@schools.example.org .* after you opened the plan"):
        save_actions(KRA, [seen], [Action(**{**seen.__dict__, "status": "dropped"})], user=DIRECTOR, db=plan_db)
    assert get_plan(KRA, db=plan_db).actions[0].status == "under_way"


def test_actions_are_checked_before_anything_is_written(plan_db):
    start(plan_db)
    before = rows(plan_db, "plan_actions")
    for bad, message in [
        (camp(due_date=date(2024, 5, 1)), "due: the due date 2024-05-01 is before the start 2024-06-01"),
        (camp(owner_code="NOBODY"), "owner: 'NOBODY' is not a partner"),
        (camp(measure_codes=("kindergarten_readiness",)), "kindergarten_readiness is not partner performance"),
        (camp(title="  "), "action: say what the action is"),
        (camp(status="finished"), "status: 'finished' is not a status"),
    ]:
        with pytest.raises(BackboneError, match=message):
            add(plan_db, bad)
    assert rows(plan_db, "plan_actions") == before


def test_a_plan_is_for_a_community_outcome_and_a_group_plan_stands_apart(plan_db):
    with pytest.raises(BackboneError, match="is for a community outcome"):
        save_plan(PlanKey("children_served"), "x", None, [], user=DIRECTOR, db=plan_db)
    with pytest.raises(BackboneError, match="names both its breakdown"):
        PlanKey("kindergarten_readiness", "Race/ethnicity")
    start(plan_db)
    equity = PlanKey("kindergarten_readiness", "Race/ethnicity", "Black")
    save_plan(equity, "The gap opened in 2020.", None, [Role("CLINIC")], user=DIRECTOR, db=plan_db, now=MAY_2025)
    assert get_plan(equity, db=plan_db).story == "The gap opened in 2020."
    assert get_plan(KRA, db=plan_db).story == "Fewer children attend pre-K since 2019."
    assert list_plans(db=plan_db).group_value.tolist() == ["All", "Black"]


def test_a_removed_plan_is_gone_now_but_shows_as_it_stood_before(plan_db):
    start(plan_db)
    add(plan_db, camp())
    remove_plan(KRA, user=DIRECTOR, db=plan_db, now=MAY_2025)
    assert get_plan(KRA, db=plan_db) is None and list_plans(db=plan_db).empty
    before = get_plan(KRA, as_of=date(2025, 1, 1), db=plan_db)
    assert before.story.startswith("Fewer children") and [a.title for a in before.actions] == ["Run summer bridge camps"]
    assert history(KRA, db=plan_db).change.iloc[-1] == "plan taken down"


def test_plans_and_their_history_travel_in_a_backup(plan_db, tmp_path):
    from backbone.store.export import backup, restore

    start(plan_db)
    add(plan_db, camp(), now=MAY_2025)
    counts = backup(tmp_path / "backup", plan_db)
    assert (counts["plans"], counts["plan_partners"], counts["plan_actions"]) == (1, 2, 1)
    target = str(tmp_path / "restored.duckdb")
    restore(tmp_path / "backup", target)
    assert get_plan(KRA, db=target) == get_plan(KRA, db=plan_db)
    assert history(KRA, db=target).equals(history(KRA, db=plan_db))
    assert get_plan(KRA, as_of=date(2024, 12, 31), db=target).actions == []
