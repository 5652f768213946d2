"""Smoke test: the app starts, its home page renders in a real browser, and shows no error."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import error_boxes, screenshot, wait_for_app


def test_home_page_opens_without_errors(app_server, page):
    """The home page loads, is titled Backbone and shows no exception or error box."""
    page.goto(app_server.url)
    wait_for_app(page)
    expect(page).to_have_title(re.compile("Backbone"))
    assert "Backbone" in page.title()
    screenshot(page, "home")
    assert error_boxes(page) == [], f"errors on the home page; server log:\n{app_server.log_tail()}"
