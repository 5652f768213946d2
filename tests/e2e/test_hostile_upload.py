"""A file built to hold the server, uploaded in one session while another reads the dashboard: the dashboard opens as
usual, the file is refused within seconds, and nothing of its read is left running."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import error_boxes, wait_for_app
from tests.processes import sandbox_readers
from tests.unit.test_hostile_structure import merge_bomb, regex_bomb

PARTNER = "County School District (KY)"


def readers_of(uploads: str) -> set[int]:
    """The server's sandboxed readers still running."""
    return sandbox_readers(uploads)


@pytest.mark.parametrize(("make", "words"), [(merge_bomb, "has merged cells"), (regex_bomb, "contains XML comments")],
                         ids=["merge_bomb", "regex_bomb"])
def test_a_page_opens_while_a_hostile_file_is_read_and_the_file_is_refused_in_seconds(app_server, browser, tmp_path,
                                                                                       make, words):
    hostile = make(tmp_path)
    uploader = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    viewer = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    try:
        uploader.goto(f"{app_server.url}/Upload?partner={PARTNER.replace(' ', '+')}")
        wait_for_app(uploader)
        waiting = readers_of(app_server.uploads)  # the reader the page starts while a file is picked
        started = time.perf_counter()
        uploader.locator('input[type="file"]').set_input_files(str(hostile))
        # While the file is read, another person opens the outcomes page in their own session.
        viewer.goto(f"{app_server.url}/Outcomes?metric=4-year+graduation+rate")
        wait_for_app(viewer)
        expect(viewer.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
        assert error_boxes(viewer) == []
        expect(uploader.get_by_text("to fix before this file can load")).to_be_visible(timeout=10_000)
        refused_after = time.perf_counter() - started
        # The finding itself is a cell of the findings table (a static table whose long messages wrap).
        expect(uploader.locator('[data-testid="stTable"] td', has_text=words).first).to_be_visible()
        assert refused_after < 10, f"refused after {refused_after:.1f} s"  # the read itself: < 5 s (unit tests)
        wait_for_app(uploader)
        time.sleep(0.5)
        # Left: at most the one reader the page starts ahead for the next file, idle, with no scanner of its own.
        left = readers_of(app_server.uploads) - waiting
        assert len(left) <= 1, f"readers outlived their read: {left}"
        assert all(not Path(f"/proc/{pid}/task/{pid}/children").read_text().strip() for pid in left)
    finally:
        uploader.context.close()
        viewer.context.close()
