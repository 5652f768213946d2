"""DuckLake stores: a catalog in PostgreSQL and Parquet files on a shared data path, written by many processes.

A store target that starts with `ducklake:` (e.g. `ducklake:postgres:dbname=backbone host=db user=backbone`) is a
lake; anything else is a DuckDB file. Extensions load from the pinned wheels (no download at run time).
"""

from __future__ import annotations

import importlib.resources
import random
import time
from pathlib import Path

import duckdb

from backbone import config
from backbone.errors import BackboneError

PREFIX = "ducklake:"
# The lake is attached under this name and made the default catalog of every cursor.
ALIAS = "lake"
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
