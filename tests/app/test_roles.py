"""Each role sees what it should, and nothing else: on screen, in chart data and in downloads."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from backbone import ui
from backbone.store import auth, database
from backbone.store.auth import User
from tests.app.conftest import APP, TIMEOUT_S, chart_named, download_bytes, rows_with, texts

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
    csv = download_bytes(next(b for b in at.get("download_button") if b.label == "Download CSV" and b.key == "groups-csv")).decode()
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


# --- sessions that end when access ends (issue 14, items 9-12; issue 20) ---------------------------------------------

def signed_in(email: str, password: str = PASSWORD) -> AppTest:
    """The dashboard after signing in through the form, as a person would."""
    at = open_as(None)
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception and at.session_state["user"].email == email
    return at


def asks_to_sign_in(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["Email", "Password"] and not at.get("vega_lite_chart")


def test_an_account_removed_while_signed_in_is_signed_out_at_its_next_page_run(accounts_store):
    at = signed_in(PARTNER.email)
    assert len(at.get("vega_lite_chart")) == 6
    auth.remove_account(PARTNER.email, accounts_store)
    at.switch_page(UPLOAD).run()
    assert asks_to_sign_in(at) and not at.file_uploader
    assert any("Your account has been removed" in text for text in texts(at.warning)), texts(at.warning)


def test_an_account_whose_role_changed_is_signed_out_at_its_next_page_run(accounts_store):
    at = signed_in(DIRECTOR.email)
    auth.remove_account(DIRECTOR.email, accounts_store)
    auth.add_account(DIRECTOR.email, "viewer", None, PASSWORD, accounts_store)
    at.switch_page(PARTNERS).run()
    assert asks_to_sign_in(at) and any("changed your account" in text for text in texts(at.warning))
    at.text_input[0].input(DIRECTOR.email)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert any("not open to you as viewer" in text for text in texts(at.info))  # signed in again, as what it is now


def test_an_idle_session_asks_to_sign_in_again(accounts_store, monkeypatch):
    monkeypatch.setenv("BACKBONE_IDLE_TIMEOUT_S", str(8 * 60 * 60))
    at = signed_in(PARTNER.email)
    at.session_state["last-active"] = datetime.now() - timedelta(hours=7, minutes=59)
    at.run()
    assert len(at.get("vega_lite_chart")) == 6  # a page run within the idle time goes on, and counts as activity
    at.session_state["last-active"] = datetime.now() - timedelta(hours=8, minutes=1)
    at.run()
    assert asks_to_sign_in(at)
    assert any("signed out after 8 hours without activity" in text for text in texts(at.warning)), texts(at.warning)
    events = database.query("SELECT event, email FROM sign_in_record ORDER BY rowid", path=accounts_store)
    assert events.values.tolist() == [["sign-in", PARTNER.email], ["timeout", PARTNER.email]]


def test_sign_in_stays_on_when_the_last_account_is_removed(accounts_store):
    for user in (PARTNER, VIEWER, DIRECTOR):
        auth.remove_account(user.email, accounts_store)
    at = open_as(None)
    assert asks_to_sign_in(at) and not texts(at.warning)  # not the open local director
    assert any("no account has a password yet" in caption.value for caption in at.caption)
    auth.set_sign_in_required(False, accounts_store)  # `users sign-in off`
    assert len(open_as(None).get("vega_lite_chart")) == 6


def test_open_mode_refuses_to_serve_anything_but_this_computer(demo_store):
    from streamlit import config as streamlit_config

    before = streamlit_config.get_option("server.address")
    streamlit_config.set_option("server.address", "0.0.0.0")
    try:
        at = open_as(None)
    finally:
        streamlit_config.set_option("server.address", before)
    assert not at.get("vega_lite_chart") and not at.get("page_link")
    assert "Sign-in is off, so this app serves only the computer it runs on" in texts(at.error)[0]


@pytest.mark.parametrize(("address", "ip", "headers", "serves"), [
    ("127.0.0.1", None, {}, True),
    ("::1", None, {}, True),
    ("localhost", None, {}, True),
    (None, None, {}, False),  # Streamlit's default: every interface
    ("0.0.0.0", None, {}, False),
    ("192.168.1.20", "192.168.1.30", {}, False),
    ("127.0.0.1", "10.0.0.4", {}, False),
    ("127.0.0.1", None, {"X-Forwarded-For": "203.0.113.9"}, False),  # a proxy on this computer passing the world on
])
def test_where_open_mode_may_run(address, ip, headers, serves):
    assert ui.serves_only_this_computer(address, ip, headers) is serves


IDENTITY_PROVIDER = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                     "client_id": "backbone", "client_secret": "secret",
                     "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration"}


def through_provider(email: str, page: str = "app.py", **claims) -> AppTest:
    """A page as someone signed in through the identity provider sees it (`st.user` as Streamlit fills it)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.secrets["auth"] = IDENTITY_PROVIDER
    at.user = {"is_logged_in": True, "email": email, "email_verified": True, "sub": email, "provider": "default",
               "iss": "http://127.0.0.1:9400", "iat": int(datetime.now().timestamp()), "nonce": "n-1", **claims}
    at.run()
    if page != "app.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_director_through_the_identity_provider_sees_director_pages_and_the_record(accounts_store):
    at = through_provider(DIRECTOR.email, PARTNERS)
    assert any(f"Signed in as {DIRECTOR.email}" in caption.value.replace("\\", "") for caption in at.sidebar.caption)
    record = [frame.value for frame in at.dataframe if "what" in frame.value.columns]
    assert len(record) == 1 and record[0][["what", "who", "how"]].values.tolist()[0] == [
        "sign-in", DIRECTOR.email, "identity provider"]


def test_a_partner_through_the_identity_provider_uploads_only_for_itself(accounts_store):
    at = through_provider(PARTNER.email, UPLOAD)
    assert at.selectbox(key="partner").options == ["County School District (KY)"]


@pytest.mark.parametrize(("email", "claims", "says"), [
    ("stranger@example.org", {}, "stranger@example.org is not registered with this partnership"),
    (DIRECTOR.email, {"email_verified": False}, "has not verified"),
])
def test_the_identity_provider_path_refuses_unregistered_and_unverified_emails(accounts_store, email, claims, says):
    at = through_provider(email, **claims)
    assert not at.get("vega_lite_chart") and not at.get("page_link")
    assert any(says in text.replace("\\", "") for text in texts(at.error)), texts(at.error)
    assert [b.label for b in at.button] == ["Sign out"]
