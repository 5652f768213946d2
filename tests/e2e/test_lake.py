"""Two Streamlit servers on one DuckLake: an upload through one appears on the other's page.

Both servers are separate processes sharing a lake (a catalog in a throwaway PostgreSQL, Parquet files and kept
uploads in one data path), as several app processes behind a reverse proxy would. Server B's page is opened before
the upload, so its cached reads are warm: the new value can only appear if B notices the lake moved on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import expect

from backbone.demo import demo_workbooks
from backbone.store import database
from tests.e2e.conftest import error_boxes, screenshot, wait_for_app
from tests.e2e.server import AppServer, ServerError, running_app
from tests.e2e.test_flows import chart_labels
from tests.workbooks import data_workbook

# The first visit loads the demo initiative into the empty lake, through the lake: slower than a DuckDB file.
FIRST_VISIT_TIMEOUT_MS = 180_000
GRADUATION = "Outcomes?metric=4-year+graduation+rate"
# A period the demo has no graduation rate for, and a value it never shows: seen on B only after the upload.
NEW_PERIOD, NEW_VALUE = "2020-21", 91.7


@pytest.fixture(scope="module")
def lake(postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A fresh lake (its own database on the session's PostgreSQL) and its shared data path.

    This process's settings point at it too, so the tests can count what is in it the way a server sees it.
    """
    target, data_path = postgres.new_lake_target(), tmp_path_factory.mktemp("lake")
    with pytest.MonkeyPatch.context() as settings:
        settings.setenv("BACKBONE_DATA_PATH", str(data_path))
        settings.delenv("BACKBONE_UPLOADS", raising=False)
        yield target, data_path
        database.close_all()


@pytest.fixture(scope="module")
def servers(lake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, AppServer]]:
    """Servers A and B on the one lake, both with the demo autoload on (only the first to open the lake loads it)."""
    target, data_path = lake
    logs = tmp_path_factory.mktemp("lake-servers")
    try:
        with ExitStack() as running:
            yield tuple(running.enter_context(running_app(target, None, logs / f"streamlit-{name}.log",
                                                          env={"BACKBONE_DATA_PATH": str(data_path)}))
                        for name in ("a", "b"))
    except ServerError as exc:
        pytest.fail(str(exc))


def partner_uploads(target: str) -> int:
    """How many partner workbooks the lake holds as loaded (what Data and history lists)."""
    return int(database.query("SELECT count(*) AS n FROM uploads WHERE kind = 'partner' AND status = 'loaded'",
                           path=target).n.iloc[0])


def open_page(page, url: str, server: AppServer, timeout_ms: int = FIRST_VISIT_TIMEOUT_MS) -> None:
    """Go to a page, wait for its script run to end, and fail with the server's log if it shows an error."""
    page.goto(url)
    wait_for_app(page, timeout_ms=timeout_ms)
    assert error_boxes(page) == [], server.log_tail()


def new_value_shown(labels: list[str]) -> bool:
    """True when the graduation chart draws the value uploaded in this test."""
    return any(f"Period: {NEW_PERIOD}" in label and f"Value: {NEW_VALUE}" in label for label in labels)


def test_the_second_server_finds_the_demo_and_does_not_load_it_again(servers, lake, page):
    server_a, server_b = servers
    open_page(page, server_a.url, server_a)
    open_page(page, f"{server_b.url}/{GRADUATION}", server_b)
    # B shows the demo A loaded (the chart is drawn), and Data and history would list each demo workbook once.
    assert chart_labels(page, 0)
    assert partner_uploads(lake[0]) == len(demo_workbooks())


def test_an_upload_through_one_server_appears_on_the_others_page(servers, lake, browser, page, tmp_path):
    server_a, server_b = servers
    open_page(page, server_a.url, server_a)  # loads the demo into the lake unless the test above already did
    uploads_before = partner_uploads(lake[0])

    # B's graduation chart, opened before the upload: its cached reads now hold the lake as it was.
    reader = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    open_page(reader, f"{server_b.url}/{GRADUATION}", server_b)
    before = chart_labels(reader, 0)
    assert not new_value_shown(before), before

    workbook = data_workbook(tmp_path / "ky-lake-2020-21.xlsx", [
        ["4-Year Graduation Rate", NEW_PERIOD, "Jefferson County, KY", None, None, NEW_VALUE, 917, 1000]])
    open_page(page, f"{server_a.url}/Upload?partner=County+School+District+(KY)", server_a)
    page.locator('input[type="file"]').set_input_files(str(workbook))
    wait_for_app(page)
    page.get_by_role("button", name="Load 1 value").click()
    wait_for_app(page)
    expect(page.get_by_text("Loaded 1 value from ky-lake-2020-21.xlsx")).to_be_visible()
    assert error_boxes(page) == [], server_a.log_tail()

    reader.reload()
    wait_for_app(reader)
    assert error_boxes(reader) == [], server_b.log_tail()
    after = chart_labels(reader, 0)
    screenshot(reader, "lake-server-b-after-upload-on-a")
    assert new_value_shown(after), after
    expect(reader.get_by_text(f"Latest ({NEW_PERIOD})")).to_be_visible()
    assert partner_uploads(lake[0]) == uploads_before + 1
    reader.context.close()
