"""The catalog workbook (metrics, partners, places, settings, roles, targets, milestones, expectations) read and
checked: all or nothing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from backbone import vocab
from backbone.errors import BackboneError, Finding
from backbone.intake import boundaries
from backbone.intake.reader.labels import level_of
from backbone.intake.reader.periods import parse_period
from backbone.intake.reader.sandbox import read_untrusted
from backbone.intake.staging import file_sha256, stage_upload
from backbone.store import database
from backbone.store.auth import User, require
from backbone.store.catalog import Catalog, Metric, write_catalog
from backbone.text import fold_label, is_blank, text_of

SHEET_COLUMNS = {
    "Metrics": ["code", "name", "definition", "unit", "direction", "level", "activity", "component", "phase",
                "horizon", "rba", "outcome_area", "aliases", "source", "suppression_threshold", "notes", "frequency"],
    "Partners": ["code", "name", "sector", "contact", "fiscal_year_start"],
    "Places": ["place", "level", "role", "aliases"],
    "Settings": ["setting", "value"],
    "Roles": ["partner", "role", "since", "note"],
    "Targets": ["metric", "geography", "dimension", "group", "year", "kind", "value"],
    "Milestones": ["phase", "component", "milestone", "status", "date", "note"],
    "Expected": ["partner", "metric", "period", "due", "received"],
    "Boundaries": ["file", "names", "source"],
}
REQUIRED_COLUMNS = {
    "Metrics": ["code", "name", "unit", "direction", "level"],
    "Partners": ["code", "name"],
    "Places": ["place", "role"],
    "Settings": ["setting", "value"],
    "Roles": ["partner", "role"],
    "Targets": ["metric", "year", "value"],
    "Milestones": ["phase", "component", "milestone"],
    "Expected": ["partner", "metric", "period"],
    "Boundaries": ["file"],
}


@dataclass
class CatalogLoad:
    """The outcome of loading a catalog workbook: rows per sheet, or the errors that stopped it."""

    counts: dict[str, int]
    errors: list[Finding]
    notes: list[str] = field(default_factory=list)  # what the load found worth saying, e.g. places not on the map


class SheetReader:
    """Rows of one sheet (header first) as dicts, with located errors for bad vocabulary (the catalog's and plans')."""

    def __init__(self, name: str, rows: list[list[object]], errors: list[Finding], required: list[str] | None = None):
        self.name, self.errors = name, errors
        header = [fold_label(h).replace(" ", "_") for h in (rows[0] if rows else [])]
        self.columns = {h: i for i, h in enumerate(header) if h}
        self.data = rows[1:]
        for column in REQUIRED_COLUMNS[name] if required is None else required:
            if column not in self.columns:
                errors.append(Finding(name, 1, column, f"the header row needs a '{column}' column"))

    def records(self):
        for offset, cells in enumerate(self.data, start=2):
            record = {c: (cells[i] if i < len(cells) else None) for c, i in self.columns.items()}
            if all(is_blank(v) for v in record.values()):
                continue
            yield offset, record

    def text(self, row: int, record: dict, column: str, required: bool = False) -> str | None:
        value = text_of(record.get(column))
        if required and not value:
            self.errors.append(Finding(self.name, row, column, f"'{column}' is empty; fill it in"))
        return value or None

    def choice(self, row: int, record: dict, column: str, vocabulary: dict[str, str], required: bool = False):
        raw = record.get(column)
        if is_blank(raw):
            if required:
                self.errors.append(Finding(self.name, row, column, f"'{column}' is empty; use one of {vocab.accepted(vocabulary)}"))
            return None
        code = vocab.lookup(vocabulary, raw)
        if code is None:
            self.errors.append(
                Finding(self.name, row, column, f"'{text_of(raw)}' is not a known {column}; use one of {vocab.accepted(vocabulary)}")
            )
        return code

    def number(self, row: int, record: dict, column: str, required: bool = False) -> float | None:
        raw = record.get(column)
        if is_blank(raw):
            if required:
                self.errors.append(Finding(self.name, row, column, f"'{column}' is empty; write a number"))
            return None
        try:
            return float(str(raw).replace(",", "").strip())
        except ValueError:
            self.errors.append(Finding(self.name, row, column, f"'{text_of(raw)}' is not a number"))
            return None

    def day(self, row: int, record: dict, column: str) -> date | None:
        raw = record.get(column)
        if is_blank(raw):
            return None
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(text_of(raw))
        except ValueError:
            self.errors.append(Finding(self.name, row, column, f"'{text_of(raw)}' is not a date; write it as 2024-07-01"))
            return None


def load_catalog_workbook(path: Path, uploaded_by: str = "cli", original_name: str | None = None, actor: User | None = None,
                          db: str | None = None, files: dict[str, bytes] | None = None) -> CatalogLoad:
    """Create or update metrics, partners, roles, targets, milestones, expectations and boundaries: all or nothing.

    A Boundaries sheet names its files: read from `files` (by name, as sent beside the workbook through the browser),
    or, when `files` is None (the command line), from the workbook's own folder.
    """
    require(actor, "edit")
    sheets = {sheet.name.strip(): sheet.rows for sheet in read_untrusted(Path(path), rows=True, name=original_name)}
    known = {name.lower(): name for name in sheets}
    errors: list[Finding] = []
    present = {name: sheets[known[name.lower()]] for name in SHEET_COLUMNS if name.lower() in known}
    if not present:
        raise BackboneError(
            f"'{original_name or path.name}' has none of the catalog sheets ({', '.join(SHEET_COLUMNS)}). "
            "Name the sheets exactly so, with a header row first."
        )
    readers = {name: SheetReader(name, rows, errors) for name, rows in present.items()}
    cur = database.cursor(db)
    parsed: dict[str, list[tuple]] = {}
    metric_codes = {r[0] for r in cur.execute("SELECT metric_code FROM metrics").fetchall()}
    partner_codes = {r[0] for r in cur.execute("SELECT partner_code FROM partners").fetchall()}

    if "Metrics" in readers:
        parsed["Metrics"], parsed["Aliases"] = _parse_metrics(readers["Metrics"])
        metric_codes |= {m[0] for m in parsed["Metrics"] if m[0]}
    if "Partners" in readers:
        parsed["Partners"] = _parse_partners(readers["Partners"])
        partner_codes |= {p[0] for p in parsed["Partners"] if p[0]}
    if "Places" in readers:
        parsed["Places"] = _parse_places(readers["Places"])
    if "Settings" in readers:
        parsed["Settings"] = _parse_settings(readers["Settings"])
    lookup = Catalog([Metric(m[0], m[1] or m[0], m[3], m[4]) for m in parsed.get("Metrics", [])], parsed.get("Aliases", []))
    existing = Catalog.from_store(cur)

    def metric_code(sheet: SheetReader, row: int, record: dict) -> str | None:
        raw = record.get("metric")
        found = lookup.find(raw) or existing.find(raw)
        if found is None:
            sheet.errors.append(Finding(sheet.name, row, "metric", f"'{text_of(raw)}' is not a metric in the catalog"))
            return None
        return found.code

    def partner_code(sheet: SheetReader, row: int, record: dict) -> str | None:
        code = text_of(record.get("partner")).upper()
        if code not in partner_codes:
            sheet.errors.append(Finding(sheet.name, row, "partner", f"'{code}' is not a partner code; add it to the Partners sheet first"))
            return None
        return code

    if "Roles" in readers:
        sheet = readers["Roles"]
        parsed["Roles"] = [
            (partner_code(sheet, row, r), sheet.choice(row, r, "role", vocab.BACKBONE_ROLES, True), sheet.day(row, r, "since"),
             sheet.text(row, r, "note"))
            for row, r in sheet.records()
        ]
    if "Targets" in readers:
        sheet = readers["Targets"]
        parsed["Targets"] = []
        for row, r in sheet.records():
            year = sheet.number(row, r, "year", True)
            parsed["Targets"].append((
                metric_code(sheet, row, r), sheet.text(row, r, "geography") or "Community",
                sheet.text(row, r, "dimension") or "All", sheet.text(row, r, "group") or "All",
                int(year) if year is not None else None,
                sheet.choice(row, r, "kind", vocab.TARGET_KINDS) or "target", sheet.number(row, r, "value", True),
            ))
    if "Milestones" in readers:
        sheet = readers["Milestones"]
        parsed["Milestones"] = [
            (database.new_id(), sheet.choice(row, r, "phase", vocab.PHASES, True),
             sheet.choice(row, r, "component", vocab.COMPONENTS, True), sheet.text(row, r, "milestone", True),
             sheet.choice(row, r, "status", vocab.MILESTONE_STATUSES) or "not_started", sheet.day(row, r, "date"),
             sheet.text(row, r, "note"), datetime.now())
            for row, r in sheet.records()
        ]
    if "Expected" in readers:
        sheet = readers["Expected"]
        parsed["Expected"] = []
        for row, r in sheet.records():
            period = parse_period(r.get("period"))
            if period is None:
                errors.append(Finding(sheet.name, row, "period", f"'{text_of(r.get('period'))}' is not a period (write 2019 or 2019-20)"))
            parsed["Expected"].append((partner_code(sheet, row, r), metric_code(sheet, row, r),
                                       period.label if period else None, sheet.day(row, r, "due"),
                                       sheet.day(row, r, "received")))
    notes: list[str] = []
    if "Boundaries" in readers:
        parsed["Boundaries"], notes = _parse_boundaries(readers["Boundaries"], None if files is not None else Path(path).parent,
                                                        files or {}, cur)
    if errors:
        return CatalogLoad({}, errors)
    counts = {name: len(rows) for name, rows in parsed.items() if name != "Aliases"}
    write_catalog(parsed, original_name or path.name, file_sha256(path), uploaded_by, db)
    return CatalogLoad(counts, [], notes)


def load_catalog_upload(data: bytes, file_name: str, actor: User, db: str | None = None,
                        files: dict[str, bytes] | None = None) -> CatalogLoad | str:
    """A catalog workbook sent through the browser (with the boundary files it names): its outcome, or why it could not be read."""
    require(actor, "edit")
    path = stage_upload(data, file_name, db)
    try:
        return load_catalog_workbook(path, uploaded_by=actor.email, original_name=file_name, actor=actor, db=db,
                                     files=files or {})
    except BackboneError as exc:
        return str(exc)
    finally:
        path.unlink(missing_ok=True)


def _parse_metrics(sheet: SheetReader) -> tuple[list[tuple], list[tuple[str, str]]]:
    metrics, aliases, seen = [], [], {}
    now = datetime.now()
    for row, r in sheet.records():
        code = sheet.text(row, r, "code", True)
        if code and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", code):
            sheet.errors.append(Finding(sheet.name, row, "code", f"'{code}' must be letters, digits and _ (e.g. kindergarten_readiness)"))
        if code in seen:
            sheet.errors.append(Finding(sheet.name, row, "code", f"'{code}' is already defined on row {seen[code]}"))
        seen[code] = row
        activity = sheet.choice(row, r, "activity", vocab.ACTIVITIES)
        threshold = sheet.number(row, r, "suppression_threshold")
        metrics.append((
            code, sheet.text(row, r, "name", True), sheet.text(row, r, "definition"),
            sheet.choice(row, r, "unit", vocab.UNITS, True), sheet.choice(row, r, "direction", vocab.DIRECTIONS, True),
            sheet.choice(row, r, "level", vocab.LEVELS, True), int(activity) if activity else None,
            sheet.choice(row, r, "component", vocab.COMPONENTS), sheet.choice(row, r, "phase", vocab.PHASES),
            sheet.choice(row, r, "horizon", vocab.HORIZONS), sheet.choice(row, r, "rba", vocab.RBA_QUESTIONS),
            sheet.text(row, r, "outcome_area"), sheet.text(row, r, "source"),
            int(threshold) if threshold is not None else None, sheet.text(row, r, "notes"), now,
            sheet.choice(row, r, "frequency", vocab.FREQUENCIES),
        ))
        for alias in (sheet.text(row, r, "aliases") or "").split(";"):
            if alias.strip() and code:
                aliases.append((code, alias.strip()))
    return metrics, aliases


def _parse_partners(sheet: SheetReader) -> list[tuple]:
    partners, seen = [], {}
    for row, r in sheet.records():
        code = (sheet.text(row, r, "code", True) or "").upper()
        if code and not re.fullmatch(r"[A-Z0-9_]+", code):
            sheet.errors.append(Finding(sheet.name, row, "code", f"'{code}' must be letters, digits and _ (e.g. HEALTHDEPT)"))
        if code in seen:
            sheet.errors.append(Finding(sheet.name, row, "code", f"'{code}' is already defined on row {seen[code]}"))
        seen[code] = row
        partners.append((code, sheet.text(row, r, "name", True), sheet.text(row, r, "sector"), sheet.text(row, r, "contact"),
                         datetime.now(), _month(sheet, row, r, "fiscal_year_start")))
    return partners


def _month(sheet: SheetReader, row: int, record: dict, column: str) -> int | None:
    raw = record.get(column)
    if is_blank(raw):
        return None
    month = vocab.month_number(raw)
    if month is None:
        sheet.errors.append(Finding(sheet.name, row, column, f"'{text_of(raw)}' is not a month; write 1-12 or a month's "
                                                             "name (July, 4 for April, 10 for October)"))
    return month


def _parse_places(sheet: SheetReader) -> list[tuple]:
    places, seen = [], {}
    for row, r in sheet.records():
        name = sheet.text(row, r, "place", True)
        folded = fold_label(name)
        if folded in seen:
            sheet.errors.append(Finding(sheet.name, row, "place", f"'{name}' is already listed on row {seen[folded]}"))
        seen[folded] = row
        level = sheet.text(row, r, "level")
        aliases = [a.strip() for a in (sheet.text(row, r, "aliases") or "").split(";") if a.strip()]
        places.append((name, level_of(level) or (level.lower() if level else None),
                       sheet.choice(row, r, "role", vocab.PLACE_ROLES, True), aliases))
    return places


SETTINGS = {"fiscal year start month": "fiscal_year_start_month", "fiscal year start": "fiscal_year_start_month"}


def _parse_settings(sheet: SheetReader) -> list[tuple[str, str]]:
    settings = []
    for row, r in sheet.records():
        key = SETTINGS.get(fold_label(r.get("setting")))
        if key is None:
            sheet.errors.append(Finding(sheet.name, row, "setting", f"'{text_of(r.get('setting'))}' is not a setting; "
                                        f"the settings are: {', '.join(sorted(set(SETTINGS.values())))}"))
            continue
        month = _month(sheet, row, r, "value")
        if month is not None:
            settings.append((key, str(month)))
    return settings


def _parse_boundaries(sheet: SheetReader, folder: Path | None, files: dict[str, bytes],
                      cur) -> tuple[list[tuple], list[str]]:
    """Each boundary file named in the sheet, read and checked against the store's places; one note per file.

    A file not sent again keeps the copy already stored under that name, so a downloaded catalog loads back as it is.
    """
    places = [r[0] for r in cur.execute("SELECT DISTINCT geography FROM current_observations "
                                        "WHERE geography NOT IN ('Community', 'Median of places')").fetchall()]
    rows, notes = [], []
    for row, r in sheet.records():
        name = sheet.text(row, r, "file", True)
        if name is None:
            continue
        data = files.get(Path(name).name)
        if data is None and folder is not None and (folder / name).is_file():
            data = (folder / name).read_bytes()
        names = sheet.text(row, r, "names")
        if data is None and (stored := boundaries.stored_boundary(cur, name)) is not None:
            data, names = stored.text.encode(), names or stored.name_property
        if data is None:
            where = f"in {folder}" if folder is not None else "beside the workbook (choose both files together)"
            sheet.errors.append(Finding(sheet.name, row, "file", f"'{name}' was not found {where}"))
            continue
        try:
            found = boundaries.read_boundaries(data, name, names, places)
        except BackboneError as exc:
            sheet.errors.append(Finding(sheet.name, row, "file", str(exc)))
            continue
        notes.append(boundaries.match_note(found, boundaries.place_match(found.area_names, places)))
        rows.append((name, found.format, found.object_name, found.name_property, sheet.text(row, r, "source"),
                     json.dumps(found.area_names), found.text, found.sha256, datetime.now()))
    return rows, notes
