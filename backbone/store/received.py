"""What each partner has sent of each table (a metric in a period), kept by every load and undo: the Partners page's
counts and submission_status read it instead of grouping every observation in the store."""

from __future__ import annotations

import duckdb

from backbone.store import published


def keep(cur: duckdb.DuckDBPyConnection, tables: published.Tables, partner: str | None = None) -> None:
    """Put the given tables' rows of received_tables (all of them when None; one partner's only, when given) in place
    of kept_received_tables' rows, inside the caller's write transaction (after its observations and upload statuses
    changed): a load or an undo changes one partner's rows, so it regroups only that partner's values."""
    which = f"{published.where()} AND ($partner IS NULL OR partner_code = $partner)"
    codes = {**published.which(tables), "partner": partner}
    cur.execute(f"DELETE FROM kept_received_tables WHERE {which}", codes)
    cur.execute(f"INSERT INTO kept_received_tables BY NAME SELECT * FROM received_tables WHERE {which}", codes)
