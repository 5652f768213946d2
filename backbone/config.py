"""Settings, read from the environment with defaults: the one place for paths and limits."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from backbone.errors import BackboneError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
# Who the demo initiative's uploads are by: the pages tell a demo store from a real one by it.
DEMO_USER = "demo loader"


def db_path() -> str:
    """The store: `BACKBONE_DB`, a DuckDB file (default `data/backbone.duckdb`) or a `ducklake:` target."""
    return os.environ.get("BACKBONE_DB") or str(PROJECT_ROOT / "data" / "backbone.duckdb")


def lake_data_path() -> Path:
    """A lake's shared folder (`BACKBONE_DATA_PATH`): its Parquet files in `lake/`, kept uploads in `uploads/`."""
    configured = os.environ.get("BACKBONE_DATA_PATH")
    if not configured:
        raise BackboneError("A DuckLake store needs BACKBONE_DATA_PATH: the folder (shared by every app process) "
                            "where its Parquet files and the kept uploads live.")
    return Path(configured)


def uploads_dir(store_path: str | None = None) -> Path:
    """Where original uploaded files are kept: `BACKBONE_UPLOADS`, default `uploads/` beside the store's files."""
    configured = os.environ.get("BACKBONE_UPLOADS")
    if configured:
        return Path(configured)
    target = store_path or db_path()
    if target.startswith("ducklake:"):
        return lake_data_path() / "uploads"
    return Path(target).resolve().parent / "uploads"


def backups_dir(store_path: str | None = None) -> Path:
    """Where the Backup button writes: `BACKBONE_BACKUPS`, default `backups/` beside the store's files."""
    configured = os.environ.get("BACKBONE_BACKUPS")
    if configured:
        return Path(configured)
    return uploads_dir(store_path).parent / "backups"


def site_url() -> str:
    """The address the public site is published at (`BACKBONE_SITE_URL`, e.g. https://example.org/outcomes/): embed
    snippets point there. Empty: snippets name the site's own address when a browser shows them."""
    return os.environ.get("BACKBONE_SITE_URL", "").strip()


def site_dir(store_path: str | None = None) -> Path:
    """Where the Publish button writes the public site: `BACKBONE_SITE_DIR`, else `site/` beside the store."""
    configured = os.environ.get("BACKBONE_SITE_DIR")
    if configured:
        return Path(configured)
    return uploads_dir(store_path).parent / "site"


def autoload_demo() -> bool:
    """Whether the app loads the demo initiative into an empty store (`BACKBONE_DEMO=0` turns it off)."""
    return os.environ.get("BACKBONE_DEMO", "1") not in ("0", "false", "no")


# Small-cell threshold when the catalog names none (education and health practice: below ~10 is identifying).
DEFAULT_SUPPRESSION_THRESHOLD = 11


# Limits on one partner file. Every limit is a setting (BACKBONE_<NAME>) so a backbone with bigger files can raise it.
READ_LIMIT_DEFAULTS = {
    "MAX_FILE_MB": 50,  # the size of the file as uploaded (the page's own upload limit is also 50 MB)
    "MAX_UNPACKED_MB": 500,  # what an .xlsx / .ods may unpack to
    "MAX_UNPACK_RATIO": 200,  # unpacked size / file size; real workbooks stay well under 50
    "MAX_ROWS": 1_000_000,
    "MAX_COLUMNS": 1_000,
    "MAX_CELLS": 20_000_000,  # rows x columns of one sheet's used range
    "READ_TIMEOUT_S": 60,  # the sandboxed reader is stopped after this long
    "READ_MEMORY_MB": 2_048,  # the sandboxed reader's address-space limit
    "MAX_MERGED_RANGES": 5_000,  # merged ranges in one sheet (real exports merge a few header cells)
}


# The largest number a value may hold, per unit (BACKBONE_MAX_VALUE_<UNIT>): beyond it a number is a typing or export
# error, not a measure (1e308 children would make the community's total infinite). Numerators and denominators count
# people, so they take the count's limit.
VALUE_LIMIT_DEFAULTS = {
    "count": 1e9, "percent": 100.0, "rate_per_1000": 1e5, "rate_per_100000": 1e7, "dollars": 1e13, "number": 1e12,
    "index": 1e9,
}


def value_limit(unit: str) -> float:
    """The largest value a unit may hold: `BACKBONE_MAX_VALUE_<UNIT>` from the environment, else its default."""
    raw = os.environ.get(f"BACKBONE_MAX_VALUE_{unit.upper()}")
    try:
        return float(raw) if raw else VALUE_LIMIT_DEFAULTS[unit]
    except ValueError:
        return VALUE_LIMIT_DEFAULTS[unit]


def read_limit(name: str) -> int:
    """One reading limit: `BACKBONE_<NAME>` from the environment, else its default."""
    raw = os.environ.get(f"BACKBONE_{name}")
    return int(raw) if raw and raw.strip().isdigit() else READ_LIMIT_DEFAULTS[name]


# Sign-in. An idle session ends after BACKBONE_IDLE_TIMEOUT_S seconds without a page run (default 8 hours, a working
# day: directors keep the same limit, since they are the staff who work in the app all day).
IDLE_TIMEOUT_DEFAULT_S = 8 * 60 * 60
# How far back the sign-in record is shown to directors and printed by `users log` by default.
SIGN_IN_RECORD_DAYS = 90


def idle_timeout() -> timedelta:
    """How long a signed-in session may go without a page run before it must sign in again."""
    raw = os.environ.get("BACKBONE_IDLE_TIMEOUT_S", "").strip()
    return timedelta(seconds=int(raw) if raw.isdigit() and int(raw) > 0 else IDLE_TIMEOUT_DEFAULT_S)


def trusted_proxies() -> int:
    """How many reverse proxies stand in front of the app (`BACKBONE_TRUSTED_PROXIES`, default 0).

    With N > 0 a visitor's address is the Nth address from the right of X-Forwarded-For, which those proxies append;
    with 0 the header is ignored, since anyone can send it.
    """
    raw = os.environ.get("BACKBONE_TRUSTED_PROXIES", "").strip()
    return int(raw) if raw.isdigit() else 0
