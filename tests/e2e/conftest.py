"""Browser tests: one real Streamlit server per session, driven by Debian's Chromium through Playwright.

The server runs `app.py` from the project root against its own temporary store (the demo loads on first
visit). Every test here is marked `browser`, so `pytest -m "not browser"` leaves them out.

Streamlit 1.67 test ids used below (read from the installed frontend bundle):
- `stApp`: the root element; it carries `data-test-connection-state` (`CONNECTED` once the websocket is up)
  and `data-test-script-state` (`initial` before the first run, then `running` / `rerunRequested` /
  `notRunning` / `compilationError`).
- `stStatusWidget` / `stStatusWidgetRunningIcon`: the "Running..." indicator in the top-right corner.
- `stSpinner`: `st.spinner` and the spinner of a cached function being computed.
- `stAppSkeleton`: the placeholder shown before the first script run delivers anything.
- `stException`: `st.exception` and uncaught errors; `stAlertContentError`: `st.error` (the content element
  of an error alert is `stAlertContent` + the alert's kind, so `stAlertContentError`; an `stException` also
  contains one, which `error_boxes` does not count twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import AppServer, ServerError, running_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
APP_RUN_TIMEOUT_MS = 30_000
SCREENSHOT_MAX_HEIGHT = 16_000  # px; taller pages are cut (Chromium cannot capture arbitrarily tall images)

# True once the app is idle: connected, script finished, nothing running or still loading. Evaluated in the page,
# so every condition is read at the same instant.
_APP_IDLE_JS = """
() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const visible = (sel) => Array.from(document.querySelectorAll(sel)).some((el) => el.getClientRects().length > 0);
    return !visible('[data-testid="stStatusWidgetRunningIcon"]')
        && !visible('[data-testid="stSpinner"]')
        && !visible('[data-testid="stAppSkeleton"]');
}
"""

# The height the page would need to show everything without scrolling (Streamlit scrolls inside stMain and the sidebar).
_CONTENT_HEIGHT_JS = """
() => Math.max(
    document.documentElement.scrollHeight,
    ...Array.from(document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')).map((el) => el.scrollHeight)
)
"""

# Error texts on the page: exceptions, and error alerts that are not the inside of an exception.
_ERROR_TEXTS_JS = """
() => {
    const exceptions = Array.from(document.querySelectorAll('[data-testid="stException"]'));
    const alerts = Array.from(document.querySelectorAll('[data-testid="stAlertContentError"]'))
        .filter((el) => !el.closest('[data-testid="stException"]'));
    return exceptions.concat(alerts).map((el) => el.innerText.trim());
}
"""


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Start the app on a free loopback port with its own store and the demo on; stop it at the end."""
    tmp = tmp_path_factory.mktemp("app_server")
    try:
        with running_app(tmp / "store.duckdb", tmp / "uploads", tmp / "streamlit.log") as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, shared by the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `sh .ci/install-chromium.sh` (Playwright cannot download its own browser here).")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh page in its own browser context (no shared cookies or storage), 1280x720."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        yield context.new_page()
    finally:
        context.close()


def wait_for_app(page, timeout_ms: int = APP_RUN_TIMEOUT_MS, initial_wait_ms: int = 200) -> None:
    """Wait until Streamlit is connected, has finished running the script, and shows no running indicator.

    `initial_wait_ms` covers the moment after a click or a keystroke when the page still reports the previous
    run as finished because the rerun request has not reached the server yet.
    """
    if initial_wait_ms:
        page.wait_for_timeout(initial_wait_ms)
    page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=timeout_ms)
    page.wait_for_function(_APP_IDLE_JS, timeout=timeout_ms, polling=100)


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to tests/artifacts/<name>.png and return its path.

    Streamlit scrolls inside `stMain`, not the document, so Playwright's `full_page` alone would capture only the
    viewport: the viewport is stretched to the content's height for the shot, then put back.
    """
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    size = page.viewport_size
    height = min(page.evaluate(_CONTENT_HEIGHT_JS), SCREENSHOT_MAX_HEIGHT)
    if size is None or height <= size["height"]:
        page.screenshot(path=str(path), full_page=True)
        return path
    page.set_viewport_size({"width": size["width"], "height": height})
    try:
        page.wait_for_timeout(300)  # let charts and tables lay out again at the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def error_boxes(page) -> list[str]:
    """The texts of every exception and every `st.error` box on the page (empty when there are none)."""
    return page.evaluate(_ERROR_TEXTS_JS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as `browser`."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.browser)


def sign_in_with_password(page, url: str, email: str, password: str) -> None:
    """Open `url`; a new session asks for an email and password first, then shows the page."""
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app(page)
