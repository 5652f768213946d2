"""Find the data table on each sheet and map its columns onto the template's fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backbone.errors import Finding
from backbone.reader.cells import is_blank, text_of
from backbone.reader.workbook import Sheet

TEMPLATE_FIELDS = ("metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note")

# Header words partners' systems use for the template's fields (folded: lower case, punctuation as spaces).
HEADER_SYNONYMS = {
    "metric": {"metric", "indicator", "measure", "metric name", "metric code", "indicator name", "measure name"},
    "period": {"period", "year", "school year", "sy", "time period", "reporting period", "fiscal year", "date"},
    "geography": {"geography", "geo", "place", "area", "location", "neighborhood", "neighbourhood", "community"},
    "dimension": {"dimension", "disaggregation", "breakdown", "group type", "subgroup type", "category"},
    "group": {"group", "group value", "student group", "subgroup", "demographic", "population group"},
    "value": {"value", "rate", "percent", "pct", "result", "amount"},
    "numerator": {"numerator", "num"},
    "denominator": {"denominator", "denom"},
    "note": {"note", "notes", "comment", "comments", "footnote"},
}
# Sheets of our own template that hold instructions and reference lists, not data.
REFERENCE_SHEETS = {"instructions", "metrics", "read me", "readme", "definitions"}
HEADER_SEARCH_ROWS = 30


def fold_header(text: object) -> str:
    """A header as words: lower case, punctuation and line breaks as single spaces."""
    return re.sub(r"[^a-z0-9%]+", " ", text_of(text).lower()).strip()


IGNORE = "ignore"


def match_header(text: object, overrides: dict[str, str] | None = None) -> str | None:
    """The template field a column header names (a partner's own mapping first), or None."""
    folded = fold_header(text)
    if overrides and folded in overrides:
        field_name = overrides[folded]
        return None if field_name == IGNORE else field_name
    for name, words in HEADER_SYNONYMS.items():
        if folded in words:
            return name
    return None


@dataclass
class TableRow:
    """One data row: its spreadsheet row number and the raw cell under each mapped field."""

    sheet: str
    row: int
    cells: dict[str, object]
    headers: dict[str, str]


@dataclass
class Tables:
    """What the reader found in a workbook: data rows, sheets used and skipped, and remarks."""

    rows: list[TableRow] = field(default_factory=list)
    sheets_used: list[str] = field(default_factory=list)
    sheets_skipped: dict[str, str] = field(default_factory=dict)
    columns_mapped: dict[str, dict[str, str]] = field(default_factory=dict)
    # Per sheet, the header row found (or the first filled row, where none was): what a mapping can name.
    headers_seen: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)


def find_tables(sheets: list[Sheet], overrides: dict[str, str] | None = None) -> Tables:
    """Locate the header row and data rows of every sheet that holds template-shaped data.

    `overrides` maps a column header (any case or punctuation) to a template field or 'ignore'.
    """
    overrides = {fold_header(header): name for header, name in (overrides or {}).items()}
    found = Tables()
    for sheet in sheets:
        if sheet.name.strip().lower() in REFERENCE_SHEETS:
            found.sheets_skipped[sheet.name] = "reference sheet of the template (not data)"
            continue
        header_index, mapping = _find_header(sheet, overrides)
        if header_index is None:
            first_filled = next((r for r in sheet.rows[:HEADER_SEARCH_ROWS] if any(not is_blank(c) for c in r)), [])
            found.headers_seen[sheet.name] = [text_of(c) for c in first_filled if not is_blank(c)]
            reason = "empty" if not any(any(not is_blank(c) for c in r) for r in sheet.rows) else (
                "no header row naming at least a metric, a period and a value column"
            )
            found.sheets_skipped[sheet.name] = reason
            continue
        header_row = sheet.rows[header_index]
        headers = {name: text_of(header_row[col]) for name, col in mapping.items()}
        found.headers_seen[sheet.name] = [text_of(c) for c in header_row if not is_blank(c)]
        found.sheets_used.append(sheet.name)
        found.columns_mapped[sheet.name] = headers
        for col, raw in enumerate(header_row):
            if not is_blank(raw) and col not in mapping.values():
                found.warnings.append(
                    Finding(sheet.name, header_index + 1, text_of(raw), "column not recognised, so it was not loaded")
                )
        for offset, cells in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
            values = {name: (cells[col] if col < len(cells) else None) for name, col in mapping.items()}
            if all(is_blank(v) for v in values.values()):
                continue
            found.rows.append(TableRow(sheet.name, offset, values, headers))
    if not found.sheets_used:
        found.errors.append(
            Finding(
                sheets[0].name if sheets else "(none)",
                None,
                None,
                "no sheet has a header row with metric, period and value columns. Download the template from the "
                "Upload page (or `python -m backbone template`) and copy your numbers into its Data sheet.",
            )
        )
    return found


def _find_header(sheet: Sheet, overrides: dict[str, str]) -> tuple[int | None, dict[str, int]]:
    for index, cells in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[str, int] = {}
        for col, raw in enumerate(cells):
            name = match_header(raw, overrides)
            if name and name not in mapping:
                mapping[name] = col
        has_value = "value" in mapping or {"numerator", "denominator"} <= set(mapping)
        if "metric" in mapping and "period" in mapping and has_value:
            return index, mapping
    return None, {}
