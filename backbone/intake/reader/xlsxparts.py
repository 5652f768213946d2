"""What fastexcel does not give from an .xlsx: formulas without a saved value, % formats, merged cells, used range.

The sheet XML is scanned with byte regexes, and only for what the bytes show is there (a `<f`, a percent style):
a clean 200,000-row sheet costs one decompression and a few substring searches (~0.3 s), where openpyxl's read-only
mode would take ~15 s to walk every cell. (Error cells come from fastexcel itself: grid.py.)

The bytes are untrusted, so every pattern is bounded: no repeat that can run past the next `<` or a fixed length,
and every search for a cell's start or end stays between one formula and the next, so a scan costs time in
proportion to the file however it is built (a pattern like `[^>]*` retried from each of thousands of unclosed `<c`
tags costs the cube of the file's length).
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
# Bounded pieces: a namespace prefix, an element's attributes (never past the next < or >, never longer than a real
# element's), a cell reference.
_PREFIX = rb"(?:[A-Za-z_][\w.-]{0,30}:)?"
_ATTRIBUTES = rb"([^<>]{0,2000})"
_REF = rb'\br="([A-Z]{1,3})(\d{1,7})"'
_CELL_START = re.compile(rb"<" + _PREFIX + rb"c[\s>/]")
_CELL_END = re.compile(rb"</" + _PREFIX + rb"c>")
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f\b" + _ATTRIBUTES + rb">")
_FORMULA_TEXT = re.compile(rb"<" + _PREFIX + rb"f\b[^<>]{0,2000}>([^<]{0,8192})<")
_SAVED_VALUE = re.compile(rb"<" + _PREFIX + rb"v>\s{0,100}[^<\s]")
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c\b" + _ATTRIBUTES + rb">")
_MERGE = re.compile(rb"<" + _PREFIX + rb'mergeCell\b[^<>]{0,2000}?\bref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
_DIMENSION = re.compile(rb"<" + _PREFIX + rb'dimension\b[^<>]{0,2000}?\bref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')
_LAST_ROW = re.compile(rb"<" + _PREFIX + rb'row\b[^<>]{0,2000}?\br="(\d{1,9})"')
# A DDE formula (application|topic!item) starts a program on the partner's machine when the workbook is opened; its
# saved value is whatever that program returned there.
_DDE = re.compile(rb"[A-Za-z0-9_.]{1,255}\|")
# Rows of a sheet in which table.py looks for a header, and with it for merged header text.
HEADER_ROWS_WITH_MERGES = 40
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
    """Formulas with no saved value, %-formatted cells and merged ranges of one sheet's XML; DDE formulas refused."""
    extras = SheetExtras()
    if b"<!--" in data:
        raise BackboneError(
            f"'{name}': sheet '{sheet}' contains XML comments, which spreadsheets never write and attacks use to hide "
            "markup. Open the file in Excel, save it as a new .xlsx and upload that copy."
        )
    last_row = data.rfind(b"<row ")
    if last_row < 0:
        last_row = max(data.rfind(b"<x:row "), 0)
    if match := _LAST_ROW.match(data, last_row):
        if int(match.group(1)) > limits["MAX_ROWS"]:
            check_used_range_numbers(int(match.group(1)), 1, sheet, name, limits)
    if b"<f" in data:
        _scan_formulas(data, extras, sheet, name)
    if percent:
        styles = b"|".join(str(i).encode() for i in sorted(percent))
        pattern = re.compile(rb"<" + _PREFIX + rb'c\b(?=[^<>]{0,2000}?\bs="(?:' + styles + rb')")[^<>]{0,2000}?' + _REF)
        for match in pattern.finditer(data):
            extras.percent_cells.add((int(match.group(2)) - 1, column_index(match.group(1))))
    start = data.rfind(b"<mergeCells")
    if start < 0:
        start = data.rfind(b":mergeCells")
    if start >= 0:
        for match in _MERGE.finditer(data, start):
            extras.merges.append((int(match.group(2)) - 1, column_index(match.group(1)),
                                  int(match.group(4)) - 1, column_index(match.group(3))))
        check_merges(extras.merges, sheet, name, limits)
    return extras


def _scan_formulas(data: bytes, extras: SheetExtras, sheet: str, name: str) -> None:
    """Each formula's cell, found between the previous formula and the next (so the whole scan reads the sheet about
    once): a formula with no saved value is marked; a DDE formula is refused, naming its cell."""
    formulas = [m.start() for m in _FORMULA.finditer(data)]
    for i, at in enumerate(formulas):
        previous = formulas[i - 1] if i else 0
        following = formulas[i + 1] if i + 1 < len(formulas) else len(data)
        starts = list(_CELL_START.finditer(data, previous, at))
        end = _CELL_END.search(data, at, following)
        if not starts or not end:
            continue
        cell = data[starts[-1].start():end.end()]
        tag = _CELL_TAG.match(cell)
        ref = re.search(_REF, tag.group(1)) if tag else None
        if ref is None:
            continue
        position = (int(ref.group(2)) - 1, column_index(ref.group(1)))
        text = _FORMULA_TEXT.search(cell)
        if text and _DDE.match(text.group(1).lstrip(b"= ")):
            raise BackboneError(
                f"'{name}': cell {ref.group(1).decode()}{ref.group(2).decode()} on sheet '{sheet}' is a DDE formula "
                f"({text.group(1)[:60].decode('utf-8', 'replace')}), which runs a program when the workbook opens; its "
                "value came from that program, not from your data. Replace it with the number itself and upload again."
            )
        if not _SAVED_VALUE.search(cell):
            extras.overrides[position] = NO_CACHED_VALUE


def check_merges(merges: list[tuple[int, int, int, int]], sheet: str, name: str, limits: dict[str, int]) -> None:
    """Refuse merged ranges a spreadsheet never writes: repeated, overlapping in the header rows, or more than the
    limit. What is left costs header finding (table.py) at most one step per cell of its header rows."""
    damaged = len(set(merges)) != len(merges)
    head_area = sum((min(bottom, HEADER_ROWS_WITH_MERGES - 1) - top + 1) * (min(right, limits["MAX_COLUMNS"]) - left + 1)
                    for top, left, bottom, right in merges if top < HEADER_ROWS_WITH_MERGES and left <= right)
    damaged |= head_area > HEADER_ROWS_WITH_MERGES * limits["MAX_COLUMNS"]
    if damaged:
        raise BackboneError(
            f"'{name}': sheet '{sheet}' has merged cells that overlap or repeat, which Excel never saves: the file is "
            "damaged or was not made by a spreadsheet. Copy the data into a new workbook and upload that."
        )
    if len(merges) > limits["MAX_MERGED_RANGES"]:
        raise BackboneError(
            f"'{name}': sheet '{sheet}' has {len(merges):,} merged ranges, more than Backbone reads "
            f"({limits['MAX_MERGED_RANGES']:,}). Unmerge the cells of the data (Home > Merge & Center) and upload again."
        )


def refuse_external_links(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a workbook whose values come from other files or programs (external links, DDE): their saved values are
    whatever the link gave on the partner's machine. The message names the link."""
    links = sorted(n for n in archive.namelist() if re.match(r"xl/externalLinks/externalLink\d+\.xml$", n))
    if not links:
        return
    part = links[0]
    rels = f"xl/externalLinks/_rels/{part.rsplit('/', 1)[1]}.rels"
    target = b""
    if rels in archive.namelist() and archive.getinfo(rels).file_size < 100_000:
        found = re.search(rb'Target="([^"<>]{1,300})"', archive.read(rels))
        target = found.group(1) if found else b""
    body = archive.read(part)[:100_000] if archive.getinfo(part).file_size < 10_000_000 else b""
    dde = re.search(rb'ddeService="([^"<>]{1,100})"(?:[^<>]{0,500}?ddeTopic="([^"<>]{0,300})")?', body)
    if dde:
        link = f"a DDE link to the program '{dde.group(1).decode('utf-8', 'replace')}'"
    else:
        link = f"a link to '{target.decode('utf-8', 'replace') or 'another workbook'}'"
    raise BackboneError(
        f"'{name}' takes values from outside itself ({link}{f' and {len(links) - 1} more' if len(links) > 1 else ''}): "
        "they are whatever the link gave on the computer that saved it. In Excel use Data > Edit Links > Break Link "
        "(or copy the cells and Paste Values), save, and upload that copy."
    )


def precheck(path: Path, limits: dict[str, int]) -> tuple[dict[str, str], set[int]]:
    """Cheap refusals before any parser runs (entity declarations, huge used ranges); sheet parts and % styles."""
    try:
        with zipfile.ZipFile(path) as archive:
            refuse_entities(archive, path.name)
            refuse_external_links(archive, path.name)
            parts = sheet_parts(archive)
            for sheet, part in parts.items():
                check_used_range(archive, part, sheet, path.name, limits)
            return parts, percent_styles(archive)
    except (KeyError, SyntaxError, ValueError):  # a part missing or not XML: fastexcel gives the real message
        return {}, set()
