"""The turn-the-curve plan on the Outcomes page, for each role: a director writes it, a partner updates its own actions
and proposes others, a viewer reads; the plan as it stood on a date; the Excel download; the plan slide; the
computed backbone measures on the activities page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from backbone.store import auth, database
from backbone.store.auth import User
from backbone.store.plans import PlanKey, get_plan, history
from tests.app.conftest import APP, TIMEOUT_S, chart_named, download_bytes, plain

OUTCOMES, ACTIVITIES, PRESENT = "pages/1_Outcomes.py", "pages/2_Backbone_activities.py", "pages/7_Present.py"
PASSWORD = "a long enough password"
DIRECTOR = User("director@backbone.example.org", "director")
HOME_VISITING = User("data@homevisiting.example.org", "partner", "HOME_VISITING")
VIEWER = User("board@example.org", "viewer")
INFANTS = {"metric": "Infant mortality rate"}
IMR = PlanKey("infant_mortality")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def accounts_store(writable_demo_store):
    """The demo (with its two illustrative plans) and local accounts, so sign-in is on."""
    for user in (DIRECTOR, HOME_VISITING, VIEWER):
        auth.add_account(user.email, user.role, user.partner_code, PASSWORD, writable_demo_store)
    database.close_all()
    return writable_demo_store


def open_as(user: User, page: str = OUTCOMES, query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.session_state["user"] = user
    at.run()
    at.switch_page(page)
    at.query_params.update(INFANTS if query_params is None else query_params)
    at.run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def actions_key(db: str, scope: str, key: PlanKey = IMR) -> str:
    plan = get_plan(key, db=db)
    return f"plan-actions-{plan.plan_id}-{plan.last_change_seq}-{scope}"


def edit(at: AppTest, key: str, edited=None, added=None) -> None:
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": []}
    at.run()
    no_exception(at)


def test_everyone_sees_the_five_questions_under_the_curve(accounts_store):
    at = open_as(VIEWER)
    assert "Turning the curve: the plan" in texts(at.header)
    assert texts(at.subheader) == ["1. How are we doing?", "2. The story behind the curve", "3. Partners with a role to play",
                                   "4. What works", "5. The action plan"]
    markdown = texts(at.markdown)
    assert any(m.startswith("The typical neighbourhood") for m in markdown)
    assert any("[https\\://www\\.nursefamilypartnership\\.org](<https://www.nursefamilypartnership.org>)" in m for m in markdown)
    assert any(":orange-badge[:material/science: Illustrative plan" in m for m in markdown)
    assert "**Share the infant\\-death reviews with home visitors every quarter**" in markdown
    # the curves of the measures tied to an action, beside it
    chart_named(at, "Trend of Enrolled in the first trimester")
    # a viewer reads: no editor, no save buttons
    assert not at.get("data_editor") and not [b for b in at.button if b.label.startswith("Save")]
    assert not [f for f in at.get("form")]
    assert "The backbone team and the partners with actions keep this plan up to date." in texts(at.caption)


def test_a_director_writes_the_story_and_adds_an_action(accounts_store):
    at = open_as(DIRECTOR)
    story = [t for t in at.text_area if t.label == "The story behind the curve"][0]
    story.set_value("Unsafe sleep is the cause we can act on fastest.")
    button(at, "Save the story, partners and what works").click().run()
    no_exception(at)
    assert texts(at.success) == ["Plan saved."]
    assert get_plan(IMR, db=accounts_store).story == "Unsafe sleep is the cause we can act on fastest."
    edit(at, actions_key(accounts_store, "all"), added=[{"action": "Crib giveaway at the clinic", "owner": "Community Foundation",
                                                         "due": "2027-06-30", "status": "planned",
                                                         "measures": ["Families visited"]}])
    button(at, "Save the actions").click().run()
    no_exception(at)
    assert texts(at.success) == ["Saved: 1 action changed."]
    crib = next(a for a in get_plan(IMR, db=accounts_store).actions if a.title == "Crib giveaway at the clinic")
    assert (crib.owner_code, crib.due_date, crib.status, crib.measure_codes, crib.proposed) == (
        "COMMUNITY_FDN", date(2027, 6, 30), "planned", ("home_visits_families",), False)
    assert history(IMR, db=accounts_store).changed_by.iloc[-1] == DIRECTOR.email
    assert "**Crib giveaway at the clinic**" in texts(at.markdown)


def test_a_director_is_told_what_to_fix_and_nothing_is_saved(accounts_store):
    at = open_as(DIRECTOR)
    before = len(get_plan(IMR, db=accounts_store).actions)
    edit(at, actions_key(accounts_store, "all"), added=[{"action": "Backwards", "owner": "Community Foundation",
                                                         "start": "2027-06-30", "due": "2027-01-31", "status": "planned"}])
    button(at, "Save the actions").click().run()
    no_exception(at)
    assert "due: the due date 2027-01-31 is before the start 2027-06-30" in texts(at.error)[0]
    assert len(get_plan(IMR, db=accounts_store).actions) == before


def test_a_director_starts_a_plan_and_an_equity_plan_for_one_group(accounts_store):
    at = open_as(DIRECTOR, query_params={"metric": "4-year graduation rate"})
    assert "No turn-the-curve plan for 4-year graduation rate (everyone) yet. Start it below." in [plain(t) for t in texts(at.info)]
    [t for t in at.text_area if t.label == "The story behind the curve"][0].set_value("Ninth grade is where it slips.")
    button(at, "Save the story, partners and what works").click().run()
    assert texts(at.success) == ["Plan started: add its actions below."]
    at.selectbox(key="plan-for-grad_rate_4yr").set_value("A plan for one group…").run()
    at.selectbox(key="plan-dimension-grad_rate_4yr").set_value("Race/ethnicity").run()
    at.selectbox(key="plan-group-grad_rate_4yr").set_value("African American").run()
    no_exception(at)
    [t for t in at.text_area if t.label == "The story behind the curve"][0].set_value("The gap narrowed, then stalled.")
    button(at, "Save the story, partners and what works").click().run()
    no_exception(at)
    equity = get_plan(PlanKey("grad_rate_4yr", "Race/ethnicity", "African American"), db=accounts_store)
    assert equity.story == "The gap narrowed, then stalled."
    assert get_plan(PlanKey("grad_rate_4yr"), db=accounts_store).story == "Ninth grade is where it slips."
    # the group's own curve answers "how are we doing?" for the equity plan
    chart_named(at, "Race/ethnicity: African American: 4-year graduation rate was")


def status_key(db: str, action_id: str, key: PlanKey = IMR) -> str:
    action = next(a for a in get_plan(key, db=db).actions if a.action_id == action_id)
    return f"plan-status-{action_id}-{action.change_seq}"


def test_a_partner_marks_its_action_done_on_the_action_itself(accounts_store):
    at = open_as(HOME_VISITING)
    at.segmented_control(key=status_key(accounts_store, "imr-2")).set_value("under_way").run()
    no_exception(at)
    assert texts(at.success) == ["'Safe-sleep talk and a free crib at every home visit' is now under way."]
    cribs = next(a for a in get_plan(IMR, db=accounts_store).actions if a.action_id == "imr-2")
    assert (cribs.status, cribs.changed_by) == ("under_way", HOME_VISITING.email)
    assert history(IMR, db=accounts_store).change.iloc[-1] == (
        "action 'Safe-sleep talk and a free crib at every home visit': status done -> under way")
    # only its own actions have the control; the others show their status
    with pytest.raises(KeyError):
        at.segmented_control(key=status_key(accounts_store, "imr-3"))
    viewer = open_as(VIEWER)
    with pytest.raises(KeyError):
        viewer.segmented_control(key=status_key(accounts_store, "imr-2"))


def test_actions_are_added_in_a_form_a_partners_as_a_proposal(accounts_store):
    at = open_as(DIRECTOR)
    [t for t in at.text_input if t.label == "Action"][0].input("Cribs at the maternity ward")
    [b for b in at.selectbox if b.label == "Owner"][0].set_value("City Health Department")
    [d for d in at.date_input if d.label == "Due"][0].set_value(date(2027, 3, 31))
    [m for m in at.multiselect if m.label == "Measures that show it working"][0].set_value(["Families visited"])
    button(at, "Add the action").click().run()
    no_exception(at)
    assert texts(at.success) == ["'Cribs at the maternity ward' added to the plan."]
    cribs = next(a for a in get_plan(IMR, db=accounts_store).actions if a.title == "Cribs at the maternity ward")
    assert (cribs.owner_code, cribs.due_date, cribs.measure_codes, cribs.proposed) == (
        "CITY_HEALTH", date(2027, 3, 31), ("home_visits_families",), False)

    partner = open_as(HOME_VISITING)
    assert [b for b in partner.selectbox if b.label == "Owner"][0].value == "Family Home Visiting Network"
    [t for t in partner.text_input if t.label == "Action"][0].input("Evening home visits")
    button(partner, "Propose the action").click().run()
    no_exception(partner)
    assert texts(partner.success) == ["'Evening home visits' proposed: the backbone team will accept it into the plan."]
    evening = next(a for a in get_plan(IMR, db=accounts_store).actions if a.title == "Evening home visits")
    assert (evening.proposed, evening.proposed_by, evening.owner_code) == (True, "HOME_VISITING", "HOME_VISITING")


def test_a_partner_marks_its_own_action_done_and_sees_only_its_own_in_the_editor(accounts_store):
    at = open_as(HOME_VISITING)
    assert not [b for b in at.button if b.label == "Save the story, partners and what works"]  # the story is the directors'
    editor = at.data_editor[0].value
    assert set(editor.owner) == {"Family Home Visiting Network"} and len(editor) == 2
    assert "proposal" not in editor.columns or editor.proposal.eq(False).all()
    assert get_plan(IMR, db=accounts_store).actions  # and the plan has others' actions too
    row = list(editor.action).index("Safe-sleep talk and a free crib at every home visit")
    edit(at, actions_key(accounts_store, "mine"), edited={row: {"status": "under way", "note": "Cribs ran out in March."}})
    button(at, "Save the actions").click().run()
    no_exception(at)
    assert texts(at.success) == ["Saved: 1 action changed."]
    cribs = next(a for a in get_plan(IMR, db=accounts_store).actions if a.action_id == "imr-2")
    assert (cribs.status, cribs.note, cribs.changed_by) == ("under_way", "Cribs ran out in March.", HOME_VISITING.email)


def test_what_a_partner_adds_is_a_proposal_the_director_accepts(accounts_store):
    at = open_as(HOME_VISITING)
    edit(at, actions_key(accounts_store, "mine"), added=[{"action": "Text reminders for prenatal visits",
                                                          "owner": "Family Home Visiting Network", "status": "planned"}])
    button(at, "Save the actions").click().run()
    no_exception(at)
    proposal = next(a for a in get_plan(IMR, db=accounts_store).actions if a.title == "Text reminders for prenatal visits")
    assert (proposal.proposed, proposal.proposed_by) == (True, "HOME_VISITING")
    assert "**Proposed, waiting for the backbone team** (1)" in texts(at.markdown)

    director = open_as(DIRECTOR)
    table = next(e.value for e in director.data_editor if "proposal" in e.value.columns)
    row = list(table.action).index("Text reminders for prenatal visits")
    assert table.proposal.iloc[row]
    edit(director, actions_key(accounts_store, "all"), edited={row: {"proposal": False}})
    button(director, "Save the actions").click().run()
    no_exception(director)
    accepted = next(a for a in get_plan(IMR, db=accounts_store).actions if a.title == "Text reminders for prenatal visits")
    assert (accepted.proposed, accepted.proposed_by) == (False, None)
    assert "proposal accepted" in history(IMR, db=accounts_store).change.iloc[-1]


def test_the_plan_as_it_stood_on_a_convening_date_is_read_only(accounts_store):
    at = open_as(DIRECTOR)
    at.date_input(key="plan-as-of").set_value(date(2023, 6, 1)).run()
    no_exception(at)
    assert any("fewest home\\-visiting places" in m for m in texts(at.markdown))  # the first story, not today's
    assert "**Share the infant\\-death reviews with home visitors every quarter**" not in texts(at.markdown)  # added 2025
    assert not at.get("data_editor") and not [b for b in at.button if b.label.startswith("Save")]
    assert any("shown as it stood on 01 Jun 2023" in c for c in texts(at.caption))
    download = [b for b in at.get("download_button") if b.label.startswith("Download the plans (Excel)")]
    assert download[0].label == "Download the plans (Excel) as they stood on 01 Jun 2023"


def test_the_excel_download_holds_every_plan(accounts_store):
    at = open_as(VIEWER)
    download = next(b for b in at.get("download_button") if b.label == "Download the plans (Excel)")
    book = load_workbook(io.BytesIO(download_bytes(download)))
    assert [row[0] for row in book["Plans"].iter_rows(min_row=2, values_only=True)] == ["Infant mortality rate",
                                                                                         "Kindergarten readiness"]
    assert book["Actions"].max_row - 1 == 12


def test_a_measure_that_is_not_a_community_outcome_has_no_plan(accounts_store):
    at = open_as(DIRECTOR, query_params={"metric": "Families visited"})
    assert any(c.startswith("Turn-the-curve plans are made for community outcomes") for c in texts(at.caption))
    assert not at.get("data_editor")


def test_the_turn_the_curve_slide_shows_the_plan_on_the_present_page(accounts_store):
    at = open_as(VIEWER, PRESENT, {"deck": "Turn-the-curve convening", "slide": "1"})
    assert texts(at.title) == ["Turning the curve\\: Infant mortality rate"]  # a catalog name, shown as text
    markdown = texts(at.markdown)
    assert "**The action plan**" in markdown
    actions = next(m for m in markdown if m.startswith("- Share the infant\\-death reviews"))
    assert actions.count("\n- ") == 4 and "City Health Department, under way" in actions
    assert any(m.startswith("**The typical neighbourhood") for m in markdown)  # the story, in three sentences
    assert any("Illustrative plan" in m for m in markdown)
    chart_named(at, "Turn-the-curve chart of Infant mortality rate")


def test_the_activities_page_marks_the_computed_measures(accounts_store):
    at = open_as(VIEWER, ACTIVITIES, {})
    markdown = texts(at.markdown)
    assert "**Partners with a role in a plan \\(computed\\)**" in markdown
    assert f"**87\\.5%** in {date.today().year}" in markdown  # 7 of the 8 partners, as the plans stand this year
    assert any("computed by Backbone" in c for c in texts(at.caption))
    name = next(m for m in at.markdown if m.value == "**Partners with a role in a plan \\(computed\\)**")
    assert name.help.startswith("Percent of the catalog's partners named in at least one turn-the-curve plan")


def test_a_director_loads_a_tables_workbook_and_a_bad_one_is_refused_with_its_problems(accounts_store):
    at = open_as(DIRECTOR)
    download = next(b for b in at.get("download_button") if b.label == "Download the plans (Excel)")
    book = load_workbook(io.BytesIO(download_bytes(download)))
    actions = book["Actions"]
    row = next(r for r in range(2, actions.max_row + 1) if actions.cell(r, 1).value == "imr-6")
    actions.cell(row, 9).value = "done"
    actions.cell(row, 8).value = "31 June 2025"
    bad = io.BytesIO()
    book.save(bad)
    before = history(IMR, db=accounts_store)
    at.file_uploader(key="plans-file").set_value(("convening.xlsx", bad.getvalue(), XLSX)).run()
    button(at, "Load these plans").click().run()
    no_exception(at)
    assert texts(at.error) == ["1 problem to fix; nothing was changed."]
    problems = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert problems.to_dict("records") == [{"sheet": "Actions", "row": row, "column": "due",
                                            "message": "'31 June 2025' is not a date; write it as 2024-07-01"}]
    assert history(IMR, db=accounts_store).equals(before)

    actions.cell(row, 8).value = date(2025, 12, 31)
    good = io.BytesIO()
    book.save(good)
    at.file_uploader(key="plans-file").set_value(("convening-fixed.xlsx", good.getvalue(), XLSX)).run()
    button(at, "Load these plans").click().run()
    no_exception(at)
    assert texts(at.success)[-1] == "Loaded: 2 plans replaced, 1 change kept in their history."
    assert next(a for a in get_plan(IMR, db=accounts_store).actions if a.action_id == "imr-6").status == "done"
