"""Several processes on one DuckLake: a safe first start, concurrent uploads, fresh reads, and moving a store in and out.

Each process here is a real one (multiprocessing, spawn), as app processes behind a proxy would be.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from backbone import cli
from backbone.demo import demo_workbooks, ensure_demo
from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import database
from backbone.store import lake as backbone_lake
from backbone.store.export import TABLES, backup, export_views, restore
from backbone.store.privacy import refresh_public_outcomes
from tests.workbooks import METRICS_HEADER, data_workbook, metric_row, write_workbook

PARTNERS = ["NORTH", "SOUTH", "EAST"]
UPLOADS_PER_PROCESS = 20


@pytest.fixture
def lake(postgres, tmp_path, monkeypatch) -> str:
    """A brand-new, empty lake set as the configured store (demo autoload off)."""
    target = postgres.new_lake_target()
    monkeypatch.setenv("BACKBONE_DB", target)
    monkeypatch.setenv("BACKBONE_DATA_PATH", str(tmp_path / "shared"))
    monkeypatch.setenv("BACKBONE_DEMO", "0")
    monkeypatch.delenv("BACKBONE_UPLOADS", raising=False)
    database.close_all()
    yield target
    database.close_all()


def _run_processes(target, args_per_process: list[tuple]) -> list:
    """Run `target(*args)` in a fresh process each, all at once; their return values in order."""
    # One task per process (a pool would hand a second task to whichever worker finished first).
    with ProcessPoolExecutor(len(args_per_process), multiprocessing.get_context("spawn"), max_tasks_per_child=1) as pool:
        return [future.result() for future in [pool.submit(target, *args) for args in args_per_process]]


def _open_store(target: str, data_path: str) -> int:
    os.environ.update(BACKBONE_DB=target, BACKBONE_DATA_PATH=data_path, BACKBONE_DEMO="0")
    database.connect()
    return os.getpid()


def _ingest_many(target: str, data_path: str, partner: str, folder: str) -> list[str]:
    """One app process's deadline day: twenty uploads for one partner, one after another."""
    os.environ.update(BACKBONE_DB=target, BACKBONE_DATA_PATH=data_path, BACKBONE_DEMO="0")
    statuses = []
    for i in range(UPLOADS_PER_PROCESS):
        # A different year in each file, so every upload adds rows of its own.
        book = data_workbook(Path(folder) / f"{partner}-{i}.xlsx", [["served", 2000 + i, partner.title(), None, None, 10 + i]])
        statuses.append(ingest_file(book, partner, uploaded_by=partner, db=target).status)
    database.close_all()
    return statuses


def _catalog(path: Path) -> Path:
    return write_workbook(path, {
        "Metrics": [METRICS_HEADER, metric_row("served", "Families served", "count")],
        "Partners": [["code", "name", "sector", "contact"], *[[code, code.title(), "health", None] for code in PARTNERS]],
    })


def test_processes_starting_together_on_a_new_lake_create_it_once(lake, tmp_path):
    pids = _run_processes(_open_store, [(lake, os.environ["BACKBONE_DATA_PATH"])] * 4)
    assert len(set(pids)) == 4
    # One set of reference rows and one schema record, however many processes raced to make them.
    assert database.query("SELECT count(*) AS n FROM milestones").n[0] == 12
    assert database.query("SELECT count(*) AS n FROM schema_info WHERE key = 'fingerprint'").n[0] == 1
    assert database.query("SELECT name, count(*) AS n FROM counters GROUP BY name HAVING n > 1").empty


def _open_app_store(target: str, data_path: str) -> tuple[bool, int]:
    """What an app process does on its first page: open the store, load the demo if it is empty."""
    os.environ.update(BACKBONE_DB=target, BACKBONE_DATA_PATH=data_path, BACKBONE_DEMO="1")
    loaded_here = ensure_demo()
    return loaded_here, database.query("SELECT count(*) AS n FROM uploads").n[0]


def test_app_processes_opening_a_new_lake_together_load_the_demo_once_and_all_show_it(lake):
    opened = _run_processes(_open_app_store, [(lake, os.environ["BACKBONE_DATA_PATH"])] * 3)
    demo_uploads = 1 + len(demo_workbooks())  # the catalog and each partner's workbook
    assert sorted(loaded for loaded, _ in opened) == [False, False, True]
    # The two that did not load it waited for it: their first page already has the whole demo.
    assert [uploads for _, uploads in opened] == [demo_uploads] * 3
    assert database.query("SELECT count(*) AS n FROM uploads").n[0] == demo_uploads


def test_three_processes_uploading_twenty_times_each_lose_and_duplicate_nothing(lake, tmp_path):
    assert load_catalog_workbook(_catalog(tmp_path / "catalog.xlsx"), db=lake).errors == []
    data_path = os.environ["BACKBONE_DATA_PATH"]
    statuses = _run_processes(_ingest_many, [(lake, data_path, p, str(tmp_path)) for p in PARTNERS])
    assert statuses == [["loaded"] * UPLOADS_PER_PROCESS] * len(PARTNERS)

    uploads = database.query("SELECT partner_code, load_seq, rows_loaded FROM uploads WHERE kind = 'partner'")
    assert uploads.groupby("partner_code").size().to_dict() == {p: UPLOADS_PER_PROCESS for p in PARTNERS}
    # Every load got its own number (the catalog load took 1), so "the latest value" is never ambiguous.
    assert sorted(uploads.load_seq) == list(range(2, 2 + len(PARTNERS) * UPLOADS_PER_PROCESS))
    observations = database.query("SELECT partner_code, period_label, value FROM observations ORDER BY ALL")
    assert len(observations) == len(PARTNERS) * UPLOADS_PER_PROCESS
    assert observations[observations.partner_code == "EAST"].value.tolist() == [10.0 + i for i in range(20)]
    # The public table, rebuilt piecemeal by sixty concurrent loads, is what one full rebuild gives.
    published = database.query("SELECT * FROM public_outcomes ORDER BY ALL")
    with database.write_transaction() as cur:
        refresh_public_outcomes(cur)
    pd.testing.assert_frame_equal(published, database.query("SELECT * FROM public_outcomes ORDER BY ALL"))


def test_an_upload_through_another_process_shows_on_the_next_read_here(lake, tmp_path):
    assert load_catalog_workbook(_catalog(tmp_path / "catalog.xlsx"), db=lake).errors == []
    before = database.data_version()
    assert database.query("SELECT count(*) AS n FROM observations").n[0] == 0
    book = data_workbook(tmp_path / "one.xlsx", [["served", 2024, "North", None, None, 77]])
    [status] = _run_processes(_ingest_one, [(lake, os.environ["BACKBONE_DATA_PATH"], str(book))])
    assert status == "loaded"
    # The version that page caches are keyed on has moved, and this process's next read sees the new value.
    assert database.data_version() != before
    assert database.query("SELECT value FROM current_observations").value.tolist() == [77.0]


def _ingest_one(target: str, data_path: str, book: str) -> str:
    os.environ.update(BACKBONE_DB=target, BACKBONE_DATA_PATH=data_path, BACKBONE_DEMO="0")
    return ingest_file(Path(book), "NORTH", db=target).status


def _contents(db: str) -> dict[str, pd.DataFrame]:
    """Every table's rows in a fixed order (stored paths aside: they name each store's own uploads folder)."""
    frames = {}
    for table in TABLES:
        frame = database.query(f"SELECT * FROM {table} ORDER BY ALL", path=db)
        frames[table] = frame.drop(columns=["stored_path"]) if table == "uploads" else frame
    return frames


def _assert_same_contents(one: str, other: str) -> None:
    left, right = _contents(one), _contents(other)
    for table in TABLES:
        pd.testing.assert_frame_equal(left[table], right[table], check_dtype=False, obj=table)


def test_a_file_store_moves_into_a_lake_and_back_unchanged(lake, tmp_path, monkeypatch, capsys):
    file_store = str(tmp_path / "before.duckdb")
    assert load_catalog_workbook(_catalog(tmp_path / "catalog.xlsx"), db=file_store).errors == []
    book = data_workbook(tmp_path / "one.xlsx", [["served", 2023, "North", None, None, 41], ["served", 2024, "North", None, None, 43]])
    assert ingest_file(book, "NORTH", db=file_store).status == "loaded"
    # The kept originals of a file store live beside it; in the lake they go to the shared data path.
    monkeypatch.delenv("BACKBONE_UPLOADS", raising=False)

    assert cli.main(["--db", file_store, "copy-store", lake]) == 0
    assert "Copied" in capsys.readouterr().out
    _assert_same_contents(file_store, lake)
    kept = database.query("SELECT stored_path FROM uploads WHERE kind = 'partner'", path=lake).stored_path[0]
    assert kept.startswith(os.environ["BACKBONE_DATA_PATH"]) and Path(kept).read_bytes() == book.read_bytes()
    trend = database.query("SELECT period_label, value FROM outcome_trends WHERE geography = 'North' ORDER BY ALL", path=lake)
    assert trend.values.tolist() == [["2023", 41.0], ["2024", 43.0]]

    back = str(tmp_path / "after" / "back.duckdb")
    assert cli.main(["--db", lake, "copy-store", back]) == 0
    _assert_same_contents(lake, back)
    # A store that already holds data is not overwritten by a copy.
    assert cli.main(["--db", file_store, "copy-store", lake]) == 2
    assert "already holds data" in capsys.readouterr().err


def test_backup_restore_and_export_work_on_a_lake(lake, postgres, tmp_path, monkeypatch):
    assert load_catalog_workbook(_catalog(tmp_path / "catalog.xlsx"), db=lake).errors == []
    book = data_workbook(tmp_path / "one.xlsx", [["served", 2024, "South", None, None, 12]])
    assert ingest_file(book, "SOUTH", db=lake).status == "loaded"
    counts = backup(tmp_path / "backup", lake)
    assert counts["observations"] == 1 and (tmp_path / "backup" / "uploads").is_dir()

    other = postgres.new_lake_target()
    monkeypatch.setenv("BACKBONE_DATA_PATH", str(tmp_path / "other-shared"))
    assert restore(tmp_path / "backup", other)["observations"] == 1
    _assert_same_contents(lake, other)

    exported = export_views(tmp_path / "views.xlsx", None, other)
    assert exported["community_outcomes"] == 2  # South, and the whole community
    sheet = pd.read_excel(tmp_path / "views.xlsx", sheet_name="community_outcomes", engine="openpyxl")
    assert sorted(zip(sheet.geography, sheet.value, strict=True)) == [("Community", 12), ("South", 12)]




def test_a_write_that_loses_a_commit_conflict_runs_again(lake):
    database.connect()
    # Another writer of the lake that does not take Backbone's lock (an analyst's own DuckDB, say).
    other = backbone_lake.use(backbone_lake.connect(lake).cursor())
    attempts = []

    def take_a_load_number(cur):
        attempts.append(database.next_load_seq(cur))
        if len(attempts) == 1:  # the other writer takes a number and commits first
            other.execute("UPDATE counters SET value = value + 1 WHERE name = 'load_seq'")
        return attempts[-1]

    # The first try would have shared number 1 with the other writer; it lost at COMMIT and ran again.
    assert database.write(take_a_load_number) == 2
    assert attempts == [1, 2]
    assert database.query("SELECT value FROM counters WHERE name = 'load_seq'").value[0] == 2


def test_only_one_process_at_a_time_holds_the_writers_lock(lake, monkeypatch):
    monkeypatch.setattr(backbone_lake, "LOCK_TIMEOUT_S", 1)
    first, second = backbone_lake.connect(lake), backbone_lake.connect(lake)  # as two app processes would
    with backbone_lake.writers_lock(first, lake):
        with pytest.raises(BackboneError, match="The store is busy"):
            with backbone_lake.writers_lock(second, lake):
                pass
    with backbone_lake.writers_lock(second, lake):  # released when the first one's write ended
        pass


def test_maintain_tidies_a_lake_and_keeps_every_row(lake, tmp_path, capsys):
    assert load_catalog_workbook(_catalog(tmp_path / "catalog.xlsx"), db=lake).errors == []
    for year in (2022, 2023, 2024):
        book = data_workbook(tmp_path / f"{year}.xlsx", [["served", year, "North", None, None, year - 2000]])
        assert ingest_file(book, "NORTH", db=lake).status == "loaded"
    before = _contents(lake)
    assert cli.main(["maintain"]) == 0
    assert "Store tidied" in capsys.readouterr().out
    after = _contents(lake)
    for table in TABLES:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
