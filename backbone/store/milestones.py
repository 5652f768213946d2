"""Edits to the phase matrix's milestones from the Phases page."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from backbone.errors import BackboneError
from backbone.store import database
from backbone.store.auth import User, require
from backbone.vocab import COMPONENTS, MILESTONE_STATUSES, PHASES


def save_cell(phase: str, component: str, before: pd.DataFrame, after: pd.DataFrame, actor: User | None = None,
              db: str | None = None) -> int:
    """Write one cell's edited milestone list (added, changed and removed rows) in one transaction; returns rows changed."""
    require(actor, "edit")
    if phase not in PHASES or component not in COMPONENTS:
        raise BackboneError("Choose a phase and a component from the lists.")
    rows = after.to_dict("records")
    for number, row in enumerate(rows, start=1):
        if not str(row.get("title") or "").strip():
            raise BackboneError(f"Row {number}: a milestone needs a name.")
        if row.get("status") not in MILESTONE_STATUSES:
            raise BackboneError(f"Row {number}: choose a status ({', '.join(MILESTONE_STATUSES.values())}).")
    kept_ids = {row["milestone_id"] for row in rows if isinstance(row.get("milestone_id"), str)}
    previous = {row["milestone_id"]: row for row in before.to_dict("records")}

    def save(cur: duckdb.DuckDBPyConnection) -> int:
        changes = 0
        for milestone_id in set(previous) - kept_ids:
            cur.execute("DELETE FROM milestones WHERE milestone_id = ?", [milestone_id])
            changes += 1
        for row in rows:
            values = [row["title"].strip(), row["status"], _day(row.get("status_date")), row.get("note") or None]
            milestone_id = row.get("milestone_id")
            if not isinstance(milestone_id, str):
                cur.execute("INSERT INTO milestones VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [database.new_id(), phase, component, *values, datetime.now()])
                changes += 1
            elif _differs(previous[milestone_id], row):
                cur.execute("UPDATE milestones SET title = ?, status = ?, status_date = ?, note = ?, updated_at = ?"
                            " WHERE milestone_id = ?", [*values, datetime.now(), milestone_id])
                changes += 1
        return changes

    return database.write(save, db)


def _day(value: object) -> date | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()


def _differs(old: dict, new: dict) -> bool:
    return any(str(old.get(k) or "") != str(new.get(k) or "") for k in ("title", "status", "note")) or (
        _day(old.get("status_date")) != _day(new.get("status_date")))
