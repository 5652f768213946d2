"""The one place that opens DuckDB: a connection per process, a cursor per thread, schema and views."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from backbone import config

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = "1"

_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_open_lock = threading.Lock()
# DuckDB refuses two writers on the same rows ("Conflict on tuple deletion"): one writer at a time per process.
WRITE_LOCK = threading.RLock()
_local = threading.local()


def connect(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """The process's connection to the store at `path` (default: the configured store), created and upgraded once."""
    path = path or config.db_path()
    with _open_lock:
        con = _connections.get(path)
        if con is None:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(path)
            apply_schema(con)
            _connections[path] = con
        return con


def cursor(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor for this thread: Streamlit runs each session in its own thread, and one connection must not be shared."""
    path = path or config.db_path()
    con = connect(path)
    cursors = getattr(_local, "cursors", None)
    if cursors is None:
        cursors = _local.cursors = {}
    cur = cursors.get(path)
    if cur is None or cursors.get((path, "parent")) is not con:
        cur = cursors[path] = con.cursor()
        cursors[(path, "parent")] = con
    return cur


def close_all() -> None:
    """Close every connection this process opened (tests, restore)."""
    with _open_lock:
        for con in _connections.values():
            con.close()
        _connections.clear()
    if hasattr(_local, "cursors"):
        _local.cursors = {}


@contextmanager
def write_transaction(path: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One all-or-nothing write: serialised in this process, rolled back on any error, checkpointed after."""
    with WRITE_LOCK:
        cur = cursor(path)
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
        # A checkpoint folds the write-ahead log into the file, so a copy of the file is a whole store.
        cur.execute("CHECKPOINT")


def query(sql: str, params: dict | list | None = None, path: str | None = None) -> pd.DataFrame:
    """Run a read with parameters and return every row as a DataFrame."""
    return cursor(path).execute(sql, params or {}).df()


def view_files() -> list[Path]:
    """The view definitions in `queries/`, in the order they are applied."""
    return sorted(config.QUERIES_DIR.glob("*.sql"))


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the tables, seed reference rows and (re)create every view. Safe to run again."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(SCHEMA_FILE.read_text())
        for sql_file in view_files():
            con.execute(sql_file.read_text())
        _seed_milestones(con)
        _fill_public_outcomes(con)
        con.execute("DELETE FROM schema_info WHERE key = 'version'")
        con.execute("INSERT INTO schema_info VALUES ('version', ?)", [SCHEMA_VERSION])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


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
    present = {tuple(r) for r in con.execute("SELECT DISTINCT phase, component FROM milestones").fetchall()}
    now = datetime.now()
    for (phase, component), title in DEFAULT_MILESTONES.items():
        if (phase, component) not in present:
            con.execute(
                "INSERT INTO milestones VALUES (?, ?, ?, ?, 'not_started', NULL, NULL, ?)",
                [new_id(), phase, component, title, now],
            )


def _fill_public_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    """A store from before public_outcomes existed gets it built once; every later write keeps it current."""
    from backbone.privacy import refresh_public_outcomes  # privacy reads through this module's views

    empty = con.execute("SELECT count(*) = 0 FROM public_outcomes").fetchone()[0]
    if empty and con.execute("SELECT count(*) > 0 FROM observations").fetchone()[0]:
        refresh_public_outcomes(con)


def new_id() -> str:
    """A fresh id (DuckLake has no sequences, so ids are made here)."""
    return uuid.uuid4().hex


def next_load_seq(cur: duckdb.DuckDBPyConnection) -> int:
    """The next load number, read inside the write transaction that will use it."""
    return cur.execute("SELECT coalesce(max(load_seq), 0) + 1 FROM uploads").fetchone()[0]


def data_version(path: str | None = None) -> tuple:
    """Changes whenever a load, undo or catalog edit lands: the key that page caches hang on."""
    row = cursor(path).execute(
        """SELECT (SELECT coalesce(max(load_seq), 0) FROM uploads),
                  (SELECT count(*) FROM uploads WHERE status = 'undone'),
                  (SELECT max(updated_at) FROM metrics),
                  (SELECT max(updated_at) FROM milestones),
                  (SELECT count(*) FROM milestones)"""
    ).fetchone()
    return tuple(row)


def is_empty(path: str | None = None) -> bool:
    """True when nothing has been loaded: no metrics and no uploads."""
    row = cursor(path).execute("SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM uploads)").fetchone()
    return row[0] == 0

