"""AppTest fixtures: the demo store (shared read-only, or a writable copy), an empty store, and a page opener.

Every test starts with empty Streamlit caches and a store of its own choosing; nothing here ever touches the
project's own `data/backbone.duckdb`: an autouse fixture points the app at an empty store in the test's temporary
folder (demo autoload off) before anything else runs, and the store fixtures override that.

Facts about AppTest 1.67 these tests rely on (checked while writing them):
- Pages are reached from `app.py` with `switch_page` (running a page file directly fails on the sidebar's
  `st.page_link` to `app.py`).
- A chart is an `UnknownElement` of type `vega_lite_chart`; its proto has `spec`, `datasets` and `alt` (the text
  alternative the app passes to `st.altair_chart`). Each dataset's rows are an Arrow IPC *stream*.
- A download button exposes only its label and a `/mock/media/<id>.<ext>` url; the bytes live in a
  `MemoryMediaFileStorage` that AppTest creates for each run and then drops. `media_files` records those storages so
  `download_bytes` can read what a user would download.
- Widgets bound with `bind="query-params"` can be set through the widget (`set_value`, no URL change is reported back
  in `at.query_params`) or through `at.query_params` before the run that first draws them; a selectbox with a
  `format_func` is seeded from the URL by its *formatted* label, not by the option value.
- `st.data_editor` edits cannot be made with `set_value`; a keyed editor is edited by assigning its edit state
  (`{"edited_rows": ..., "added_rows": ..., "deleted_rows": ...}`) to `at.session_state[key]` before `run()`.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc
import pytest
import streamlit as st
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from backbone.demo import load_demo
from backbone.store import database

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT_S = 60


# --- stores -------------------------------------------------------------------------------------------------------

def _point_at(monkeypatch: pytest.MonkeyPatch, folder: Path) -> str:
    """Make `folder` the configured store (demo autoload off) for the rest of the test."""
    path = str(folder / "database.duckdb")
    monkeypatch.setenv("BACKBONE_DB", path)
    monkeypatch.setenv("BACKBONE_UPLOADS", str(folder / "uploads"))
    monkeypatch.setenv("BACKBONE_DEMO", "0")
    return path


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test: fresh Streamlit caches, no open connections, and an empty store unless a store fixture says otherwise."""
    st.cache_data.clear()
    st.cache_resource.clear()
    database.close_all()
    yield _point_at(monkeypatch, tmp_path / "empty")
    database.close_all()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo initiative loaded once through the partners' import path; never opened by the app (copies are)."""
    folder = tmp_path_factory.mktemp("demo-template")
    with pytest.MonkeyPatch.context() as patch:
        path = _point_at(patch, folder)
        database.close_all()
        load_demo(path)
        database.close_all()  # every load checkpoints; closed, the file alone is the whole store
    return folder


def _copy_store(template: Path, folder: Path) -> Path:
    shutil.copytree(template, folder)
    return folder


@pytest.fixture(scope="session")
def _demo_shared(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_store(demo_template, tmp_path_factory.mktemp("demo-shared") / "store")


@pytest.fixture
def demo_store(_demo_shared: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo store shared by the tests that only read (opening it re-applies the schema, nothing more)."""
    return _point_at(monkeypatch, _demo_shared)


@pytest.fixture
def writable_demo_store(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the demo store, for tests that upload, undo or edit."""
    return _point_at(monkeypatch, _copy_store(demo_template, tmp_path / "demo"))


@pytest.fixture
def empty_store(_isolated: str) -> str:
    """A store with nothing loaded and demo autoload off (what the autouse fixture already set up)."""
    return _isolated


# --- the app ------------------------------------------------------------------------------------------------------

@pytest.fixture
def app() -> Callable[..., AppTest]:
    """`app(page, query_params=None)`: a run AppTest that started at app.py and switched to `page`."""

    def open_page(page: str = "app.py", query_params: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        at.run()
        if page == "app.py" and not query_params:
            return at
        if page != "app.py":
            at.switch_page(page)
        at.query_params.update(query_params or {})
        return at.run()

    return open_page


# --- reading what the app drew ------------------------------------------------------------------------------------

def charts(at: AppTest) -> list:
    """Every chart on the page, in page order."""
    return list(at.get("vega_lite_chart"))


def chart_alt(element) -> str:
    """A chart's text alternative (what a screen reader announces)."""
    return element.proto.alt


def chart_spec(element) -> dict:
    return json.loads(element.proto.spec)


def chart_rows(element) -> list[pd.DataFrame]:
    """The rows a chart was drawn from: one DataFrame per dataset, in the order Streamlit sent them."""
    return [pyarrow.ipc.open_stream(pa.py_buffer(dataset.data.data)).read_all().to_pandas() for dataset in element.proto.datasets]


def chart_named(at: AppTest, alt_prefix: str):
    """The one chart whose text alternative starts with `alt_prefix`."""
    found = [element for element in charts(at) if chart_alt(element).startswith(alt_prefix)]
    assert len(found) == 1, f"expected one chart described '{alt_prefix}…', found {[chart_alt(e) for e in charts(at)]}"
    return found[0]


def rows_with(element, *columns: str) -> pd.DataFrame:
    """The chart's dataset that holds all of `columns` (e.g. the actual series of a layered chart)."""
    found = [frame for frame in chart_rows(element) if set(columns) <= set(frame.columns)]
    assert len(found) == 1, f"expected one dataset with {columns}, found {[list(f.columns) for f in chart_rows(element)]}"
    return found[0]


class _RecordingMediaStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media storage, kept after the run so download buttons' bytes can be read."""

    instances: list[MemoryMediaFileStorage] = []

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        _RecordingMediaStorage.instances.append(self)


@pytest.fixture(autouse=True)
def media_files(monkeypatch: pytest.MonkeyPatch) -> list[MemoryMediaFileStorage]:
    _RecordingMediaStorage.instances = []
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _RecordingMediaStorage)
    return _RecordingMediaStorage.instances


def download_bytes(button) -> bytes:
    """What a user gets from a download button drawn in the latest run."""
    url = button.proto.url
    assert url, f"download button '{button.label}' has no url (deferred data is not readable in AppTest)"
    name = url.rsplit("/", 1)[-1]
    for storage in reversed(_RecordingMediaStorage.instances):
        try:
            return storage.get_file(name).content
        except MediaFileStorageError:  # not in this run's storage
            continue
    raise AssertionError(f"no stored file for {url}")


def download_csv(button) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(download_bytes(button)))


def plain(text: str) -> str:
    """Markdown as the user reads it: the app escapes catalog and partner text (`4\\-year`), the browser shows `4-year`."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(elements) -> list[str]:
    """The texts of elements as the user reads them."""
    return [plain(element.value) for element in elements]
