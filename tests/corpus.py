"""The real-file corpus (tests/fixtures/real/*/case.json): each case's catalog, its file, the mapping it needs, and the
values a person read off the file by hand. Shared by the corpus tests and `python -m bench.corpus`.

case.json holds `file`, `partner` (optionally `partner_fiscal_year_start`), `catalog` (`metrics`: code, name, unit,
direction, aliases, frequency; `places`: place, level, role, aliases; optionally `settings`) and `checks` (metric,
period [with the `start` date it must have], geography, group, and `value` [with `approx`], `suppressed` (the mark), or
`absent`). `mapping.json`, when the
folder has one, is the mapping the file needs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import database

REAL = Path(__file__).resolve().parent / "fixtures" / "real"


@dataclass
class Case:
    """One real file, its catalog, its mapping (or None) and its hand-read values."""

    name: str
    folder: Path
    spec: dict

    @property
    def path(self) -> Path:
        return self.folder / self.spec["file"]

    @property
    def partner(self) -> str:
        return self.spec["partner"]

    @property
    def mapping(self) -> dict | None:
        path = self.folder / "mapping.json"
        return json.loads(path.read_text()) if path.exists() else None

    @property
    def checks(self) -> list[dict]:
        return self.spec["checks"]


def cases() -> list[Case]:
    """Every case of the corpus, by folder name."""
    return [Case(folder.name, folder, json.loads((folder / "case.json").read_text()))
            for folder in sorted(REAL.iterdir()) if (folder / "case.json").exists()]


def mapping_size(mapping: dict | None) -> int:
    """How many entries a person wrote: top-level keys, each table's keys and each declared code count one."""
    if not mapping:
        return 0
    size = 0
    for key, value in mapping.items():
        if isinstance(value, dict) and str(key).startswith(("sheet:", "table:")):
            size += mapping_size(value)  # each entry for the sheet or table
        elif key in ("codes", "tables") and isinstance(value, (dict, list)):
            size += len(value)  # each code declared, each table chosen
        else:
            size += 1
    return size


def catalog_workbook(case: Case, path: Path) -> Path:
    """The case's catalog as the catalog workbook a director would write."""
    catalog = case.spec["catalog"]
    book = Workbook()
    metrics = book.active
    metrics.title = "Metrics"
    metrics.append(["code", "name", "unit", "direction", "level", "aliases", "frequency"])
    for m in catalog["metrics"]:
        metrics.append([m["code"], m["name"], m["unit"], m.get("direction", "higher is better"), "community outcome",
                        "; ".join(m.get("aliases", [])), m.get("frequency")])
    partners = book.create_sheet("Partners")
    partners.append(["code", "name", "sector", "contact", "fiscal_year_start"])
    partners.append([case.partner, f"{case.partner} (agency)", "government", "data@example.org",
                     case.spec.get("partner_fiscal_year_start")])
    if catalog.get("places"):
        places = book.create_sheet("Places")
        places.append(["place", "level", "role", "aliases"])
        for p in catalog["places"]:
            places.append([p["place"], p["level"], p["role"], "; ".join(p.get("aliases", []))])
    if catalog.get("settings"):
        settings = book.create_sheet("Settings")
        settings.append(["setting", "value"])
        for key, value in catalog["settings"].items():
            settings.append([key, value])
    book.save(path)
    return path


def case_store(case: Case, directory: Path, db: str | None = None) -> str:
    """A store (new, in `directory`, unless `db` is given) holding the case's catalog and partner."""
    directory.mkdir(parents=True, exist_ok=True)
    if db is None:
        db = str(directory / "store.duckdb")
        os.environ["BACKBONE_UPLOADS"] = str(directory / "uploads")
        database.close_all()
    loaded = load_catalog_workbook(catalog_workbook(case, directory / "catalog.xlsx"), db=db)
    if loaded.errors:
        raise AssertionError(f"{case.name}: catalog rejected: {loaded.errors[:3]}")
    return db


@dataclass
class Outcome:
    """What one load of a case gave: its result, and which hand-read values came out right."""

    status: str
    result: object = None
    crash: str | None = None
    wrong: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return self.status == "loaded" and not self.wrong


def run_case(case: Case, directory: Path, with_mapping: bool) -> Outcome:
    """Load the case's file into a new store (with its mapping or none) and compare every hand-read value."""
    db = case_store(case, directory)
    try:
        result = ingest_file(case.path, case.partner, column_map=case.mapping if with_mapping else None, db=db)
    except Exception as exc:  # noqa: BLE001 - the corpus records a traceback as a result, it never stops on one
        return Outcome("crash", crash=f"{type(exc).__name__}: {exc}")
    outcome = Outcome(result.status, result)
    fault = next((e.message for e in result.errors if "a fault in Backbone" in e.message), None)
    if fault:  # the catch-all in ingest turned an exception into a finding: still a fault, counted as a crash
        return Outcome("crash", result, crash=fault)
    if result.status == "loaded":
        outcome.wrong = wrong_values(case, db)
    return outcome


def stored(db: str, check: dict) -> list[tuple]:
    """The current rows a check names: (value, numerator, denominator, suppressed, suppression_mark)."""
    return database.cursor(db).execute(
        """SELECT value, numerator, denominator, suppressed, suppression_mark FROM current_observations
           WHERE metric_code = ? AND period_label = ? AND geography = ? AND group_value = ?
             AND (? IS NULL OR period_start = CAST(? AS DATE))""",
        [check["metric"], check["period"], check["geography"], check.get("group", "All"), check.get("start"),
         check.get("start")]).fetchall()


def community(db: str, check: dict) -> list[tuple]:
    """community_outcomes' row for a check on 'Community': (value, numerator, denominator, suppressed)."""
    return database.cursor(db).execute(
        """SELECT value, numerator, denominator, suppressed, suppression_marks FROM community_outcomes
           WHERE metric_code = ? AND period_label = ? AND geography = 'Community' AND group_value = ?""",
        [check["metric"], check["period"], check.get("group", "All")]).fetchall()


def wrong_values(case: Case, db: str) -> list[str]:
    """Each hand-read value the store does not hold as read, in words."""
    wrong = []
    for check in case.checks:
        rows = stored(db, check) or (community(db, check) if check["geography"] == "Community" else [])
        where = f"{check['metric']} {check['period']} {check['geography']} {check.get('group', 'All')}"
        if check.get("absent"):
            if rows and any(r[0] is not None for r in rows):
                wrong.append(f"{where}: expected no value, found {rows}")
            continue
        if len(rows) != 1:
            wrong.append(f"{where}: expected one row, found {len(rows)}")
            continue
        value, numerator, denominator, suppressed, mark = rows[0]
        if "suppressed" in check:
            if not suppressed or value is not None or (mark or "").strip() != check["suppressed"]:
                wrong.append(f"{where}: expected suppressed '{check['suppressed']}', found {rows[0]}")
            continue
        tolerance = check.get("approx", 1e-9)
        if suppressed or value is None or abs(value - check["value"]) > tolerance:
            wrong.append(f"{where}: expected {check['value']}, found {rows[0]}")
        for key, got in (("numerator", numerator), ("denominator", denominator)):
            if key in check and got != check[key]:
                wrong.append(f"{where}: expected {key} {check[key]}, found {got}")
    return wrong
