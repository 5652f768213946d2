"""Sign-in through an identity provider (OpenID Connect, Streamlit's st.login) in a real browser, end to end.

A local provider (tests/e2e/oidc.py) answers on a loopback port; the app is configured for it in a secrets.toml in a
temporary folder. Chromium goes through the whole redirect flow: to the provider, where a person is picked, and back.
"""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from backbone.demo import load_demo
from backbone.store import auth, database
from tests.e2e.conftest import error_boxes, screenshot, wait_for_app
from tests.e2e.oidc import LOOPBACK, identity_provider, secrets_file
from tests.e2e.server import ServerError, running_app
from tests.workbooks import data_workbook

DIRECTOR = "director@backbone.example.org"
PARTNER = "ky@district.example.org"
STRANGER = "someone@elsewhere.example.org"  # verified by the provider, but not registered here
UNVERIFIED = "board@example.org"  # registered here, but the provider has not verified the address
PEOPLE = {DIRECTOR: {"email_verified": True, "name": "Dana Director"}, PARTNER: {"email_verified": True},
          STRANGER: {"email_verified": True}, UNVERIFIED: {"email_verified": False}}
SHORT_TIMEOUT_S = 6
# The mock provider signs its tokens through an Authlib hook that Authlib has deprecated: noise from the test's provider.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


@pytest.fixture(scope="module")
def provider():
    with identity_provider(PEOPLE) as url:
        yield url


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The demo with three accounts that sign in only through the identity provider."""
    folder = tmp_path_factory.mktemp("oidc-store")
    db = str(folder / "database.duckdb")
    database.close_all()
    load_demo(db)
    auth.add_account(DIRECTOR, "director", None, None, db)
    auth.add_account(PARTNER, "partner", "COUNTY_SCHOOLS_KY", None, db)
    auth.add_account(UNVERIFIED, "viewer", None, None, db)
    database.close_all()  # the server process must be the only one holding the file
    return folder


@contextmanager
def serve(store, provider, tmp_path_factory, name: str, **settings):
    """The app on a copy of the store, configured for the provider, on its own loopback port."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copy(store / "database.duckdb", folder / "database.duckdb")
    env = {"STREAMLIT_SECRETS_FILES": str(secrets_file(folder, provider)), **settings}
    try:
        with running_app(folder / "database.duckdb", folder / "uploads", folder / "server.log", demo=False,
                         env=env) as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def oidc_app(store, provider, tmp_path_factory):
    with serve(store, provider, tmp_path_factory, "oidc-app") as server:
        yield server


@pytest.fixture(scope="module")
def short_timeout_app(store, provider, tmp_path_factory):
    with serve(store, provider, tmp_path_factory, "oidc-timeout", BACKBONE_IDLE_TIMEOUT_S=str(SHORT_TIMEOUT_S)) as server:
        yield server


@pytest.fixture
def browse(browser):
    """New browser contexts (each its own cookies: a separate browser) that may reach loopback addresses only.

    Anything else is refused and listed: the only outside request in these flows is the test provider's own stylesheet.
    """
    contexts, outside = [], []

    def only_loopback(route) -> None:
        if urlsplit(route.request.url).hostname in (LOOPBACK, "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def new_page():
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.route("**/*", only_loopback)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()
    assert all("picocss" in url for url in outside), sorted(set(outside))  # the provider's page, never the app


def sign_in(page, app_url: str, provider: str, email: str, button: str = "Sign in") -> None:
    """Open the app, go through the provider's sign-in as `email`, and come back."""
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{provider}/oauth2/authorize**")
    page.get_by_role("button", name=email, exact=True).click()
    page.wait_for_url(f"{app_url}/**")
    wait_for_app(page)


def open_link(page, name: str) -> None:
    page.get_by_role("link", name=name).click()
    wait_for_app(page)


def test_a_director_signs_in_through_the_provider_and_sees_the_director_pages(oidc_app, provider, browse):
    page = browse()
    sign_in(page, oidc_app.url, provider, DIRECTOR)
    expect(page.get_by_text(f"Signed in as {DIRECTOR} (director", exact=False)).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    open_link(page, "Partners and the backbone")
    expect(page.get_by_role("heading", name="Who signed in")).to_be_visible()
    record = page.locator('[data-testid="stDataFrame"]').last
    expect(record).to_contain_text(DIRECTOR)
    expect(record).to_contain_text("identity provider")
    screenshot(page, "oidc-director-partners-page")
    assert error_boxes(page) == []


def test_a_partner_signs_in_through_the_provider_and_uploads_only_for_its_organisation(oidc_app, provider, browse,
                                                                                      tmp_path):
    page = browse()
    sign_in(page, oidc_app.url, provider, PARTNER)
    expect(page.get_by_text(f"Signed in as {PARTNER} (partner for COUNTY_SCHOOLS_KY)", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Partners and the backbone")).to_have_count(0)
    open_link(page, "Upload data")
    organisation = page.get_by_role("combobox", name="Your organisation")
    expect(organisation).to_have_value("County School District (KY)")
    expect(organisation).to_be_disabled()
    workbook = data_workbook(tmp_path / "ky.xlsx", [["4-Year Graduation Rate", "2021-22", "Jefferson County, KY", None,
                                                      None, 85.0, 850, 1000]])
    page.locator('input[type="file"]').set_input_files(str(workbook))
    wait_for_app(page)
    page.get_by_role("button", name="Load 1 value").click()
    wait_for_app(page)
    expect(page.get_by_text("Loaded 1 value from ky.xlsx")).to_be_visible()
    page.goto(f"{oidc_app.url}/Partners")  # a deep link: a new session, signed in again from the cookie
    wait_for_app(page)
    expect(page.get_by_text("this page is not open to you as partner", exact=False)).to_be_visible()
    screenshot(page, "oidc-partner-refused-partners-page")


@pytest.mark.parametrize(("email", "says"), [
    (STRANGER, f"{STRANGER} is not registered with this partnership"),
    (UNVERIFIED, f"Your identity provider has not verified {UNVERIFIED}"),
])
def test_the_provider_path_refuses_unregistered_and_unverified_emails(oidc_app, provider, browse, email, says):
    page = browse()
    sign_in(page, oidc_app.url, provider, email)
    expect(page.get_by_text(says)).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0)
    expect(page.locator('[data-testid="stPageLink"]')).to_have_count(0)
    page.goto(f"{oidc_app.url}/Outcomes")  # and no deep link gets round it
    wait_for_app(page)
    expect(page.get_by_text(says)).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0)
    screenshot(page, f"oidc-refused-{email.split('@')[0]}")


def test_signing_out_ends_that_session_and_a_second_browser_goes_on(oidc_app, provider, browse):
    laptop, phone = browse(), browse()
    sign_in(laptop, oidc_app.url, provider, DIRECTOR)
    sign_in(phone, oidc_app.url, provider, DIRECTOR)
    laptop.get_by_role("button", name="Sign out").click()
    laptop.wait_for_url(f"{provider}/oauth2/end_session**")  # the provider's own sign-out
    laptop.get_by_role("button", name="End session").click()
    laptop.wait_for_url(f"{oidc_app.url}/**")
    wait_for_app(laptop)
    expect(laptop.get_by_role("button", name="Sign in")).to_be_visible()
    expect(laptop.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0)
    laptop.goto(f"{oidc_app.url}/Partners")
    wait_for_app(laptop)
    expect(laptop.get_by_role("button", name="Sign in")).to_be_visible()

    open_link(phone, "Partners and the backbone")  # the other browser's sign-in is its own
    expect(phone.get_by_text(f"Signed in as {DIRECTOR}", exact=False)).to_be_visible()
    record = phone.locator('[data-testid="stDataFrame"]').last
    expect(record).to_contain_text("sign-out")
    screenshot(phone, "oidc-second-browser-after-the-first-signed-out")


def test_an_idle_session_asks_to_sign_in_again(short_timeout_app, provider, browse):
    page = browse()
    sign_in(page, short_timeout_app.url, provider, DIRECTOR)
    expect(page.get_by_text(f"Signed in as {DIRECTOR}", exact=False)).to_be_visible()
    time.sleep(SHORT_TIMEOUT_S + 1)
    open_link(page, "Outcomes over time")
    expect(page.get_by_text(f"You were signed out after {SHORT_TIMEOUT_S} seconds without activity")).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0)
    screenshot(page, "oidc-timed-out")
    page.get_by_role("button", name="Sign in again").click()
    page.wait_for_url(f"{provider}/oauth2/authorize**")
    page.get_by_role("button", name=DIRECTOR, exact=True).click()
    page.wait_for_url(f"{short_timeout_app.url}/**")
    wait_for_app(page)
    open_link(page, "Partners and the backbone")
    record = page.locator('[data-testid="stDataFrame"]').last
    expect(record).to_contain_text("timeout")
    assert error_boxes(page) == []
