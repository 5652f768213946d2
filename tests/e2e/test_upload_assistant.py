"""The Upload page as an assistant, in a real browser (issue 15 acceptance): an agency export mapped entirely in the
assistant, previewed, loaded and read back from the chart; totals that would be summed with their parts, and a load
that would take away the community's latest figure, flagged before loading."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import error_boxes, screenshot, wait_for_app
from tests.e2e.server import AppServer, ServerError, running_app
from tests.e2e.test_flows import chart_labels
from tests.e2e.test_plans import pick
from tests.workbooks import data_workbook, write_workbook

KY_NAME = "County School District (KY)"


@pytest.fixture
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """An app of its own on a fresh demo store: each of these loads changes figures the others (and the other browser
    tests) read."""
    tmp = tmp_path_factory.mktemp("upload_server")
    try:
        with running_app(tmp / "store.duckdb", tmp / "uploads", tmp / "streamlit.log") as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc))


def open_upload(page, server: AppServer, path) -> None:
    page.goto(f"{server.url}/Upload?partner=County+School+District+(KY)")
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Your organisation")).to_have_value(KY_NAME)
    page.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(page)
    expect(page.get_by_text("What Backbone found")).to_be_visible()


def load(page, button: str, loaded: str) -> None:
    """Press the Load button and wait for the page to say what was loaded."""
    page.get_by_role("button", name=button).click()
    wait_for_app(page)
    expect(page.get_by_text(loaded)).to_be_visible()


def assert_on_graduation_chart(page, server: AppServer, period: str, value: str) -> None:
    """The graduation curve on Outcomes has a point for `period` with `value`, as its tooltip reads."""
    page.goto(f"{server.url}/Outcomes?metric=4-year+graduation+rate")
    wait_for_app(page)
    labels = chart_labels(page, 0)
    assert any(f"Period: {period}" in label and f"Value: {value}" in label for label in labels), labels


def test_an_agency_export_is_mapped_in_the_assistant_previewed_loaded_and_charted(upload_server, page, tmp_path):
    book = write_workbook(tmp_path / "kde-graduation-by-sex.xlsx", {"Graduation": [
        ["Four-year cohort graduation, by district and sex"], ["Kentucky Department of Education, 2021 release"], [],
        ["District", "All students", "Female", "Male"],
        ["Jefferson County", 84.6, 88.0, 81.3]]})
    open_upload(page, upload_server, book)
    expect(page.get_by_text("to fix before this file can load")).to_be_visible()
    page.get_by_role("tab", name="Same for every row").click()
    wait_for_app(page)
    pick(page, page.get_by_role("combobox", name="Metric"), "4-year", "4-year graduation rate")
    wait_for_app(page)
    page.get_by_role("button", name="Set it for every row").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Same for every row").click()
    wait_for_app(page)
    pick(page, page.get_by_role("combobox", name="Field"), "period", "period")
    wait_for_app(page)
    page.get_by_role("textbox", name="Value").fill("2020-21")
    page.get_by_role("textbox", name="Value").press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Set it for every row").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="How it will be stored")).to_be_visible()
    expect(page.get_by_text("6 figures would appear", exact=False)).to_be_visible()  # Jefferson and Community, 3 groups
    screenshot(page, "upload-assistant-preview")
    assert error_boxes(page) == []
    load(page, "Load 3 values", "Loaded 3 values from kde-graduation-by-sex.xlsx")
    assert_on_graduation_chart(page, upload_server, "2020-21", "84.6")


def test_totals_that_would_be_summed_with_their_parts_are_flagged_before_loading(upload_server, page, tmp_path):
    # Two of the community's places and a row that is their sum (a total mapped as a third place).
    book = data_workbook(tmp_path / "with-total.xlsx", [
        ["grad_rate_4yr", "2021-22", "Canton", None, None, 60, 120, 200, None],
        ["grad_rate_4yr", "2021-22", "Midtown", None, None, 60, 60, 100, None],
        ["grad_rate_4yr", "2021-22", "Jefferson County, KY", None, None, 60, 180, 300, None]])
    open_upload(page, upload_server, book)
    flag = page.get_by_text("what look like totals of other places in this file ('Jefferson County, KY' beside 2 other "
                            "places)", exact=False)
    expect(flag).to_be_visible()
    # Flagged: the load waits for the partner to say they have read it.
    expect(page.get_by_role("button", name="Load 3 values")).to_have_count(0)
    screenshot(page, "upload-impact-totals")


def test_a_load_that_would_remove_the_latest_community_figure_is_flagged(upload_server, page, tmp_path):
    book = data_workbook(tmp_path / "canton.xlsx", [["grad_rate_4yr", "2019-20", "Canton", None, None, 90, None, None, None]])
    open_upload(page, upload_server, book)
    expect(page.get_by_text("The latest 4-year graduation rate for Community would go back from 2019-20 to 2018-19",
                            exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Load 1 value")).to_have_count(0)
    page.get_by_text("I have read the", exact=False).click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Load 1 value")).to_be_visible()
    screenshot(page, "upload-impact-latest-back")


def yearly_export(tmp_path, year: str, value: float):
    return write_workbook(tmp_path / f"kde-cohort-{year}.xlsx", {f"SY{year}": [
        [f"Cohort outcomes by district and sex, school year {year}"], [], ["District", "All students", "Female", "Male"],
        ["Jefferson County", value, value + 3, value - 3]]})


def test_next_years_file_of_the_same_shape_loads_with_its_recipe_and_no_choices(upload_server, page, tmp_path):
    open_upload(page, upload_server, yearly_export(tmp_path, "2020-21", 84.6))
    page.get_by_role("tab", name="Same for every row").click()
    wait_for_app(page)
    pick(page, page.get_by_role("combobox", name="Metric"), "4-year", "4-year graduation rate")
    wait_for_app(page)
    page.get_by_role("button", name="Set it for every row").click()
    wait_for_app(page)
    name = page.get_by_role("textbox", name="Save how this file is read as a recipe named")
    name.fill("KDE cohort file")
    name.press("Enter")
    wait_for_app(page)
    load(page, "Load 3 values", "Loaded 3 values from kde-cohort-2020-21.xlsx")

    # Next year: a new page, the file dropped, and only the Load button pressed.
    open_upload(page, upload_server, yearly_export(tmp_path, "2021-22", 85.0))
    expect(page.get_by_text("Read with your recipe KDE cohort file", exact=False)).to_be_visible()
    screenshot(page, "upload-recipe-applied")
    load(page, "Load 3 values", "Loaded 3 values from kde-cohort-2021-22.xlsx")
    assert_on_graduation_chart(page, upload_server, "2021-22", "85")
