"""Settings, read from the environment with defaults: the one place for paths and limits."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"


def db_path() -> str:
    """The store: `BACKBONE_DB`, default `data/backbone.duckdb` in the project."""
    return os.environ.get("BACKBONE_DB") or str(PROJECT_ROOT / "data" / "backbone.duckdb")


def uploads_dir(store_path: str | None = None) -> Path:
    """Where original uploaded files are kept: `BACKBONE_UPLOADS`, default `uploads/` beside the store."""
    configured = os.environ.get("BACKBONE_UPLOADS")
    if configured:
        return Path(configured)
    return Path(store_path or db_path()).resolve().parent / "uploads"


def autoload_demo() -> bool:
    """Whether the app loads the demo initiative into an empty store (`BACKBONE_DEMO=0` turns it off)."""
    return os.environ.get("BACKBONE_DEMO", "1") not in ("0", "false", "no")


# Small-cell threshold when the catalog names none (education and health practice: below ~10 is identifying).
DEFAULT_SUPPRESSION_THRESHOLD = 11
