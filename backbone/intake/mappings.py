"""Column mappings confirmed by a partner's successful load, remembered for that partner's next upload."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from backbone.intake.reader.mapping import headers_named
from backbone.store import database


def remember(cur: duckdb.DuckDBPyConnection, partner_code: str, mapping: dict, upload_id: str, by: str) -> None:
    """Record the mapping a load used (inside the load's transaction)."""
    cur.execute("INSERT INTO column_mappings VALUES (?, ?, ?, ?, ?, ?)",
                [database.new_id(), partner_code, json.dumps(mapping, sort_keys=True), upload_id, by, datetime.now()])


def remembered(cur: duckdb.DuckDBPyConnection, partner_code: str) -> tuple[dict, datetime] | None:
    """The partner's newest confirmed mapping and when it was confirmed, or None."""
    row = cur.execute("SELECT mapping_json, confirmed_at FROM column_mappings WHERE partner_code = ?"
                      " ORDER BY confirmed_at DESC LIMIT 1", [partner_code]).fetchone()
    return (json.loads(row[0]), row[1]) if row else None


def applies_to(mapping: dict, headers: set[str]) -> bool:
    """True when every column the mapping names is among a file's (folded) headers: the same layout again."""
    named = headers_named(mapping)
    return bool(named) and named <= headers or (not named and bool(mapping))
