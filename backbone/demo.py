"""The demo initiative: its workbooks in data/demo go through the same import path partners use."""

from __future__ import annotations

from pathlib import Path

import duckdb

from backbone import config, store
from backbone.catalog import load_catalog_workbook
from backbone.errors import BackboneError
from backbone.ingest import IngestResult, ingest_file

DEMO_USER = "demo loader"


def demo_workbooks(directory: Path | None = None) -> list[tuple[str, Path]]:
    """(partner code, workbook) for every partner workbook of the demo, in file order."""
    directory = directory or config.DEMO_DIR
    return [(path.stem.upper(), path) for path in sorted(directory.glob("*.xlsx")) if path.name != "catalog.xlsx"]


def load_demo(db: str | None = None, directory: Path | None = None) -> list[IngestResult]:
    """Load the demo catalog, then every demo partner workbook; raises if any of them is rejected."""
    directory = directory or config.DEMO_DIR
    loaded = load_catalog_workbook(directory / "catalog.xlsx", uploaded_by=DEMO_USER, db=db)
    if loaded.errors:
        raise BackboneError("The demo catalog was rejected: " + "; ".join(str(e) for e in loaded.errors[:5]))
    results = []
    for partner, path in demo_workbooks(directory):
        result = ingest_file(path, partner, uploaded_by=DEMO_USER, db=db)
        if result.status == "rejected":
            raise BackboneError(f"The demo workbook {path.name} was rejected: " + "; ".join(str(e) for e in result.errors[:5]))
        results.append(result)
    from backbone.slides import seed_demo_deck  # slides reads through queries, which imports this module

    seed_demo_deck(db)
    return results


def ensure_demo(db: str | None = None) -> bool:
    """Load the demo into an empty store when the settings allow; True when it was loaded now."""
    if not config.autoload_demo():
        return False
    # The lock: two sessions of one process; the claim: several processes opening one new lake at the same moment.
    with store.WRITE_LOCK:
        if not store.is_empty(db) or not store.write(_claim_demo, db):
            return False
        try:
            load_demo(db)
        except BaseException:
            # Let the next start try again (a load that failed wrote nothing of the workbook it failed on).
            store.write(lambda cur: cur.execute("UPDATE counters SET value = 0 WHERE name = 'demo_claimed'"), db)
            raise
        return True


def _claim_demo(cur: duckdb.DuckDBPyConnection) -> bool:
    # An update, not an insert: two processes updating one row conflict, so only one of them gets the claim.
    taken = cur.execute("SELECT value FROM counters WHERE name = 'demo_claimed'").fetchone()[0]
    if taken or cur.execute("SELECT count(*) FROM uploads").fetchone()[0]:
        return False
    cur.execute("UPDATE counters SET value = 1 WHERE name = 'demo_claimed'")
    return True
