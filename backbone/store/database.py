"""The one place that opens DuckDB: a connection per process, a cursor per thread, schema and views."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from backbone import config
from backbone.errors import BackboneError, StoreInUse
from backbone.store import lake

if TYPE_CHECKING:  # pandas is imported by the reads that return frames: a command line that needs none starts sooner
    import pandas as pd

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = "1"
# On a lake, a write that conflicts with another process's commit is run again, up to this many times in all,
# after a random wait of up to 50 ms, 100 ms, 200 ms, … (at most 2 s): writers that collided then spread out.
WRITE_ATTEMPTS = 20
RETRY_FIRST_WAIT_S, RETRY_LONGEST_WAIT_S = 0.05, 2.0

_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_open_lock = threading.Lock()
# DuckDB refuses two writers on the same rows ("Conflict on tuple deletion"): one writer at a time per process.
WRITE_LOCK = threading.RLock()
_local = threading.local()
log = logging.getLogger(__name__)
# A lake's snapshot id is a PostgreSQL round trip: asked at most this often per process (every write by this process
# asks again at once), so another process's upload shows here within this long, and a rerun reads no metadata.
LAKE_VERSION_FOR_S = 1.0
_lake_versions: dict[str, tuple[float, tuple]] = {}


def connect(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """The process's connection to the store (a DuckDB file or a `ducklake:` target), created and upgraded once."""
    path = path or config.db_path()
    with _open_lock:
        con = _connections.get(path)
        if con is None:
            _owner_only_files(path)
            if lake.is_lake(path):
                con = lake.connect(path)
            else:
                if path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                con = _open_file(path)
                _tighten(Path(path), Path(f"{path}.wal"))
            _retrying_conflicts(lambda: apply_schema(con))
            _connections[path] = con
        return con


def _owner_only_files(path: str) -> None:
    """From here on this process creates files only its owner can read: the store, its write-ahead log, kept uploads,
    staged files, backups and exports hold partners' data (PostgreSQL's server does the same, umask 077)."""
    os.umask(0o077)
    if not lake.is_lake(path) and path != ":memory:":
        # A store or uploads folder made before this rule (0644 / 0755) is tightened when it is opened.
        _tighten(config.uploads_dir(path))


def _tighten(*paths: Path) -> None:
    for existing in paths:
        try:
            if existing.exists():
                existing.chmod(0o700 if existing.is_dir() else 0o600)
        except PermissionError:  # someone else's file: opening it still works, or fails with its own clear error
            log.warning("Could not make %s readable by its owner only.", existing)


def _open_file(path: str) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, saying plainly what to do when another program holds it."""
    try:
        return duckdb.connect(path)
    except duckdb.IOException as exc:
        if "Could not set lock" not in str(exc):
            raise
        holder = re.search(r"held in (\S+) \(PID (\d+)\)", str(exc))
        who = f"program {Path(holder.group(1)).name} (process {holder.group(2)})" if holder else "program"
        raise StoreInUse(
            f"The store {path} is open in another {who}, most likely the Backbone app: a DuckDB file can be open in one "
            "program at a time. Stop the app and run this again; or, to back up while it runs, use the Backup button "
            "on the Data and history page (directors)."
        ) from None


def cursor(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor for this thread: Streamlit runs each session in its own thread, and one connection must not be shared."""
    path = path or config.db_path()
    con = connect(path)
    cursors = getattr(_local, "cursors", None)
    if cursors is None:
        cursors = _local.cursors = {}
    cur = cursors.get(path)
    if cur is None or cursors.get((path, "parent")) is not con:
        cur = cursors[path] = new_cursor(path)
        cursors[(path, "parent")] = con
    return cur


def new_cursor(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor of its own, outside any transaction of this thread's (work beside a write); the caller closes it."""
    path = path or config.db_path()
    con = connect(path)
    return lake.use(con.cursor()) if lake.is_lake(path) else con.cursor()


def close_all() -> None:
    """Close every connection this process opened (tests, restore)."""
    with _open_lock:
        for con in _connections.values():
            con.close()
        _connections.clear()
    _lake_versions.clear()
    if hasattr(_local, "cursors"):
        _local.cursors = {}


@contextmanager
def write_transaction(path: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One all-or-nothing write: serialised in this process (on a lake, across processes), rolled back on any error.

    On a lake the COMMIT can still lose to another writer's (one without the lock, e.g. an analyst's DuckDB); `write`
    runs the work again when it does.
    """
    path = path or config.db_path()
    with _sole_writer(path):
        cur = cursor(path)
        try:
            with _transaction(cur):
                yield cur
        finally:
            _lake_versions.pop(path, None)
        if not lake.is_lake(path):
            # A checkpoint folds the write-ahead log into the file, so a copy of the file is a whole store.
            # (On a lake, CHECKPOINT is file maintenance across the whole lake: `python -m backbone maintain`.)
            cur.execute("CHECKPOINT")


@contextmanager
def _sole_writer(path: str) -> Iterator[None]:
    """The one writer of the store: in this process (a lock) and, on a lake, across processes (its writers' lock)."""
    with WRITE_LOCK, (lake.writers_lock(connect(path), path) if lake.is_lake(path) else nullcontext()):
        yield


T = TypeVar("T")


def write(work: Callable[[duckdb.DuckDBPyConnection], T], path: str | None = None) -> T:
    """Run `work(cur)` in one write transaction and return what it returns; on a lake, run it again if it conflicts."""

    def attempt() -> T:
        with write_transaction(path) as cur:
            return work(cur)

    return _retrying_conflicts(attempt)


def write_aside(work: Callable[[duckdb.DuckDBPyConnection], T], path: str | None = None) -> T:
    """Run `work(cur)` in a small transaction of its own, beside any running write rather than after it.

    For the sign-in tables, which no load, undo or catalog change touches: a sign-in must not wait for a long upload
    to be saved, and a refusal must be recorded even from inside a write that is about to roll back. Two of these that
    change the same row of a lake conflict, and the loser runs again.
    """

    def attempt() -> T:
        cur = new_cursor(path)
        try:
            with _transaction(cur):
                return work(cur)
        finally:
            cur.close()
            _lake_versions.pop(path or config.db_path(), None)

    return _retrying_conflicts(attempt)


def _retrying_conflicts(attempt: Callable[[], T]) -> T:
    # Two processes changing the same rows of a lake: the later COMMIT fails and nothing of it lands, so running
    # the whole transaction again (it re-reads what the other one wrote) is safe. A DuckDB file never conflicts.
    for tries in range(1, WRITE_ATTEMPTS + 1):
        try:
            return attempt()
        except duckdb.Error as exc:
            if not lake.is_conflict(exc):
                raise
            if tries == WRITE_ATTEMPTS:
                raise BackboneError("Other uploads were being saved at the same moment and this one could not be "
                                    f"saved after {WRITE_ATTEMPTS} tries; nothing of it was kept. Try again.") from exc
            log.info("A write conflicted with another process's commit; running it again (try %d).", tries + 1)
            time.sleep(random.uniform(0, min(RETRY_LONGEST_WAIT_S, RETRY_FIRST_WAIT_S * 2 ** (tries - 1))))
    raise AssertionError("unreachable")


def maintain(path: str | None = None) -> None:
    """Tidy the store's files: a file's write-ahead log folded in; a lake's small files merged and unneeded ones removed."""
    path = path or config.db_path()
    # On a lake, CHECKPOINT runs DuckLake's own maintenance (flushes rows kept in the catalog to Parquet, merges small
    # files, removes files no snapshot needs): as the sole writer, and retried if another writer still conflicts.
    _retrying_conflicts(lambda: _checkpoint(path))


def _checkpoint(path: str) -> None:
    with _sole_writer(path):
        cursor(path).execute("CHECKPOINT")


def query(sql: str, params: dict | list | None = None, path: str | None = None) -> pd.DataFrame:
    """Run a read with parameters and return every row as a DataFrame."""
    return cursor(path).execute(sql, params or {}).df()  # .df() imports pandas itself


def view_files() -> list[Path]:
    """The view definitions in `queries/`, in the order they are applied."""
    return sorted(config.QUERIES_DIR.glob("*.sql"))


def schema_fingerprint() -> str:
    """A hash of the tables and views this code expects: a store already at it needs no upgrade."""
    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    for sql_file in [SCHEMA_FILE, *view_files()]:
        digest.update(sql_file.name.encode() + sql_file.read_bytes())
    return digest.hexdigest()


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the tables and (re)create every view unless already current; refill empty milestone cells."""
    fingerprint = schema_fingerprint()
    # Skipped when current, so many processes starting on one lake do not all rewrite its views at once.
    if _stored_fingerprint(con) != fingerprint:
        with _transaction(con):
            con.execute(SCHEMA_FILE.read_text())
            for sql_file in view_files():
                con.execute(sql_file.read_text())
            _fill_public_outcomes(con)
            con.execute("DELETE FROM schema_info WHERE key IN ('version', 'fingerprint')")
            con.execute("INSERT INTO schema_info VALUES ('version', ?), ('fingerprint', ?)",
                        [SCHEMA_VERSION, fingerprint])
    _seed_milestones(con)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        # fetchall, not fetchone: an undrained result keeps its transaction open and blocks the next CHECKPOINT.
        rows = con.execute("SELECT max(value) FROM schema_info WHERE key = 'fingerprint'").fetchall()
    except duckdb.CatalogException:  # a new store: no tables yet
        return None
    return rows[0][0]


# The 12 cells of the phases table: what each component does in each phase.
DEFAULT_MILESTONES = {
    ("I", "governance"): "Identify champions and form a cross-sector group",
    ("I", "planning"): "Map the landscape and use data to make the case",
    ("I", "community"): "Facilitate community outreach",
    ("I", "evaluation"): "Analyse baseline data to identify key issues and gaps",
    ("II", "governance"): "Create infrastructure (backbone and processes)",
    ("II", "planning"): "Create the common agenda (goals and strategy)",
    ("II", "community"): "Engage the community and build public will",
    ("II", "evaluation"): "Establish shared metrics (indicators, measurement and approach)",
    ("III", "governance"): "Facilitate and refine",
    ("III", "planning"): "Support implementation (alignment to goals and strategies)",
    ("III", "community"): "Continue engagement and conduct advocacy",
    ("III", "evaluation"): "Collect, track and report progress (learn and improve)",
}


def _seed_milestones(con: duckdb.DuckDBPyConnection) -> None:
    """Pre-fill each empty cell of the phase matrix with its checklist item from the phases table."""
    if len(_filled_cells(con)) == len(DEFAULT_MILESTONES):
        return
    with _transaction(con):
        # Two processes filling the same cells would both insert (inserts never conflict); both updating this
        # counter do conflict, so the later one runs again and finds the cells filled.
        con.execute("UPDATE counters SET value = value + 1 WHERE name = 'milestones_seeded'")
        present, now = _filled_cells(con), datetime.now()
        for (phase, component), title in DEFAULT_MILESTONES.items():
            if (phase, component) not in present:
                con.execute(
                    "INSERT INTO milestones VALUES (?, ?, ?, ?, 'not_started', NULL, NULL, ?)",
                    [new_id(), phase, component, title, now],
                )


def _filled_cells(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {tuple(r) for r in con.execute("SELECT DISTINCT phase, component FROM milestones").fetchall()}


def _fill_public_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    """A store from before public_outcomes existed gets it built once; every later write keeps it current. The kept
    community_outcomes are built again whenever the views change (they may combine values differently now)."""
    from backbone.store import received
    from backbone.store.privacy import keep_community_outcomes, refresh_public_outcomes  # privacy reads these views

    empty = con.execute("SELECT count(*) = 0 FROM public_outcomes").fetchone()[0]
    if empty and con.execute("SELECT count(*) > 0 FROM observations").fetchone()[0]:
        refresh_public_outcomes(con)
    else:
        keep_community_outcomes(con, None)
        received.keep(con, None)


def new_id() -> str:
    """A fresh id (DuckLake has no sequences, so ids are made here)."""
    return uuid.uuid4().hex


def next_load_seq(cur: duckdb.DuckDBPyConnection) -> int:
    """The next load number, taken inside the write transaction that will use it.

    Kept in a counter row rather than read as max + 1: two processes on a lake that both update the row conflict,
    so one of them runs again and gets the next number (two inserts never conflict, and would share one).
    """
    cur.execute(
        """UPDATE counters SET value = greatest(value, (SELECT coalesce(max(load_seq), 0) FROM uploads)) + 1
           WHERE name = 'load_seq'"""
    )
    return cur.execute("SELECT value FROM counters WHERE name = 'load_seq'").fetchone()[0]


def data_version(path: str | None = None) -> tuple:
    """Changes whenever a load, undo, catalog edit or plan change lands (from another process on a lake, within
    LAKE_VERSION_FOR_S): what page caches hang on."""
    path = path or config.db_path()
    if lake.is_lake(path):
        asked, version = _lake_versions.get(path, (-LAKE_VERSION_FOR_S, ()))
        if time.monotonic() - asked >= LAKE_VERSION_FOR_S:
            version = ("lake", lake.snapshot(cursor(path)))
            _lake_versions[path] = (time.monotonic(), version)
        return version
    row = cursor(path).execute(
        """SELECT (SELECT coalesce(max(load_seq), 0) FROM uploads),
                  (SELECT count(*) FROM uploads WHERE status = 'undone'),
                  (SELECT max(updated_at) FROM metrics),
                  (SELECT max(updated_at) FROM milestones),
                  (SELECT count(*) FROM milestones),
                  (SELECT max(value) FROM counters WHERE name = 'plan_seq')"""
    ).fetchone()
    return tuple(row)


def is_empty(path: str | None = None) -> bool:
    """True when nothing has been loaded: no metrics and no uploads."""
    row = cursor(path).execute("SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM uploads)").fetchone()
    return row[0] == 0

