"""What fastexcel does not give from an .xlsx: formulas without a saved value, % formats, merged cells, used range.

The sheet XML is scanned with byte regexes, and only for what the bytes show is there (a `<f`, a percent style):
a clean 200,000-row sheet costs one decompression and a few substring searches (~0.3 s), where openpyxl's read-only
mode would take ~15 s to walk every cell. (Error cells come from fastexcel itself: grid.py.)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join, normpath

from defusedxml import ElementTree

from backbone.errors import BackboneError

# A formula whose result was never saved (files written by scripts, or saved with calculation off).
NO_CACHED_VALUE = "\x00formula without a saved value"
_CELL_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?c\b"
_FORMULA_NO_VALUE = re.compile(
    _CELL_PREFIX + rb'[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
    rb"(?:<(?:\w+:)?v\s*/>\s*|<(?:\w+:)?v>\s*</(?:\w+:)?v>\s*)?</(?:\w+:)?c>"
)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*\br="(\d+)"')
# Built-in number formats that show a percent (ECMA-376 18.8.30): 9 is 0%, 10 is 0.00%.
_PERCENT_BUILTIN = {9, 10}


@dataclass
class SheetExtras:
    """Per sheet: cells to overwrite (0-based row, col -> text), %-formatted cells, merged ranges."""

    overrides: dict[tuple[int, int], str] = field(default_factory=dict)
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def column_index(letters: bytes | str) -> int:
    """'A' -> 0, 'XFD' -> 16383."""
    number = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(ch) - 64
    return number - 1


def refuse_entities(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse any XML part that declares a DOCTYPE or entities (billion laughs, external entities)."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as handle:
            head = handle.read(4096)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise BackboneError(
                f"'{name}' contains XML entity declarations, which spreadsheets never need and attacks use. "
                "Open it in Excel, save it as a new .xlsx and upload that copy."
            )


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML part inside the .xlsx."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    parts = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") or sheet.tag == "sheet":
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid)
            if target:
                parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
    return parts


def check_used_range(archive: zipfile.ZipFile, part: str, sheet: str, name: str, limits: dict[str, int]) -> None:
    """Refuse a sheet whose declared used range or last row is beyond the row, column or cell limits."""
    with archive.open(part) as handle:
        head = handle.read(4096)
    rows = cols = 0
    if match := _DIMENSION.search(head):
        last_col, last_row = (match.group(3), match.group(4)) if match.group(3) else (match.group(1), match.group(2))
        rows, cols = int(last_row), column_index(last_col) + 1
    check_used_range_numbers(rows, cols, sheet, name, limits)


def check_used_range_numbers(rows: int, cols: int, sheet: str, name: str, limits: dict[str, int]) -> None:
    if rows > limits["MAX_ROWS"] or cols > limits["MAX_COLUMNS"] or rows * cols > limits["MAX_CELLS"]:
        raise BackboneError(
            f"'{name}': sheet '{sheet}' uses a range of {rows:,} rows x {cols:,} columns, beyond Backbone's limits "
            f"({limits['MAX_ROWS']:,} rows, {limits['MAX_COLUMNS']:,} columns, {limits['MAX_CELLS']:,} cells). "
            "Something far below or right of your data (often one stray cell) makes it that big: delete the empty "
            "rows and columns after your data, or copy the data into a new workbook."
        )


def percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles (cellXfs) whose number format shows a percent."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    custom = {}
    for element in root.iter():
        if element.tag.endswith("}numFmt") or element.tag == "numFmt":
            code = re.sub(r'"[^"]*"|\\.', "", element.get("formatCode", ""))  # a quoted or escaped % is text
            custom[int(element.get("numFmtId", -1))] = "%" in code
    found = set()
    for element in root.iter():
        if element.tag.endswith("}cellXfs") or element.tag == "cellXfs":
            for index, xf in enumerate(child for child in element if child.tag.endswith("xf")):
                fmt = int(xf.get("numFmtId", 0))
                if fmt in _PERCENT_BUILTIN or custom.get(fmt):
                    found.add(index)
    return found


def scan_sheet(data: bytes, percent: set[int], sheet: str, name: str, limits: dict[str, int]) -> SheetExtras:
    """Formulas with no saved value, %-formatted cells and merged ranges of one sheet's XML."""
    extras = SheetExtras()
    last_row = data.rfind(b"<row ")
    if last_row < 0:
        last_row = max(data.rfind(b"<x:row "), 0)
    if match := _LAST_ROW.match(data, last_row):
        if int(match.group(1)) > limits["MAX_ROWS"]:
            check_used_range_numbers(int(match.group(1)), 1, sheet, name, limits)
    if b"<f" in data:
        for match in _FORMULA_NO_VALUE.finditer(data):
            extras.overrides[(int(match.group(2)) - 1, column_index(match.group(1)))] = NO_CACHED_VALUE
    if percent:
        styles = b"|".join(str(i).encode() for i in sorted(percent))
        pattern = re.compile(_CELL_PREFIX + rb'(?=[^>]*\bs="(?:' + styles + rb')")[^>]*\br="([A-Z]+)(\d+)"')
        for match in pattern.finditer(data):
            extras.percent_cells.add((int(match.group(2)) - 1, column_index(match.group(1))))
    start = data.rfind(b"<mergeCells")
    if start < 0:
        start = data.rfind(b":mergeCells")
    if start >= 0:
        for match in _MERGE.finditer(data, start):
            extras.merges.append((int(match.group(2)) - 1, column_index(match.group(1)),
                                  int(match.group(4)) - 1, column_index(match.group(3))))
    return extras


def precheck(path: Path, limits: dict[str, int]) -> tuple[dict[str, str], set[int]]:
    """Cheap refusals before any parser runs (entity declarations, huge used ranges); sheet parts and % styles."""
    try:
        with zipfile.ZipFile(path) as archive:
            refuse_entities(archive, path.name)
            parts = sheet_parts(archive)
            for sheet, part in parts.items():
                check_used_range(archive, part, sheet, path.name, limits)
            return parts, percent_styles(archive)
    except (KeyError, SyntaxError, ValueError):  # a part missing or not XML: fastexcel gives the real message
        return {}, set()
