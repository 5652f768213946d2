"""Sign-in in a real browser: a partner signs in, uploads, and is refused what is not theirs; wrong passwords slow down."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backbone.demo import load_demo
from backbone.store import auth, database
from tests.e2e.conftest import error_boxes, screenshot, sign_in_with_password, wait_for_app
from tests.e2e.server import ServerError, running_app
from tests.workbooks import data_workbook

PASSWORD = "a long enough password"
PARTNER_EMAIL = "ky@district.example.org"


@pytest.fixture(scope="module")
def secured_app(tmp_path_factory):
    """The demo with local accounts (so sign-in is on), served on its own port."""
    tmp = tmp_path_factory.mktemp("secured")
    db = str(tmp / "database.duckdb")
    database.close_all()
    load_demo(db)
    auth.add_account(PARTNER_EMAIL, "partner", "COUNTY_SCHOOLS_KY", PASSWORD, db)
    other = database.query("SELECT upload_id FROM uploads WHERE partner_code = 'CITY_HEALTH'", path=db).upload_id[0]
    database.close_all()  # the server process must be the only one holding the file
    try:
        with running_app(tmp / "database.duckdb", tmp / "uploads", tmp / "server.log", demo=False) as server:
            server.other_upload = other
            yield server
    except ServerError as exc:
        pytest.fail(str(exc))


def sign_in(page, url: str, password: str) -> None:
    sign_in_with_password(page, url, PARTNER_EMAIL, password)


def test_a_partner_signs_in_uploads_and_is_refused_what_is_not_theirs(secured_app, page, tmp_path):
    sign_in(page, secured_app.url, PASSWORD)
    expect(page.get_by_text(f"Signed in as {PARTNER_EMAIL}", exact=False)).to_be_visible()
    page.get_by_role("link", name="Upload data").click()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Your organisation")).to_have_value("County School District (KY)")
    workbook = data_workbook(tmp_path / "ky.xlsx", [["4-Year Graduation Rate", "2020-21", "Jefferson County, KY", None, None,
                                                      84.2, 842, 1000]])
    page.locator('input[type="file"]').set_input_files(str(workbook))
    wait_for_app(page)
    page.get_by_role("button", name="Load 1 value").click()
    wait_for_app(page)
    expect(page.get_by_text("Loaded 1 value from ky.xlsx")).to_be_visible()
    screenshot(page, "partner-uploaded")

    # The session (and so the sign-in) carries across pages of the app; deep links run the same gate.
    page.get_by_role("link", name="Data and history").click()
    wait_for_app(page)
    page.goto(f"{secured_app.url}/Data_and_history?upload={secured_app.other_upload}")
    wait_for_app(page)
    sign_in_again_if_asked(page)
    expect(page.get_by_text("cannot see partner-level data", exact=False)).to_be_visible()
    expect(page.get_by_text("city_health.xlsx", exact=False)).to_have_count(0)  # nothing of the other partner's upload

    page.goto(f"{secured_app.url}/Partners")
    wait_for_app(page)
    sign_in_again_if_asked(page)
    expect(page.get_by_text("this page is not open to you as partner", exact=False)).to_be_visible()
    screenshot(page, "partner-refused-partners-page")
    assert error_boxes(page) == []


def sign_in_again_if_asked(page) -> None:
    """Typing a URL opens a new Streamlit session, which asks for the password again."""
    page.locator("h1").first.wait_for()
    if page.locator("h1").first.inner_text().startswith("Sign in to Backbone"):
        page.get_by_role("textbox", name="Email").fill(PARTNER_EMAIL)
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        wait_for_app(page)


def test_five_wrong_passwords_slow_the_next_attempt_down(secured_app, browser):
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    for _ in range(5):
        sign_in(page, secured_app.url, "not the password")
    expect(page.get_by_text("try again in 30 seconds", exact=False)).to_be_visible()
    sign_in(page, secured_app.url, PASSWORD)
    expect(page.get_by_text("Too many wrong passwords", exact=False)).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0)
    screenshot(page, "sign-in-slowed-down")
    page.context.close()
