"""DuckLake stores: a catalog in PostgreSQL and Parquet files on a shared data path, written by many processes.

A store target that starts with `ducklake:` (e.g. `ducklake:postgres:dbname=backbone host=db user=backbone`) is a
lake; anything else is a DuckDB file. Extensions load from the pinned wheels (no download at run time).
"""

from __future__ import annotations

import importlib.resources
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from backbone import config
from backbone.errors import BackboneError

PREFIX = "ducklake:"
POSTGRES_CATALOG = PREFIX + "postgres:"
# The lake is attached under this name and made the default catalog of every cursor.
ALIAS = "lake"
# The lake's PostgreSQL catalog attached once more, plainly, for the writers' lock.
LOCK_ALIAS = "lake_lock"
# A PostgreSQL advisory lock key of Backbone's own ("BACKBONE" as 8 bytes, less the sign bit).
WRITERS_LOCK_KEY = int.from_bytes(b"BACKBONE", "big") & (2**63 - 1)
# A writer waits this long for the lock before giving up with a plain "busy" message.
LOCK_TIMEOUT_S = 120
# The extension wheels are pinned to duckdb's exact version (requirements.txt); their files sit at this path.
_EXTENSIONS = {
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "ducklake": "duckdb_extension_ducklake",
}
ATTACH_ATTEMPTS = 20


def is_lake(target: str) -> bool:
    """True when the store target names a DuckLake rather than a DuckDB file."""
    return target.startswith(PREFIX)


def files_path(data_path: Path) -> Path:
    """Where DuckLake keeps the Parquet files, inside Backbone's shared data path."""
    return data_path / "lake"


def connect(target: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and in use; the first process creates the lake's catalog."""
    data_path = config.lake_data_path()
    files = files_path(data_path)
    files.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for attempt in range(ATTACH_ATTEMPTS):
        # A fresh connection per attempt: a failed ATTACH can leave half-made state behind in the old one.
        con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
        try:
            for extension, package in _EXTENSIONS.items():
                con.execute(f"LOAD {_quoted(_extension_file(package, extension))}")
            # ATTACH takes no parameters; the target and path come from the settings, quoted as SQL strings.
            con.execute(f"ATTACH {_quoted(target)} AS {ALIAS} (DATA_PATH {_quoted(f'{files}/')})")
            if target.startswith(POSTGRES_CATALOG):
                con.execute(f"ATTACH {_quoted(target.removeprefix(POSTGRES_CATALOG))} AS {LOCK_ALIAS} (TYPE postgres)")
            con.execute(f"USE {ALIAS}")
            return con
        except duckdb.Error as exc:
            con.close()
            if not _is_attach_race(exc):
                raise BackboneError(f"Could not open the lake '{_without_password(target)}': {exc}") from exc
            # Several processes creating a new lake's catalog at once: one wins, the others attach after it.
            last_error = exc
            time.sleep(0.1 + random.random() * 0.2 * (attempt + 1))
    raise BackboneError(f"Could not open the lake '{_without_password(target)}' after {ATTACH_ATTEMPTS} tries: {last_error}")


def use(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Make the lake the default catalog of a new cursor (a cursor does not inherit its parent's USE)."""
    cur.execute(f"USE {ALIAS}")
    return cur


@contextmanager
def writers_lock(con: duckdb.DuckDBPyConnection, target: str) -> Iterator[None]:
    """Hold the lake's writers' lock (with a PostgreSQL catalog): one write at a time across every process.

    Without it, writes that overlap conflict at COMMIT and all but one run again, which wastes their work and can
    starve a long upload when many arrive at once. Reading and checking a workbook happen before, outside the lock,
    so several processes still do that part side by side. The lock is PostgreSQL's, taken in a transaction of a
    separate cursor: it is released when that transaction ends, or when the process dies.
    """
    if not target.startswith(POSTGRES_CATALOG):
        yield  # another kind of catalog: conflicts are still caught and retried
        return
    holder = con.cursor()
    holder.execute("BEGIN TRANSACTION")
    try:
        wait_ms = LOCK_TIMEOUT_S * 1000
        holder.execute(f"CALL postgres_execute('{LOCK_ALIAS}', 'SET LOCAL lock_timeout = {wait_ms}; "
                       f"SELECT pg_advisory_xact_lock({WRITERS_LOCK_KEY})')")
    except duckdb.Error as exc:
        holder.execute("ROLLBACK")
        holder.close()
        raise BackboneError(f"The store is busy: another app process has been saving for over {LOCK_TIMEOUT_S} "
                            "seconds. Nothing was saved; try again in a minute.") from exc
    try:
        yield
    finally:
        holder.execute("ROLLBACK")  # ends the lock's transaction (it wrote nothing), which releases the lock
        holder.close()


def snapshot(cur: duckdb.DuckDBPyConnection) -> int:
    """The lake's latest snapshot id: it moves with every commit from any process."""
    return cur.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchone()[0]


def is_conflict(exc: BaseException) -> bool:
    """True when a commit lost to another process's commit on the same rows (run the transaction again)."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and ("conflict" in text or "duplicate key" in text)


def _is_attach_race(exc: BaseException) -> bool:
    # Seen when processes initialise a new catalog together: PostgreSQL reports duplicate tables or keys.
    text = str(exc).lower()
    return any(s in text for s in ("duplicate key", "already exists", "conflict", "could not serialize"))


def _extension_file(package: str, extension: str) -> str:
    folder = importlib.resources.files(package) / "extensions" / f"v{duckdb.__version__}"
    path = Path(str(folder)) / f"{extension}.duckdb_extension"
    if not path.exists():
        raise BackboneError(f"The {extension} extension for DuckDB {duckdb.__version__} is not installed "
                            f"(pip install -r requirements.txt installs {package}=={duckdb.__version__}).")
    return str(path)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _without_password(target: str) -> str:
    """The target as it may be shown in a message: any password=… part blanked."""
    return " ".join("password=…" if part.lower().startswith("password=") else part for part in target.split(" "))
