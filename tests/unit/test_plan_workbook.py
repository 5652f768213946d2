"""Plans as a workbook: export, edit in openpyxl, import; a bad workbook is refused with located findings, nothing written."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from backbone.cli import main
from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.plan_workbook import load_plan_workbook
from backbone.store import database
from backbone.store.auth import PermissionDenied, User
from backbone.store.plan_export import write_plan_workbook
from backbone.store.plans import Action, PlanKey, Role, get_plan, history, save_actions, save_plan
from tests.workbooks import METRICS_HEADER, metric_row, write_workbook

KRA, INFANTS = PlanKey("kindergarten_readiness"), PlanKey("infant_mortality")
DIRECTOR = User("director@backbone.example.org", "director")
STORY = "Fewer children attend pre-K since 2019."


@pytest.fixture
def drafted(catalog_db, tmp_path):
    """A store with one plan (two partners, two actions) and its export."""
    more = write_workbook(tmp_path / "more.xlsx", {"Metrics": [
        METRICS_HEADER, metric_row("visits", "Home visits", "count", level="partner performance", aliases="HV")]})
    assert load_catalog_workbook(more, db=catalog_db).errors == []
    save_plan(KRA, STORY, "=HYPERLINK is not run: https://example.org/bridge-camps",
              [Role("SCHOOLS", "teachers"), Role("CLINIC", "well-child visits")], user=DIRECTOR, db=catalog_db,
              now=datetime(2024, 5, 14))
    save_actions(KRA, [], [Action("Summer bridge camps", "SCHOOLS", date(2024, 6, 1), date(2024, 8, 31),
                                  measure_codes=("children_served",)),
                           Action("Vision screening", "CLINIC", due_date=date(2024, 12, 31))],
                 user=DIRECTOR, db=catalog_db, now=datetime(2024, 5, 14))
    path = tmp_path / "plans.xlsx"
    assert write_plan_workbook(path, db=catalog_db) == {"Plans": 1, "Partners": 2, "Actions": 2}
    return catalog_db, path


def versions(db) -> tuple:
    cur = database.cursor(db)
    return tuple(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("plans", "plan_partners", "plan_actions"))


def sheet_rows(path, sheet):
    return [list(row) for row in load_workbook(path)[sheet].iter_rows(values_only=True)]


def test_the_export_holds_each_plan_its_partners_and_actions_by_name(drafted):
    db, path = drafted
    plans = sheet_rows(path, "Plans")
    assert plans[0] == ["outcome", "dimension", "group", "story", "what works", "illustrative"]
    assert plans[1][:4] == ["Kindergarten readiness", None, None, STORY]
    assert plans[1][4].startswith("=HYPERLINK")  # kept as the text it is ...
    assert load_workbook(path)["Plans"]["E2"].data_type == "s"  # ... and stored as text, not a formula
    assert sheet_rows(path, "Partners")[1:] == [["Kindergarten readiness", None, None, "Family Clinic", "well-child visits"],
                                                 ["Kindergarten readiness", None, None, "City Schools", "teachers"]]
    actions = sheet_rows(path, "Actions")
    camps = next(r for r in actions if r[4] == "Summer bridge camps")
    assert camps[5:11] == ["City Schools", datetime(2024, 6, 1), datetime(2024, 8, 31), "planned", None, "Children served"]
    assert len(camps[0]) == 32  # the action's id, so an edit changes that action


def test_export_edit_in_openpyxl_import_round_trip(drafted):
    db, path = drafted
    book = load_workbook(path)
    plans, partners, actions = book["Plans"], book["Partners"], book["Actions"]
    plans["D2"] = "Pre-K enrolment recovered in 2023; attendance is the issue now."
    partners.delete_rows(next(r for r in range(2, 4) if partners.cell(r, 4).value == "Family Clinic"))  # it leaves
    camps_row = next(r for r in range(2, actions.max_row + 1) if actions.cell(r, 5).value == "Summer bridge camps")
    actions.cell(camps_row, 9).value = "done"
    actions.cell(camps_row, 10).value = "120 children, 3 sites"
    actions.delete_rows(next(r for r in range(2, actions.max_row + 1) if actions.cell(r, 5).value == "Vision screening"))
    actions.append([None, "KRA", None, None, "Attendance nudges by text", "schools", date(2025, 1, 6), "2025-06-30",
                    "under way", None, "HV; Children served", None])
    plans.append(["Kindergarten readiness", "Race/ethnicity", "Black", "The gap opened in 2020.", None, "yes"])
    edited = path.with_name("edited.xlsx")
    book.save(edited)

    loaded = load_plan_workbook(edited, changed_by="convening table", db=db, now=datetime(2025, 5, 13))
    assert loaded.errors == []
    assert loaded.counts == {"plans": 2, "changes": 6}
    plan = get_plan(KRA, db=db)
    assert plan.story.startswith("Pre-K enrolment recovered")
    assert plan.roles == [Role("SCHOOLS", "teachers")]
    by_title = {a.title: a for a in plan.actions}
    assert set(by_title) == {"Summer bridge camps", "Attendance nudges by text"}
    assert (by_title["Summer bridge camps"].status, by_title["Summer bridge camps"].note) == ("done", "120 children, 3 sites")
    nudges = by_title["Attendance nudges by text"]
    assert (nudges.owner_code, nudges.start_date, nudges.due_date, nudges.status) == (
        "SCHOOLS", date(2025, 1, 6), date(2025, 6, 30), "under_way")
    assert set(nudges.measure_codes) == {"visits", "children_served"}
    assert get_plan(PlanKey("kindergarten_readiness", "Race/ethnicity", "Black"), db=db).illustrative is True
    # the convening's workbook is one change, kept with who and when; the plan as it stood before is still there
    last = history(KRA, db=db).iloc[-1]
    assert (last.changed_by, last.changed_at) == ("convening table", datetime(2025, 5, 13))
    assert "action 'Vision screening' removed" in last.change and "Family Clinic no longer named" in last.change
    before = get_plan(KRA, as_of=date(2025, 1, 1), db=db)
    assert before.story == STORY and {a.title for a in before.actions} == {"Summer bridge camps", "Vision screening"}


def test_importing_the_export_unchanged_changes_nothing(drafted):
    db, path = drafted
    before = versions(db)
    assert load_plan_workbook(path, db=db).counts == {"plans": 1, "changes": 0}
    assert versions(db) == before


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda b: b["Actions"].cell(2, 6, "Nobody Org"),
     ("Actions", 2, "owner", "'Nobody Org' is not a partner; use a partner's name or code from the Lists sheet")),
    (lambda b: b["Actions"].cell(2, 8, "31/02/2025"),
     ("Actions", 2, "due", "'31/02/2025' is not a date; write it as 2024-07-01")),
    (lambda b: b["Partners"].cell(2, 4, "The Clinic Ltd"),
     ("Partners", 2, "partner", "'The Clinic Ltd' is not a partner; use a partner's name or code from the Lists sheet")),
])
def test_an_unknown_partner_or_a_bad_date_is_refused_located_and_nothing_is_written(drafted, edit, expected):
    db, path = drafted
    book = load_workbook(path)
    book["Plans"]["D2"] = "a new story that must not land"
    edit(book)
    book.save(path)
    before, plan_seq = versions(db), database.query("SELECT value FROM counters WHERE name = 'plan_seq'", path=db).value[0]
    loaded = load_plan_workbook(path, db=db)
    assert [(f.sheet, f.row, f.column, f.message) for f in loaded.errors] == [expected]
    assert loaded.counts == {}
    assert versions(db) == before
    assert database.query("SELECT value FROM counters WHERE name = 'plan_seq'", path=db).value[0] == plan_seq
    assert get_plan(KRA, db=db).story == STORY


def test_every_problem_is_found_in_one_pass_and_says_how_to_fix_it(drafted, tmp_path):
    db, _ = drafted
    path = write_workbook(tmp_path / "bad.xlsx", {
        "Plans": [["outcome", "dimension", "group", "story", "illustrative"],
                  ["Kindergarden readiness", None, None, "typo", "no"],
                  ["Children served", None, None, "not an outcome", "no"],
                  ["Infant mortality", "Race/ethnicity", None, "no group", "no"],
                  ["Kindergarten readiness", None, None, "one", "maybe"],
                  ["Kindergarten readiness", None, None, "twice", "no"]],
        "Actions": [["id", "outcome", "action", "owner", "start", "due", "status", "measures", "proposed by"],
                    ["a1", "Infant mortality", "x", "SCHOOLS", None, None, None, None, None],
                    ["a2", "Kindergarten readiness", "Later", "SCHOOLS", "2025-06-01", "2025-01-01", "started", "Readyness",
                     None],
                    ["a2", "Kindergarten readiness", "", "CLINIC", None, None, "planned", None, "Nobody"]],
    })
    found = {(f.sheet, f.row, f.column): f.message for f in load_plan_workbook(path, db=db).errors}
    assert found == {
        ("Plans", 2, "outcome"): "'Kindergarden readiness' is not a community outcome in the catalog "
                                 "(did you mean 'Kindergarten readiness'?)",
        ("Plans", 3, "outcome"): "'Children served' is not a community outcome; a plan is for one of the outcomes on "
                                 "the Lists sheet",
        ("Plans", 4, "group"): "an equity plan names both the breakdown and the group; leave both blank for everyone",
        ("Plans", 5, "illustrative"): "'maybe' is not yes or no",
        ("Plans", 6, "outcome"): "this plan is already on row 5; keep one row per plan",
        ("Actions", 2, "outcome"): "this plan is not on the Plans sheet; add a row for it there (same outcome, dimension "
                                   "and group)",
        ("Actions", 3, "due"): "the due date 2025-01-01 is before the start 2025-06-01",
        ("Actions", 3, "measures"): "'Readyness' is not a partner performance measure; see the Lists sheet",
        ("Actions", 4, "id"): "'a2' is already used on row 3; leave id blank for a new action",
        ("Actions", 4, "proposed by"): "'Nobody' is not a partner; use a partner's name or code from the Lists sheet",
        ("Actions", 4, "action"): "say what the action is",
    }
    assert versions(db) == (1, 2, 2)


def test_an_action_id_of_another_plan_is_refused(drafted, tmp_path):
    db, path = drafted
    camps_id = sheet_rows(path, "Actions")[1][0]
    other = write_workbook(tmp_path / "other.xlsx", {
        "Plans": [["outcome"], ["Infant mortality"]],
        "Actions": [["id", "outcome", "action", "owner"], [camps_id, "Infant mortality", "Moved", "CLINIC"]]})
    errors = load_plan_workbook(other, db=db).errors
    assert [(e.sheet, e.row, e.column) for e in errors] == [("Actions", 2, "id")]
    assert "is an action of the plan for Kindergarten readiness (everyone)" in errors[0].message


def test_a_file_that_is_not_a_workbook_gets_a_plain_refusal(drafted, tmp_path):
    db, _ = drafted
    fake = tmp_path / "plans.xlsx"
    fake.write_bytes(b"PK\x03\x04 a broken zip, not a workbook")
    with pytest.raises(BackboneError, match="plans.xlsx"):
        load_plan_workbook(fake, db=db)
    no_plans = write_workbook(tmp_path / "data.xlsx", {"Data": [["metric"], ["KRA"]]})
    with pytest.raises(BackboneError, match="has no Plans sheet"):
        load_plan_workbook(no_plans, db=db)


def test_only_directors_load_plan_workbooks(drafted):
    db, path = drafted
    with pytest.raises(PermissionDenied):
        load_plan_workbook(path, actor=User("a@schools.example.org", "partner", "SCHOOLS"), db=db)


def test_the_command_line_exports_as_of_a_date_and_imports(drafted, tmp_path, capsys):
    db, path = drafted
    save_plan(KRA, "Changed later.", None, [], user=DIRECTOR, db=db, now=datetime(2025, 5, 13))
    then = tmp_path / "then.xlsx"
    assert main(["--db", db, "plans", "export", str(then), "--as-of", "2024-12-31"]) == 0
    assert "as they stood on 2024-12-31: 1 plan row, 2 partner rows, 2 action rows" in capsys.readouterr().out
    assert sheet_rows(then, "Plans")[1][3] == STORY
    assert main(["--db", db, "plans", "import", str(then), "--by", "restorer"]) == 0
    assert "1 plan(s) replaced" in capsys.readouterr().out
    assert get_plan(KRA, db=db).story == STORY and history(KRA, db=db).changed_by.iloc[-1] == "restorer"
    book = load_workbook(then)
    book["Actions"].cell(2, 7, "someday")
    book.save(then)
    assert main(["--db", db, "plans", "import", str(then)]) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err and "sheet 'Actions', row 2, column 'start': 'someday' is not a date" in err
    assert main(["--db", db, "plans", "export", str(tmp_path / "x.csv")]) == 1
    with pytest.raises(SystemExit) as usage:
        main(["--db", db, "plans", "export", str(tmp_path / "y.xlsx"), "--as-of", "May 2025"])
    assert usage.value.code == 2
