"""What a director sees, in a real browser: the place map drawn from the partnership's boundaries, places compared
from a shared link, a chart downloaded with its own context, and every page at a laptop's, a large screen's and a
phone's width (screenshots in tests/artifacts, to be looked at)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import error_boxes, screenshot, wait_for_app

PAGES = {
    "home": "",
    "outcomes": "Outcomes?metric=Teen+birth+rate",
    "outcomes-by-group": "Outcomes?metric=4-year+graduation+rate&geography=Community&by=Race%2Fethnicity",
    "activities": "Backbone_activities",
    "phases": "Phases",
    "partners": "Partners",
    "upload": "Upload",
    "history": "Data_and_history",
    "present": "Present",
}
SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080), "390": (390, 844)}


def map_areas(page):
    return page.locator('[data-testid="stVegaLiteChart"] svg path[aria-roledescription="geoshape"]')


def test_the_place_map_draws_the_55_baltimore_areas_with_values_on_hover(app_server, page):
    page.goto(f"{app_server.url}/Outcomes?metric=Teen+birth+rate")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="By place")).to_be_visible()
    map_areas(page).first.wait_for()
    expect(map_areas(page)).to_have_count(56)  # the 55 areas with a value, and the jail tract drawn as 'no data'
    labels = [map_areas(page).nth(i).get_attribute("aria-label") for i in range(56)]
    assert sum("Value: " in label and "per 1,000" in label for label in labels) == 55
    assert any("Place: Unassigned -- Jail" in label and "Value: no data" in label for label in labels)
    assert error_boxes(page) == [], app_server.log_tail()
    screenshot(page, "outcomes-map")


def test_places_compared_come_back_from_a_shared_link_and_the_choice_goes_into_the_url(app_server, page):
    page.goto(f"{app_server.url}/Outcomes?metric=Teen+birth+rate&compare=Canton&compare=Cherry+Hill")
    wait_for_app(page)
    chosen = page.locator(".st-key-compare")
    expect(chosen.get_by_text("Canton", exact=True)).to_be_visible()
    expect(chosen.get_by_text("Cherry Hill", exact=True)).to_be_visible()
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(has_text="places compared")
    expect(chart.get_by_text("Canton", exact=True)).to_be_visible()  # the legend names each place drawn
    expect(chart.get_by_text("Cherry Hill", exact=True)).to_be_visible()
    chosen.locator("input").click()
    chosen.locator("input").fill("Median")
    page.locator('[role="option"]').filter(has_text="Median of places").first.click()
    page.keyboard.press("Escape")
    wait_for_app(page, initial_wait_ms=500)
    assert parse_qs(urlparse(page.url).query)["compare"] == ["Canton", "Cherry Hill", "Median of places"]
    assert error_boxes(page) == [], app_server.log_tail()


def test_a_chart_downloaded_as_svg_carries_its_title_source_and_vintage(app_server, page, tmp_path):
    page.goto(f"{app_server.url}/Outcomes?metric=4-year+graduation+rate&geography=Community")
    wait_for_app(page)
    # The trend's own buttons, by their keys: under load, another chart's buttons can come first in the page.
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-trend-svg").get_by_role("button", name="Chart (SVG)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    words = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", path.read_text(), re.S)))
    assert path.name == "grad_rate_4yr-Community.svg"
    assert "4-year graduation rate" in words and "Whole community · all groups · percent" in words
    assert "Source: Kentucky Department of Education" in words and re.search(r"Data as of \d\d \w{3} \d{4}", words)
    assert all(entry in words for entry in ("Actual", "Trend and forecast", "Baseline", "Target"))
    # The Excel file beside it is written when asked for, and holds the values shown.
    from openpyxl import load_workbook

    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-trend-xlsx").get_by_role("button", name="Download Excel").click()
    book = tmp_path / download.value.suggested_filename
    download.value.save_as(book)
    rows = list(load_workbook(book).active.iter_rows(values_only=True))
    header = list(rows[0])
    values = {row[header.index("period_label")]: row[header.index("value")] for row in rows[1:]}
    assert book.name == "grad_rate_4yr-Community.xlsx" and round(values["2019-20"], 1) == 83.5


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_at_a_laptop_a_large_screen_and_a_phone(app_server, page, size):
    """Every page opens without an error and nothing spills sideways out of the page (a wide table or matrix scrolls
    inside itself); a full-page screenshot of each, to be looked at."""
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    for name, path in PAGES.items():
        page.goto(f"{app_server.url}/{path}")
        wait_for_app(page)
        page.wait_for_timeout(400)
        assert error_boxes(page) == [], f"{name} at {size}: {app_server.log_tail()}"
        spill = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert spill <= 1, f"{name} at {size} is {spill} px wider than the screen"
        if name == "partners":
            # The submission matrix keeps readable cells: where the screen is narrower, it scrolls sideways inside itself.
            frame = page.evaluate("() => { const f = document.querySelector('.st-key-submission-matrix-frame');"
                                  " return [f.scrollWidth, f.clientWidth, getComputedStyle(f).overflowX]; }")
            assert frame[2] == "auto" and (frame[0] > frame[1]) == (width < 1000), f"matrix at {size}: {frame}"
        screenshot(page, f"page-{name}-{size}")
