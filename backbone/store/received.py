"""What each partner has sent of each table (a metric in a period), kept by every load and undo: the Partners page's
counts and submission_status read it instead of grouping every observation in the store."""

from __future__ import annotations

import duckdb

from backbone.store import published


def keep(cur: duckdb.DuckDBPyConnection, tables: published.Tables) -> None:
    """Put the given tables' rows of received_tables (all of them when None) in place of kept_received_tables' rows,
    inside the caller's write transaction (after its observations and upload statuses changed)."""
    which, codes = published.where(), published.which(tables)
    cur.execute(f"DELETE FROM kept_received_tables WHERE {which}", codes)
    cur.execute(f"INSERT INTO kept_received_tables BY NAME SELECT * FROM received_tables WHERE {which}", codes)
