"""Private by construction: walking every page and the whole Present deck asks nothing of any address but the app's.

Every request the browser makes (documents, scripts, fonts, images, the page icon, fetches, WebSockets) is recorded;
one to any other address fails the test. Outside requests are also stopped at the browser, so a failing run still
sends nothing out.
"""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import error_boxes, wait_for_app

# Every page, in the states that draw the most: a mapped outcome with a breakdown and places compared, a
# phase cell, the partners' matrix.
PAGES = [
    "",
    "Outcomes?metric=Teen+birth+rate&compare=Canton&compare=Cherry+Hill",
    "Outcomes?metric=4-year+graduation+rate&geography=Community&by=Race%2Fethnicity",
    "Backbone_activities",
    "Backbone_activities?view=Partner+performance",
    "Phases",
    "Partners",
    "Upload",
    "Data_and_history",
]
LOCAL_SCHEMES = {"data", "blob", "about"}


class RequestLog:
    """Every address the page asked for; outside ones stopped before they leave the machine."""

    def __init__(self, page, app_url: str):
        self.app = urlparse(app_url)
        self.seen: list[str] = []
        self.outside: list[str] = []
        page.route("**/*", self._route)
        page.on("request", lambda request: self._note(request.url))
        page.on("websocket", lambda socket: self._note(socket.url))

    def is_outside(self, url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme in LOCAL_SCHEMES:
            return False
        return (parsed.hostname, parsed.port) != (self.app.hostname, self.app.port)

    def _note(self, url: str) -> None:
        self.seen.append(url)
        if self.is_outside(url):
            self.outside.append(url)

    def _route(self, route) -> None:
        if self.is_outside(route.request.url):
            route.abort()
        else:
            route.continue_()


def test_the_request_log_catches_an_outside_address(app_server, page):
    """The check itself can fail: a page that asks for a Google-hosted icon is caught (and the request stopped)."""
    log = RequestLog(page, app_server.url)
    page.goto(app_server.url)
    wait_for_app(page)
    page.evaluate("() => fetch('https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/dashboard/"
                  "default/24px.svg').catch(() => null)")
    page.wait_for_timeout(300)
    assert [u for u in log.outside if "fonts.gstatic.com" in u]


def test_no_page_and_no_slide_asks_for_an_outside_address(app_server, page):
    log = RequestLog(page, app_server.url)
    for path in PAGES:
        page.goto(f"{app_server.url}/{path}")
        wait_for_app(page)
        page.wait_for_timeout(500)  # late requests: icons, fonts, chart resources
        assert error_boxes(page) == [], f"/{path}: {app_server.log_tail()}"
    # The whole deck, slide by slide, then the speaker notes and the downloads panel.
    page.goto(f"{app_server.url}/Present?slide=1")
    wait_for_app(page)
    total = int(page.get_by_text("Slide 1 of ", exact=False).inner_text().rsplit(" ", 1)[-1])
    for number in range(2, total + 1):
        page.get_by_role("button", name="Next").click()
        wait_for_app(page, initial_wait_ms=400)
        expect(page.get_by_text(f"Slide {number} of {total}", exact=True)).to_be_visible()
    page.get_by_text("Show speaker notes").click()
    page.get_by_text("Deck and downloads").click()
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert len(log.seen) > 50 and any("/_stcore/stream" in u for u in log.seen)  # the walk really happened
    assert log.outside == [], f"requests to outside addresses: {sorted(set(log.outside))}"
