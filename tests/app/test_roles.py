"""Each role sees what it should, and nothing else: on screen, in chart data and in downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from backbone.store import auth, database
from backbone.store.auth import User
from tests.app.conftest import APP, TIMEOUT_S, chart_named, download_bytes, rows_with

OUTCOMES, UPLOAD, PARTNERS, HISTORY = ("pages/1_Outcomes.py", "pages/5_Upload.py", "pages/4_Partners.py",
                                       "pages/6_Data_and_history.py")
PASSWORD = "a long enough password"
PARTNER = User("ky@district.example.org", "partner", "COUNTY_SCHOOLS_KY")
VIEWER = User("board@example.org", "viewer")
DIRECTOR = User("director@backbone.example.org", "director")
GRAD_BY_RACE = {"metric": "4-year graduation rate", "geography": "Community", "by": "Race/ethnicity"}


@pytest.fixture
def accounts_store(writable_demo_store):
    """The demo with local accounts: sign-in is on."""
    for user in (PARTNER, VIEWER, DIRECTOR):
        auth.add_account(user.email, user.role, user.partner_code, PASSWORD, writable_demo_store)
    database.close_all()
    return writable_demo_store


def open_as(user: User | None, page: str = "app.py", query_params: dict | None = None, small_numbers: bool = False) -> AppTest:
    """A page as `user` sees it after signing in (None: nobody signed in)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    if user is not None:
        at.session_state["user"] = user
    at.session_state["show-small-numbers"] = small_numbers
    at.run()
    if page != "app.py":
        at.switch_page(page)
    at.query_params.update(query_params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def american_indian_2017_18(at: AppTest):
    groups = rows_with(chart_named(at, "4-year graduation rate by Race/ethnicity"), "group_value", "value")
    return groups[(groups.group_value == "American Indian or Alaska Native") & (groups.period_label == "2017-18")]


def test_nobody_signed_in_sees_only_the_sign_in_form(accounts_store):
    at = open_as(None)
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert not at.get("vega_lite_chart")
    at.text_input[0].input(PARTNER.email)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["user"] == PARTNER
    assert len(at.get("vega_lite_chart")) == 6  # the dashboard, now signed in


def test_five_wrong_passwords_slow_the_next_attempt(accounts_store):
    at = open_as(None)
    for _ in range(5):
        at.text_input[0].input(PARTNER.email)
        at.text_input[1].input("not the password")
        at.button[0].click().run()
    assert any("try again in 30 seconds" in text for text in texts(at.error)), texts(at.error)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert "user" not in at.session_state and "Too many wrong passwords" in texts(at.error)[0]


def test_a_partner_sees_small_cells_suppressed_in_charts_and_downloads(accounts_store):
    at = open_as(PARTNER, OUTCOMES, GRAD_BY_RACE)
    assert american_indian_2017_18(at).empty  # 10 of 14 graduates: a group of fewer than 11
    assert not [t for t in at.toggle if t.label == "Show small numbers"]
    csv = download_bytes([b for b in at.get("download_button") if b.label == "Download CSV"][1]).decode()
    row = [line for line in csv.splitlines() if "American Indian or Alaska Native" in line and "2017-18" in line]
    assert len(row) == 1 and "71.4" not in row[0] and ",10.0," not in row[0] and ",14.0," not in row[0]
    assert "group of fewer than 11 people" in row[0] or "fewer than 11 people" in row[0]
    assert any("Not shown, to protect small numbers" in c.value for c in at.caption)


def test_a_director_may_switch_small_numbers_on(accounts_store):
    assert american_indian_2017_18(open_as(DIRECTOR, OUTCOMES, GRAD_BY_RACE)).empty  # suppressed until asked
    shown = american_indian_2017_18(open_as(DIRECTOR, OUTCOMES, GRAD_BY_RACE, small_numbers=True))
    assert shown.value.round(1).tolist() == [71.4]


def test_a_viewer_sees_the_community_views_but_no_partner_pages(accounts_store):
    assert american_indian_2017_18(open_as(VIEWER, OUTCOMES, GRAD_BY_RACE)).empty
    for page in (UPLOAD, PARTNERS, HISTORY):
        at = open_as(VIEWER, page)
        assert any("this page is not open to you as viewer / presenter" in t for t in texts(at.info)), page
        assert not at.dataframe and not at.file_uploader and not at.get("vega_lite_chart")
    labels = [link.proto.label for link in open_as(VIEWER).get("page_link")]
    assert "Upload data" not in labels and "Data and history" not in labels and "Community dashboard" in labels


def test_a_partner_uploads_only_for_itself_and_sees_only_its_own_history(accounts_store):
    upload = open_as(PARTNER, UPLOAD)
    assert upload.selectbox(key="partner").options == ["County School District (KY)"]
    history = open_as(PARTNER, HISTORY)
    shown = history.dataframe[0].value
    assert set(shown.Partner) == {"County School District (KY)"}
    assert not [u for u in history.file_uploader if u.label == "Catalog workbook"]  # the catalog is the backbone's
    assert any("not open to you as partner" in t for t in texts(open_as(PARTNER, PARTNERS).info))


def test_a_link_to_another_partners_upload_is_refused(accounts_store):
    other = database.query("SELECT upload_id FROM uploads WHERE partner_code = 'CITY_HEALTH'", path=accounts_store).upload_id[0]
    database.close_all()
    at = open_as(PARTNER, HISTORY, {"upload": other})
    assert any("cannot see partner-level data" in t for t in texts(at.info)), texts(at.info)
    assert not [b for b in at.button if b.key == "undo-linked"]  # no undo offered for it


ALL_PAGES = ["app.py", OUTCOMES, "pages/2_Backbone_activities.py", "pages/3_Phases.py", PARTNERS, UPLOAD, HISTORY]
OPEN_TO = {
    DIRECTOR.role: set(ALL_PAGES),
    PARTNER.role: set(ALL_PAGES) - {PARTNERS},
    VIEWER.role: {"app.py", OUTCOMES, "pages/2_Backbone_activities.py", "pages/3_Phases.py"},
}


@pytest.mark.parametrize("user", [DIRECTOR, PARTNER, VIEWER], ids=lambda u: u.role)
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_for_every_role(accounts_store, user, page):
    at = open_as(user, page)
    refused = any("this page is not open to you" in t for t in texts(at.info))
    assert refused == (page not in OPEN_TO[user.role])
    if refused:
        assert not at.get("vega_lite_chart") and not at.dataframe and not at.get("download_button")
    if page == "pages/3_Phases.py":
        assert bool([b for b in at.button if b.label == "Save milestones"]) == user.is_director
    # Only a director is offered small numbers.
    assert bool([t for t in at.toggle if t.label == "Show small numbers"]) == user.is_director


def test_with_an_identity_provider_nobody_gets_in_without_signing_in(accounts_store):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "backbone", "client_secret": "secret",
                          "server_metadata_url": "https://accounts.example.org/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.get("vega_lite_chart")
