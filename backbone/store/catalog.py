"""The catalog as the store holds it (metrics by code, name and alias; the community's places and its comparison
places; the fiscal year's first month), and the one transaction that updates it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

import duckdb

from backbone.store import database
from backbone.text import fold_label

DEFAULT_FISCAL_START = 7  # US states and school districts mostly run July-June fiscal years
METRIC_COLUMNS = ["metric_code", "name", "definition", "unit", "direction", "level", "activity", "component", "phase",
                  "horizon", "rba", "outcome_area", "source", "suppression_threshold", "notes", "updated_at", "frequency"]
PARTNER_COLUMNS = ["partner_code", "name", "sector", "contact", "updated_at", "fiscal_year_start"]


@dataclass(frozen=True)
class Metric:
    """What validation needs to know about a catalog metric."""

    code: str
    name: str
    unit: str
    direction: str
    frequency: str | None = None


@dataclass(frozen=True)
class Place:
    """A place the catalog names: the community's own ('community') or a benchmark ('comparison'), at a level."""

    name: str
    level: str | None
    role: str


class Catalog:
    """Metrics by code, with every name and alias partners may use for them; places by every name files use for them."""

    def __init__(self, metrics: list[Metric], aliases: list[tuple[str, str]], places: list[Place] = (),
                 place_aliases: list[tuple[str, str]] = (), fiscal_start: int = DEFAULT_FISCAL_START,
                 partner_fiscal_starts: dict[str, int] | None = None):
        self.metrics = {m.code: m for m in metrics}
        self._names: dict[str, str] = {}
        for metric in metrics:
            self._names[fold_label(metric.code)] = metric.code
            self._names[fold_label(metric.name)] = metric.code
        for code, alias in aliases:
            self._names.setdefault(fold_label(alias), code)
        self.places = {p.name: p for p in places}
        self._place_names: dict[str, str] = {fold_label(p.name): p.name for p in places}
        for name, alias in place_aliases:
            if name in self.places:
                self._place_names.setdefault(fold_label(alias), name)
        self.fiscal_start = fiscal_start
        self.partner_fiscal_starts = dict(partner_fiscal_starts or {})

    def __eq__(self, other: object) -> bool:
        """Same metrics, places and settings under the same names: a file checked against one is checked against the other."""
        return isinstance(other, Catalog) and all(getattr(self, a) == getattr(other, a) for a in (
            "metrics", "_names", "places", "_place_names", "fiscal_start", "partner_fiscal_starts"))

    @classmethod
    def from_store(cls, cur: duckdb.DuckDBPyConnection) -> Catalog:
        """The catalog as the store holds it now."""
        metrics = [Metric(*row) for row in cur.execute(
            "SELECT metric_code, name, unit, direction, frequency FROM metrics").fetchall()]
        aliases = [tuple(row) for row in cur.execute("SELECT metric_code, alias FROM metric_aliases").fetchall()]
        places = [Place(*row) for row in cur.execute("SELECT place, level, role FROM places ORDER BY place").fetchall()]
        place_aliases = [tuple(row) for row in cur.execute("SELECT place, alias FROM place_aliases").fetchall()]
        setting = cur.execute("SELECT max(value) FROM catalog_settings WHERE setting = 'fiscal_year_start_month'").fetchone()[0]
        starts = dict(cur.execute("SELECT partner_code, fiscal_year_start FROM partners WHERE fiscal_year_start IS NOT NULL"
                                  ).fetchall())
        return cls(metrics, aliases, places, place_aliases, int(setting) if setting else DEFAULT_FISCAL_START, starts)

    def fiscal_start_for(self, partner_code: str | None) -> int:
        """The first month of a partner's fiscal year: its own if the catalog gives one, else the catalog's."""
        return self.partner_fiscal_starts.get(partner_code or "", self.fiscal_start)

    def names(self) -> dict[str, str]:
        """Every folded metric name, code and alias -> metric code (for finding a metric named inside a title)."""
        return dict(self._names)

    def place(self, raw: object) -> Place | None:
        """The catalog place a file's label names (by name or alias), or None."""
        name = self._place_names.get(fold_label(raw))
        return self.places.get(name) if name else None

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
            cur.execute(f"INSERT INTO metrics ({', '.join(METRIC_COLUMNS)}) VALUES ({', '.join('?' * len(m))})", list(m))
        for code, alias in parsed.get("Aliases", []):
            cur.execute("INSERT INTO metric_aliases VALUES (?, ?)", [code, alias])
        for p in parsed.get("Partners", []):
            cur.execute("DELETE FROM partners WHERE partner_code = ?", [p[0]])
            cur.execute(f"INSERT INTO partners ({', '.join(PARTNER_COLUMNS)}) VALUES ({', '.join('?' * len(p))})", list(p))
        # The Places sheet is the whole list of the community's places and comparisons: it replaces the list.
        if "Places" in parsed:
            cur.execute("DELETE FROM places")
            cur.execute("DELETE FROM place_aliases")
            for name, level, role, _aliases in parsed["Places"]:
                cur.execute("INSERT INTO places VALUES (?, ?, ?)", [name, level, role])
            for name, _level, _role, aliases in parsed["Places"]:
                for alias in aliases:
                    cur.execute("INSERT INTO place_aliases VALUES (?, ?)", [name, alias])
        for setting, value in parsed.get("Settings", []):
            cur.execute("DELETE FROM catalog_settings WHERE setting = ?", [setting])
            cur.execute("INSERT INTO catalog_settings VALUES (?, ?)", [setting, value])
        # Roles, targets, milestones, expectations and boundaries are lists: a sheet replaces the whole list it covers.
        replace_whole = {"Roles": "backbone_roles", "Targets": "targets", "Milestones": "milestones", "Expected": "expectations",
                         "Boundaries": "boundaries"}
        for sheet, table in replace_whole.items():
            if sheet in parsed:
                cur.execute(f"DELETE FROM {table}")  # table names come from the fixed dict above
                for values in parsed[sheet]:
                    cur.execute(f"INSERT INTO {table} VALUES (" + ", ".join("?" * len(values)) + ")", list(values))
        # A new threshold or unit changes what may be shown.
        from backbone.store.privacy import refresh_public_outcomes  # the rules need pandas: imported when used

        refresh_public_outcomes(cur)
        cur.execute(
            "INSERT INTO uploads (upload_id, load_seq, kind, uploaded_by, uploaded_at, file_name, sha256, status, rows_loaded)"
            " VALUES (?, ?, 'catalog', ?, ?, ?, ?, 'loaded', ?)",
            [database.new_id(), database.next_load_seq(cur), uploaded_by, datetime.now(), file_name, sha256,
             sum(len(v) for v in parsed.values())],
        )

    database.write(write, db)
