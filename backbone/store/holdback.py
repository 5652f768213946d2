"""Held-back tables: a new version of a table (a metric in a period) that, set beside the versions published before,
would let a hidden small number be worked out whatever else is hidden in it is not published. Its public rows stay
exactly as last published, nothing of it is recorded as published, and the store says which tables wait and why
(`held_back`); every later change to the table judges it again, and the first version that gives nothing away is
published and the record goes."""

from __future__ import annotations

import logging
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from backbone.store import published

log = logging.getLogger(__name__)
REASON = ("set beside the figures already published, the new figures would reveal a small number "
          "({cells} hidden {noun} could be worked out); the previous figures stay public until a later change "
          "can be published safely")


def as_published(cur: duckdb.DuckDBPyConnection, rows: pa.Table, held: dict | None) -> pa.Table:
    """`rows` (new public rows) with every held-back table's rows replaced by its public_outcomes rows as they are."""
    if not held:
        return rows
    params = published.which(list(held))
    cur.register("new_public_rows", rows)
    try:
        kept = cur.execute(f"""SELECT * FROM new_public_rows WHERE NOT {published.where()}
                               UNION ALL BY NAME
                               SELECT {', '.join(rows.column_names)} FROM public_outcomes WHERE {published.where()}""",
                           params).to_arrow_table()
    finally:
        cur.unregister("new_public_rows")
    return kept.select(rows.column_names)


def record(cur: duckdb.DuckDBPyConnection, tables: published.Tables, held: dict | None) -> None:
    """Inside the write transaction: the given tables' (all when None) hold-backs replaced by `held`; a table still
    held keeps the time it was first held."""
    codes = published.which(tables)
    since = dict(((m, p), t) for m, p, t in cur.execute(
        f"SELECT metric_code, period_label, held_since FROM held_back WHERE {published.where()}", codes).fetchall())
    cur.execute(f"DELETE FROM held_back WHERE {published.where()}", codes)
    if not held:
        return
    now = datetime.now()
    for (metric, period), cells in sorted(held.items()):
        log.warning("Held back %s, %s: its new figures would let %d hidden %s be worked out", metric, period, cells,
                    "cell" if cells == 1 else "cells")
    cur.register("new_held_back", pd.DataFrame(
        [{"metric_code": m, "period_label": p, "held_since": since.get((m, p), now), "judged_at": now, "cells": cells,
          "reason": REASON.format(cells=cells, noun="cell" if cells == 1 else "cells")}
         for (m, p), cells in sorted(held.items())]))
    cur.execute("INSERT INTO held_back BY NAME SELECT * FROM new_held_back")
    cur.unregister("new_held_back")


def held_now(cur: duckdb.DuckDBPyConnection, tables: published.Tables) -> dict:
    """The given tables (all when None) held back now: (metric, period) -> cells their new figures would give away."""
    return {(m, p): n for m, p, n in cur.execute(
        f"SELECT metric_code, period_label, cells FROM held_back WHERE {published.where()}", published.which(tables)).fetchall()}


def sentences(cur: duckdb.DuckDBPyConnection, held: dict | None) -> list[str]:
    """One plain sentence per held-back table, its metric by name."""
    if not held:
        return []
    names = dict(cur.execute("SELECT metric_code, name FROM metrics").fetchall())
    return [sentence(names.get(metric, metric), period) for metric, period in sorted(held)]


def sentence(metric: str, period: str) -> str:
    """Why a table (its metric by name, its period) shows its previous figures, in plain words."""
    return (f"{metric}, {period}: the new figures are held back from the public because, set beside the figures "
            "already published, they would reveal a small number; the previous figures stay public.")
