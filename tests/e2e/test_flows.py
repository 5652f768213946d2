"""The flows people use, in a real browser: open any page by link, explore with filters, upload and see the chart."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import error_boxes, screenshot, wait_for_app
from tests.workbooks import data_workbook

PAGES = {
    "": "Community dashboard",
    "Outcomes": "Outcomes over time",
    "Backbone_activities": "What the backbone is achieving",
    "Phases": "Phases of collective impact",
    "Partners": "Partners and the backbone function",
    "Upload": "Upload data",
    "Data_and_history": "Data and history",
}


def chart_labels(page, chart_index: int = 0, after_heading: str | None = None) -> list[str]:
    """The aria-labels of one chart's marks: what the chart draws, period by period. The chart is the n-th on the page,
    or the first after a heading."""
    chart = (page.locator(f'xpath=//h2[contains(., "{after_heading}")]/following::*[@data-testid="stVegaLiteChart"][1]')
             if after_heading else page.locator('[data-testid="stVegaLiteChart"]').nth(chart_index))
    # Vega draws after the script run ends. Attached, not visible: a year alone between gaps is a point whose line
    # segment has no length (the first mark may be that invisible segment).
    chart.locator('svg [aria-label*="Period:"]').first.wait_for(state="attached")
    return chart.locator("svg [aria-label]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_by_deep_link_without_an_error(app_server, page, path):
    page.goto(f"{app_server.url}/{path}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=PAGES[path], exact=True)).to_be_visible()
    screenshot(page, f"page-{path or 'home'}")
    assert error_boxes(page) == [], app_server.log_tail()


def test_home_draws_one_chart_per_community_outcome(app_server, page):
    page.goto(app_server.url)
    wait_for_app(page)
    expect(page.locator('[data-testid="stVegaLiteChart"] svg')).to_have_count(6)
    graduation = [label for i in range(6) for label in chart_labels(page, i) if "Period: 2019-20" in label]
    assert any("Value: 83.5" in label for label in graduation), graduation
    expect(page.get_by_text("Median neighbourhood, range shaded", exact=False).first).to_be_visible()


def test_a_filter_is_carried_in_the_url_and_the_link_reproduces_the_view(app_server, page, browser):
    page.goto(f"{app_server.url}/Outcomes?metric=4-year+graduation+rate")
    wait_for_app(page)
    page.get_by_role("combobox", name="Break down by").click()
    page.get_by_role("option", name="Race/ethnicity").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="By race/ethnicity")).to_be_visible()
    query = parse_qs(urlparse(page.url).query)
    assert query.get("by") == ["Race/ethnicity"], page.url
    screenshot(page, "outcomes-by-race")

    shared = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    shared.goto(page.url)
    wait_for_app(shared)
    expect(shared.get_by_role("heading", name="By race/ethnicity")).to_be_visible()
    assert any("African American" in label for label in chart_labels(shared, after_heading="By race/ethnicity"))
    shared.context.close()


def test_a_partner_uploads_through_the_file_input_and_sees_the_value_in_the_chart(app_server, page, tmp_path):
    workbook = data_workbook(tmp_path / "ky-2020-21.xlsx", [
        ["4-Year Graduation Rate", "2020-21", "Jefferson County, KY", None, None, 84.2, 842, 1000]])
    page.goto(f"{app_server.url}/Upload?partner=County+School+District+(KY)")
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Your organisation")).to_have_value("County School District (KY)")
    wait_for_app(page)
    page.locator('input[type="file"]').set_input_files(str(workbook))
    wait_for_app(page)
    expect(page.get_by_text("What Backbone found")).to_be_visible()
    screenshot(page, "upload-findings")
    page.get_by_role("button", name="Load 1 value").click()
    wait_for_app(page)
    expect(page.get_by_text("Loaded 1 value from ky-2020-21.xlsx")).to_be_visible()
    assert error_boxes(page) == []

    page.goto(f"{app_server.url}/Outcomes?metric=4-year+graduation+rate")
    wait_for_app(page)
    labels = chart_labels(page, 0)
    assert any("Period: 2020-21" in label and "Value: 84.2" in label for label in labels), labels
    screenshot(page, "outcomes-after-upload")


def test_explore_on_a_card_opens_that_outcome(app_server, page):
    page.goto(app_server.url)
    wait_for_app(page)
    page.locator('a[href*="metric=Infant+mortality+rate"]').click()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Outcome")).to_have_value("Infant mortality rate")
    expect(page.get_by_role("combobox", name="Place", exact=True)).to_have_value("Median of places")
    labels = chart_labels(page, 0)
    assert any("Period: 2018" in label for label in labels), labels


@pytest.mark.parametrize("path", ["", "Outcomes?metric=4-year+graduation+rate&by=Race%2Fethnicity", "Partners", "Phases"])
def test_a_phone_sized_screen_needs_no_sideways_scrolling(app_server, browser, path):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{app_server.url}/{path}")
    wait_for_app(phone)
    widths = phone.evaluate("""() => { const main = document.querySelector('[data-testid="stMain"]');
                                       return [main.scrollWidth, main.clientWidth]; }""")
    screenshot(phone, f"phone-{path.split('?')[0] or 'home'}")
    phone.context.close()
    assert widths[0] <= widths[1], f"content is {widths[0]}px wide on a {widths[1]}px screen"
