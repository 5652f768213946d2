"""The sign-in record: who signed in, was refused, signed out or timed out; when, how and from which address."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

from backbone.store import database

if TYPE_CHECKING:  # only the reads return frames (database.query imports pandas)
    import pandas as pd

SIGN_IN, REFUSAL, SIGN_OUT, TIMEOUT = "sign-in", "refusal", "sign-out", "timeout"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LONGEST_EMAIL = 254  # RFC 5321's limit on a forward path


def who(typed: str | None) -> str | None:
    """What the record keeps of a typed email: the email when it is one, else nothing.

    Someone may type their password into the email box; text that is not an email address is never kept.
    """
    email = (typed or "").strip().lower()
    return email if len(email) <= LONGEST_EMAIL and EMAIL.match(email) else None


def add(cur: duckdb.DuckDBPyConnection, event: str, email: str | None, method: str | None, address: str | None = None,
        detail: str | None = None, now: datetime | None = None) -> None:
    """Write one line of the record inside the caller's transaction."""
    cur.execute("INSERT INTO sign_in_record VALUES (?, ?, ?, ?, ?, ?)",
                [now or datetime.now(), event, email, method, address, detail])


def record(event: str, email: str | None, method: str | None, address: str | None = None, detail: str | None = None,
           now: datetime | None = None, db: str | None = None) -> None:
    """Write one line of the record in a transaction of its own, kept even when the write it refused rolls back."""
    database.write_aside(lambda cur: add(cur, event, email, method, address, detail, now), db)


def recent(days: int, db: str | None = None, now: datetime | None = None) -> pd.DataFrame:
    """The record of the last `days` days, newest first: when, what, who, how, from where, why."""
    since = (now or datetime.now()) - timedelta(days=days)
    return database.query(
        """SELECT recorded_at AS "when", event AS "what", coalesce(email, '(not an email address)') AS "who",
                  coalesce(method, '') AS "how", coalesce(address, 'this computer') AS "from", coalesce(detail, '') AS "why"
           FROM sign_in_record WHERE recorded_at >= $since ORDER BY recorded_at DESC""",
        {"since": since}, path=db)
