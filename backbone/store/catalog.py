"""The metric catalog as the store holds it (lookups by code, name and alias), and the one transaction that updates it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

import duckdb

from backbone.store import database
from backbone.store.privacy import refresh_public_outcomes
from backbone.text import fold_label


@dataclass(frozen=True)
class Metric:
    """What validation needs to know about a catalog metric."""

    code: str
    name: str
    unit: str
    direction: str


class Catalog:
    """Metrics by code, with every name and alias partners may use for them."""

    def __init__(self, metrics: list[Metric], aliases: list[tuple[str, str]]):
        self.metrics = {m.code: m for m in metrics}
        self._names: dict[str, str] = {}
        for metric in metrics:
            self._names[fold_label(metric.code)] = metric.code
            self._names[fold_label(metric.name)] = metric.code
        for code, alias in aliases:
            self._names.setdefault(fold_label(alias), code)

    def __eq__(self, other: object) -> bool:
        """Same metrics and same names for them: a file checked against one is checked against the other."""
        return isinstance(other, Catalog) and (self.metrics, self._names) == (other.metrics, other._names)

    @classmethod
    def from_store(cls, cur: duckdb.DuckDBPyConnection) -> Catalog:
        """The catalog as the store holds it now."""
        metrics = [Metric(*row) for row in cur.execute("SELECT metric_code, name, unit, direction FROM metrics").fetchall()]
        aliases = [tuple(row) for row in cur.execute("SELECT metric_code, alias FROM metric_aliases").fetchall()]
        return cls(metrics, aliases)

    def find(self, raw: object) -> Metric | None:
        """The metric a partner's cell names (code, name or alias), or None."""
        code = self._names.get(fold_label(raw))
        return self.metrics.get(code) if code else None

    def suggest(self, raw: object) -> list[str]:
        """Catalog metric names close to an unknown one, best first."""
        close = difflib.get_close_matches(fold_label(raw), list(self._names), n=3, cutoff=0.5)
        names: list[str] = []
        for folded in close:
            name = self.metrics[self._names[folded]].name
            if name not in names:
                names.append(name)
        return names


def write_catalog(parsed: dict[str, list[tuple]], file_name: str, sha256: str, uploaded_by: str, db: str | None) -> None:
    """Store a parsed catalog workbook (rows per sheet) by natural key, in one transaction (no constraints exist to do it for us)."""

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        for m in parsed.get("Metrics", []):
            cur.execute("DELETE FROM metrics WHERE metric_code = ?", [m[0]])
            cur.execute("DELETE FROM metric_aliases WHERE metric_code = ?", [m[0]])
            cur.execute("INSERT INTO metrics VALUES (" + ", ".join("?" * len(m)) + ")", list(m))
        for code, alias in parsed.get("Aliases", []):
            cur.execute("INSERT INTO metric_aliases VALUES (?, ?)", [code, alias])
        for p in parsed.get("Partners", []):
            cur.execute("DELETE FROM partners WHERE partner_code = ?", [p[0]])
            cur.execute("INSERT INTO partners VALUES (?, ?, ?, ?, ?)", list(p))
        # Roles, targets, milestones, expectations and boundaries are lists: a sheet replaces the whole list it covers.
        replace_whole = {"Roles": "backbone_roles", "Targets": "targets", "Milestones": "milestones", "Expected": "expectations",
                         "Boundaries": "boundaries"}
        for sheet, table in replace_whole.items():
            if sheet in parsed:
                cur.execute(f"DELETE FROM {table}")  # table names come from the fixed dict above
                for values in parsed[sheet]:
                    cur.execute(f"INSERT INTO {table} VALUES (" + ", ".join("?" * len(values)) + ")", list(values))
        # A new threshold or unit changes what may be shown.
        refresh_public_outcomes(cur)
        cur.execute(
            "INSERT INTO uploads (upload_id, load_seq, kind, uploaded_by, uploaded_at, file_name, sha256, status, rows_loaded)"
            " VALUES (?, ?, 'catalog', ?, ?, ?, ?, 'loaded', ?)",
            [database.new_id(), database.next_load_seq(cur), uploaded_by, datetime.now(), file_name, sha256,
             sum(len(v) for v in parsed.values())],
        )

    database.write(write, db)
