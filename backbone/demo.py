"""The demo initiative: its workbooks in data/demo go through the same import path partners use."""

from __future__ import annotations

import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import duckdb

from backbone import config
from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import IngestResult, ingest_file
from backbone.intake.plan_workbook import load_plan_workbook
from backbone.show.slides import seed_demo_deck, seed_plan_deck
from backbone.store import database


def demo_workbooks(directory: Path | None = None) -> list[tuple[str, Path]]:
    """(partner code, workbook) for every partner workbook of the demo, in file order."""
    directory = directory or config.DEMO_DIR
    return [(path.stem.upper(), path) for path in sorted(directory.glob("*.xlsx")) if path.name != "catalog.xlsx"]


def load_demo(db: str | None = None, directory: Path | None = None) -> list[IngestResult]:
    """Load the demo catalog, then every demo partner workbook; raises if any of them is rejected."""
    directory = directory or config.DEMO_DIR
    loaded = load_catalog_workbook(directory / "catalog.xlsx", uploaded_by=config.DEMO_USER, db=db)
    if loaded.errors:
        raise BackboneError("The demo catalog was rejected: " + "; ".join(str(e) for e in loaded.errors[:5]))
    results = []
    for partner, path in demo_workbooks(directory):
        result = ingest_file(path, partner, uploaded_by=config.DEMO_USER, db=db)
        if result.status == "rejected":
            raise BackboneError(f"The demo workbook {path.name} was rejected: " + "; ".join(str(e) for e in result.errors[:5]))
        results.append(result)
    load_demo_plans(db, directory)
    seed_demo_deck(db)
    seed_plan_deck(db)
    return results


# When the demo's meetings were held: a table met at 10 in the morning.
MEETING_TIME = clock(10, 0)


def load_demo_plans(db: str | None = None, directory: Path | None = None) -> int:
    """Load the illustrative plans (data/demo/plans/plans-<date>.xlsx) in date order, each as of its meeting, through the
    path a table's plans workbook takes; returns how many workbooks were loaded."""
    paths = sorted(((directory or config.DEMO_DIR) / "plans").glob("plans-*.xlsx"))
    for path in paths:
        meeting = datetime.combine(date.fromisoformat(path.stem.removeprefix("plans-")), MEETING_TIME)
        loaded = load_plan_workbook(path, changed_by=config.DEMO_USER, db=db, now=meeting)
        if loaded.errors:
            raise BackboneError(f"The demo plans {path.name} were rejected: " + "; ".join(str(e) for e in loaded.errors[:5]))
    return len(paths)


# The demo claim (a row of `counters`): not taken, being loaded by some process, loaded.
DEMO_FREE, DEMO_LOADING, DEMO_LOADED = 0, 1, 2
# How long a process that found another one loading the demo waits for it before showing the store as it is.
DEMO_WAIT_S = 120


def ensure_demo(db: str | None = None) -> bool:
    """Load the demo into an empty store when the settings allow; True when it was loaded now (by this process)."""
    if not config.autoload_demo():
        return False
    # The lock: two sessions of one process; the claim: several processes opening one new lake at the same moment.
    with database.WRITE_LOCK:
        if not database.is_empty(db):
            return False
        if not database.write(_claim_demo, db):
            # Another process is loading it: wait, so that this process's first page opens on the demo too.
            _wait_for_demo(db)
            return False
        try:
            load_demo(db)
        except BaseException:
            # Let the next start try again (a load that failed wrote nothing of the workbook it failed on).
            _set_claim(db, DEMO_FREE)
            raise
        _set_claim(db, DEMO_LOADED)
        return True


def _claim_demo(cur: duckdb.DuckDBPyConnection) -> bool:
    # An update, not an insert: two processes updating one row conflict, so only one of them gets the claim.
    if _claim(cur) != DEMO_FREE or cur.execute("SELECT count(*) FROM uploads").fetchone()[0]:
        return False
    cur.execute("UPDATE counters SET value = ? WHERE name = 'demo_claimed'", [DEMO_LOADING])
    return True


def _claim(cur: duckdb.DuckDBPyConnection) -> int:
    return cur.execute("SELECT value FROM counters WHERE name = 'demo_claimed'").fetchone()[0]


def _set_claim(db: str | None, value: int) -> None:
    database.write(lambda cur: cur.execute("UPDATE counters SET value = ? WHERE name = 'demo_claimed'", [value]), db)


def _wait_for_demo(db: str | None) -> None:
    deadline = time.monotonic() + DEMO_WAIT_S
    while _claim(database.cursor(db)) == DEMO_LOADING and time.monotonic() < deadline:
        time.sleep(0.5)
