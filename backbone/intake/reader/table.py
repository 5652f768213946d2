"""Find the header and the data block on each sheet, and decide what every column holds.

Handles the template (long), long tables with other header names, wide tables (a column per period or per metric),
and agency exports (title rows, headers over two or three merged rows, notes below the data). Where it cannot decide,
it says which column, what it guessed and what it needs; a partner's mapping (reader/mapping.py) settles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from backbone.errors import Finding
from backbone.intake.reader.grid import Grid
from backbone.intake.reader.mapping import FLAG_FIELD, IGNORE, TEMPLATE_FIELDS, ColumnSpec, Mapping, parse_mapping
from backbone.intake.reader.periods import parse_period
from backbone.text import fold_label

__all__ = ["IGNORE", "TEMPLATE_FIELDS", "Block", "Tables", "find_tables", "match_header"]

# Header words partners' systems use for the template's fields (folded: lower case, punctuation as spaces).
HEADER_SYNONYMS = {
    "metric": {"metric", "indicator", "measure", "metric name", "metric code", "indicator name", "measure name"},
    "period": {"period", "year", "school year", "sy", "time period", "reporting period", "fiscal year", "date",
               "academic year", "data year"},
    "geography": {"geography", "geo", "place", "area", "location", "neighborhood", "neighbourhood", "community",
                  "jurisdiction", "county", "county name", "district", "district name", "school", "school name"},
    "dimension": {"dimension", "disaggregation", "breakdown", "group type", "subgroup type", "category",
                  "student group type", "demographic type"},
    "group": {"group", "group value", "student group", "subgroup", "demographic", "population group",
              "race ethnicity", "race", "ethnicity", "gender", "sex"},
    "value": {"value", "rate", "percent", "pct", "result", "amount", "%"},
    "numerator": {"numerator", "num"},
    "denominator": {"denominator", "denom"},
    "note": {"note", "notes", "comment", "comments", "footnote"},
}
# A group column named after its dimension fixes the dimension too.
GROUP_DIMENSIONS = {"race ethnicity": "Race/ethnicity", "race": "Race/ethnicity", "ethnicity": "Race/ethnicity",
                    "gender": "Gender", "sex": "Gender"}
# Sheets of our own template that hold instructions and reference lists, not data.
REFERENCE_SHEETS = {"instructions", "metrics", "read me", "readme", "definitions"}
HEADER_SEARCH_ROWS = 40
MAX_HEADER_ROWS = 3
# Fields several columns may share: their texts are joined ("District / School").
JOINABLE = {"geography", "group", "note"}
# Headers that say a column holds data about individual people (Backbone takes aggregates only).
PERSONAL_HEADERS = [
    (re.compile(r"\b(first|last|middle|given|family|full|student|patient|child|client|participant|member|parent|guardian)"
                r" name\b|^(surname|forename)$"), "people's names"),
    (re.compile(r"\b(dob|date of birth|birth ?date|birthday)\b"), "dates of birth"),
    (re.compile(r"\b(ssn|social security|student (id|number|no)|patient (id|number)|mrn|medical record|record (number|no)"
                r"|case (number|no)|client id|member id|medicaid (id|number))\b"), "record numbers"),
    (re.compile(r"\b(e ?mail( address)?)\b"), "email addresses"),
    (re.compile(r"\b(phone|telephone|street address|home address)\b"), "phone numbers or addresses"),
]
EMAIL = r"^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$"
# A Y/N suppression flag: 'Suppressed', 'Suppression flag', 'SUPPRESSED4YR', 'Suppressed 5 Year', 'Suppressed (Y/N)'.
FLAG_HEADER = re.compile(r"^(is )?suppress(ed|ion)?( ?flag)?( ?y ?n)?( ?\d+ ?(yr|year)s?)?$")
FRACTION_HEADER = re.compile(r"\b(proportion|fraction|share 0 1|0 1)\b")


def match_header(text: object, overrides: dict[str, str] | None = None) -> str | None:
    """The template field a column header names (a partner's own mapping first), or None."""
    folded = fold_label(text)
    if overrides and folded in overrides:
        field_name = overrides[folded]
        return None if field_name == IGNORE else field_name
    for name, words in HEADER_SYNONYMS.items():
        if folded in words:
            return name
    return None


@dataclass
class Block:
    """One sheet's data for one value column: spreadsheet row numbers and, per field, a column of texts or a constant."""

    sheet: str
    rows: pa.Array
    fields: dict[str, pa.Array | str | None]
    headers: dict[str, str]
    percent_format: pa.Array | None = None
    fraction_header: bool = False

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Tables:
    """What the reader found: data blocks, sheets used and skipped (why), columns read, and remarks."""

    blocks: list[Block] = field(default_factory=list)
    sheets_used: list[str] = field(default_factory=list)
    sheets_skipped: dict[str, str] = field(default_factory=dict)
    columns_mapped: dict[str, dict[str, str]] = field(default_factory=dict)
    headers_seen: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    rows_not_data: int = 0
    mapping_keys_used: set[str] = field(default_factory=set)


@dataclass
class _Header:
    last_row: int  # 0-based index of the header's last row
    labels: dict[int, str]
    parts: dict[int, list[str]]
    specs: dict[int, ColumnSpec]
    guessed: dict[int, str]  # col -> how the field was decided ('mapping:key', 'header name', 'year header', 'metric name')
    score: int
    ambiguous: dict[str, list[int]] = field(default_factory=dict)  # mapping key -> the columns it names


def find_tables(grids: list[Grid], column_map: dict | None = None, catalog=None) -> Tables:
    """Locate the header and data block of every sheet and map its columns; `column_map` is a partner's mapping."""
    mapping = parse_mapping(column_map)
    found = Tables()
    for problem in mapping.problems:
        found.errors.append(Finding("(column mapping)", None, None, problem))
    for grid in grids:
        _read_sheet(grid, mapping, catalog, found)
    for key in sorted(set(mapping.columns) - found.mapping_keys_used):
        found.warnings.append(Finding("(column mapping)", None, mapping.written.get(key, key),
                                      "the mapping names this column, but no sheet has a header like it; check its "
                                      "spelling against the headers found"))
    if not found.sheets_used and not found.errors:
        first = grids[0].name if grids else "(none)"
        found.errors.append(Finding(
            first, None, None,
            "no sheet has a header row with metric, period and value columns. Download the template from the Upload "
            "page (or `python -m backbone template`) and copy your numbers into its Data sheet, or say what your "
            "columns hold with a column mapping.",
        ))
    return found


def _read_sheet(grid: Grid, mapping: Mapping, catalog, found: Tables) -> None:
    name = grid.name
    if name.strip().lower() in REFERENCE_SHEETS:
        found.sheets_skipped[name] = "reference sheet of the template (not data)"
        return
    head = [[_clean(c) for c in row] for row in grid.head(HEADER_SEARCH_ROWS)]
    if not any(any(row) for row in head):
        found.sheets_skipped[name] = "empty"
        return
    header = _best_header(grid, head, mapping, catalog)
    if header is None:
        first = next(row for row in head if any(row))
        found.headers_seen[name] = [c for c in first if c]
        found.sheets_skipped[name] = "no header row naming at least a metric, a period and a value column"
        return
    found.headers_seen[name] = [header.labels[c] for c in sorted(header.labels)]
    found.mapping_keys_used |= {how.split(":")[1] for how in header.guessed.values() if how.startswith("mapping:")}
    for key, cols in header.ambiguous.items():
        found.mapping_keys_used.add(key)
        found.errors.append(Finding(name, header.last_row + 1, header.labels[cols[0]],
                                    f"the mapping's '{mapping.written.get(key, key)}' names {len(cols)} columns ("
                                    + "; ".join(f"'{header.labels[c]}'" for c in cols)
                                    + "); use the whole header of the one you mean"))
    header_row = header.last_row + 1
    _personal_data(grid, header, found)
    specs = dict(header.specs)
    constants = dict(mapping.constants)
    title_period = _title_period(head, header)
    value_cols = [c for c, s in specs.items() if s.field == "value"]
    long_value = [c for c in value_cols if not s_fixed(specs[c])]
    if long_value:
        # A long table: year-like or metric-named headers beside a value column are other columns, not values.
        for col in [c for c in value_cols if c not in long_value and not header.guessed[c].startswith("mapping")]:
            specs.pop(col)
        value_cols = [c for c, s in specs.items() if s.field == "value"]
    for col in [c for c, s in specs.items() if s.field in constants and not header.guessed[c].startswith("mapping")]:
        specs.pop(col)  # the partner's constant beats a column guessed from its name
    by_field: dict[str, list[int]] = {}
    for col, spec in sorted(specs.items()):
        if spec.field not in ("value", IGNORE, FLAG_FIELD):
            by_field.setdefault(spec.field, []).append(col)
    for name_, cols in by_field.items():
        if len(cols) > 1 and not (name_ in JOINABLE and all(header.guessed[c].startswith("mapping") for c in cols)):
            for col in cols[1:]:
                found.warnings.append(Finding(name, header_row, header.labels[col],
                                              f"also looks like the {name_} column; only '{header.labels[cols[0]]}' is "
                                              f"read as {name_} (map this column if you meant otherwise)"))
                specs.pop(col)
            by_field[name_] = cols[:1]
    if len(long_value) > 1:
        for col in long_value[1:]:
            found.errors.append(Finding(name, header_row, header.labels[col],
                                        f"two columns are read as 'value' ('{header.labels[long_value[0]]}' and this one); "
                                        "map one of them to ignore, or give each its metric: {\"Header\": {\"metric\": \"...\"}}"))
        return
    missing = _missing_fields(by_field, value_cols, specs, constants, title_period)
    if missing:
        guessed = ", ".join(f"'{header.labels[c]}' as {_value_words(s) if s.field == 'value' else s.field}"
                            for c, s in sorted(specs.items()) if s.field != IGNORE)
        if len(missing) == 3:
            found.sheets_skipped[name] = "no header row naming at least a metric, a period and a value column"
            if guessed:
                found.warnings.append(Finding(name, header_row, None, f"read {guessed}, but found no metric, period or "
                                              "value column; say what the columns hold with a column mapping"))
            return
        found.sheets_skipped[name] = (f"header row {header_row} read {guessed or 'nothing'}, but no column or mapping "
                                      f"gives the {' or the '.join(missing)} (map a column, or name a constant such as "
                                      f"{{\"{missing[0]}\": \"=...\"}})")
        return
    if "period" not in by_field and "period" not in constants and title_period and not all(
            "period" in specs[c].fixed_fields for c in value_cols):
        constants["period"] = title_period[1]
        found.warnings.append(Finding(name, title_period[0] + 1, None,
                                      f"no period column: every value is read as period '{title_period[1]}' from the title"))
    flags = _flags_beside(value_cols, specs, by_field)
    for col in [c for c, s in specs.items() if s.field == FLAG_FIELD and c not in flags.values()]:
        specs.pop(col)
        found.warnings.append(Finding(name, header_row, header.labels[col],
                                      "a suppression flag, but beside no value column read, so it was not used"))
    for col, label in sorted(header.labels.items()):
        if col not in specs:
            found.warnings.append(Finding(name, header_row, label, "column not recognised, so it was not loaded"))
        elif specs[col].field == IGNORE:
            specs.pop(col)
    data_rows, notes = _data_rows(grid, header.last_row + 1, specs)
    if notes:
        found.rows_not_data += notes[0]
        found.warnings.append(Finding(name, notes[1], None,
                                      f"{notes[0]} row(s) with no values (titles, notes, sources) were not read as data; "
                                      f"the first says '{notes[2][:80]}'"))
    found.sheets_used.append(name)
    found.columns_mapped[name] = _columns_mapped(specs, header.labels, constants)
    for col in value_cols if value_cols else [None]:
        found.blocks.append(_block(grid, data_rows, col, specs, by_field, header, constants, flags.get(col)))


def _flags_beside(value_cols: list[int], specs: dict[int, ColumnSpec], by_field: dict[str, list[int]]) -> dict[int | None, int]:
    """The suppression-flag column of each value column (None: the block whose value comes from its counts).

    Agencies put a flag on one side of the columns it covers, the same side throughout (SUPPRESSED4YR, GRADS4YR,
    COHORT4YR, GRADRATE4YR, SUPPRESSED5YR, ...): a value column takes the nearest flag on that side, else the nearest.
    """
    flag_cols = sorted(c for c, s in specs.items() if s.field == FLAG_FIELD)
    if not flag_cols:
        return {}
    anchors = {col: col for col in value_cols} or {None: (by_field.get("numerator") or by_field.get("denominator") or [0])[0]}
    flags_after = min(anchors.values()) < flag_cols[0]
    flags = {}
    for key, anchor in anchors.items():
        before = [c for c in flag_cols if c < anchor]
        after = [c for c in flag_cols if c > anchor]
        preferred, other = (after[:1], before[-1:]) if flags_after else (before[-1:], after[:1])
        flags[key] = (preferred or other)[0]
    return flags


def s_fixed(spec: ColumnSpec) -> bool:
    """True when a value column fixes some field (a wide table's column)."""
    return bool(spec.fixed)


def _value_words(spec: ColumnSpec) -> str:
    return "values of " + ", ".join(f"{k} {v}" for k, v in spec.fixed) if spec.fixed else "value"


def _clean(cell: str | None) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _is_numberish(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,]*\.?\d+%?", text)) and not re.fullmatch(r"(19|20)\d\d", text)


def _best_header(grid: Grid, head: list[list[str]], mapping: Mapping, catalog) -> _Header | None:
    best: _Header | None = None
    merged = _merged_texts(grid, head)
    for index, row in enumerate(head):
        filled = [c for c in row if c]
        if len(filled) < 2 or sum(_is_numberish(c) for c in filled) * 2 > len(filled):
            continue
        band = [index]
        while len(band) < MAX_HEADER_ROWS and band[0] > 0:
            above = head[band[0] - 1]
            above_filled = [c for c in above if c] + [merged.get((band[0] - 1, c), "") for c in range(len(above)) if not above[c]]
            if len([c for c in above_filled if c]) < 2 or sum(_is_numberish(c) for c in above if c) * 2 > len([c for c in above if c]):
                break
            band.insert(0, band[0] - 1)
        header = _assign(band, head, merged, mapping, catalog)
        if header.score and (best is None or header.score > best.score):
            best = header
    return best


def _merged_texts(grid: Grid, head: list[list[str]]) -> dict[tuple[int, int], str]:
    """Text a merged header range shows over its covered cells (row, col) within the head."""
    texts = {}
    for top, left, bottom, right in grid.merges:
        if top >= len(head) or left >= len(head[top]) or not head[top][left]:
            continue
        for r in range(top, min(bottom, len(head) - 1) + 1):
            for c in range(left, min(right, len(head[r]) - 1) + 1):
                if (r, c) != (top, left):
                    texts[(r, c)] = head[top][left]
    return texts


def _assign(band: list[int], head: list[list[str]], merged: dict, mapping: Mapping, catalog) -> _Header:
    width = max(len(head[r]) for r in band)
    labels, parts, specs, guessed = {}, {}, {}, {}
    for col in range(width):
        pieces = []
        for r in band:
            text = (head[r][col] if col < len(head[r]) else "") or merged.get((r, col), "")
            if text and (not pieces or pieces[-1] != text):
                pieces.append(text)
        if not pieces:
            continue
        label = pieces[0]
        for piece in pieces[1:]:
            label = label[:-1] + piece if label.endswith("-") else f"{label} {piece}"
        labels[col], parts[col] = label, pieces
        spec, how = _decide(label, pieces, mapping, catalog)
        if spec:
            specs[col], guessed[col] = spec, how
    ambiguous = _ambiguous_keys(specs, guessed)
    score = sum(1 for s in specs.values() if s.field != IGNORE)
    return _Header(band[-1], labels, parts, specs, guessed, score, ambiguous)


def _ambiguous_keys(specs: dict[int, ColumnSpec], guessed: dict[int, str]) -> dict[str, list[int]]:
    """A mapping key naming several columns by one row of their header: the whole header wins, else it is ambiguous."""
    by_key: dict[str, list[int]] = {}
    for col, how in guessed.items():
        if how.startswith("mapping:"):
            by_key.setdefault(how.split(":")[1], []).append(col)
    ambiguous = {}
    for key, cols in by_key.items():
        if len(cols) < 2 or specs[cols[0]].field in JOINABLE | {IGNORE}:
            continue
        full = [c for c in cols if guessed[c].endswith(":full")]
        for col in cols:
            if col not in full[:1]:
                specs.pop(col)
                guessed.pop(col)
        if not full:
            ambiguous[key] = cols
    return ambiguous


def _decide(label: str, pieces: list[str], mapping: Mapping, catalog) -> tuple[ColumnSpec | None, str]:
    keys = [fold_label(label)] + [fold_label(p) for p in reversed(pieces)]
    for position, key in enumerate(keys):
        if key in mapping.columns:
            return mapping.columns[key], f"mapping:{key}" + (":full" if position == 0 else ":part")
    for key in keys[:2]:
        for name, words in HEADER_SYNONYMS.items():
            if key in words:
                return ColumnSpec(name), "header name"
        if FLAG_HEADER.match(key):
            return ColumnSpec(FLAG_FIELD), "header name"
    for text in (label, pieces[-1]):
        period = parse_period(text)
        if period is not None and re.search(r"\d{4}", text):
            return ColumnSpec("value", (("period", text),)), "year header"
    if catalog is not None:
        for text in (label, pieces[-1]):
            metric = catalog.find(text)
            if metric is not None:
                return ColumnSpec("value", (("metric", text),)), "metric name"
    return None, ""


def _missing_fields(by_field, value_cols, specs, constants, title_period) -> list[str]:
    missing = []
    fixed_everywhere = {f for f in ("metric", "period") if value_cols and all(f in specs[c].fixed_fields for c in value_cols)}
    if "metric" not in by_field and "metric" not in constants and "metric" not in fixed_everywhere:
        missing.append("metric")
    if "period" not in by_field and "period" not in constants and "period" not in fixed_everywhere and not title_period:
        missing.append("period")
    if not value_cols and not {"numerator", "denominator"} <= set(by_field):
        missing.append("value")
    return missing


def _title_period(head: list[list[str]], header: _Header) -> tuple[int, str] | None:
    """A period written alone in a title row above the header (an agency file's '2017-18')."""
    first_band_row = header.last_row - max(len(p) for p in header.parts.values()) + 1 if header.parts else header.last_row
    for index in range(first_band_row - 1, -1, -1):
        filled = [c for c in head[index] if c]
        if len(filled) == 1 and parse_period(filled[0]) is not None:
            return index, filled[0]
    return None


def _personal_data(grid: Grid, header: _Header, found: Tables) -> None:
    header_row = header.last_row + 1
    for col, label in sorted(header.labels.items()):
        folded = fold_label(label)
        for pattern, what in PERSONAL_HEADERS:
            if pattern.search(folded):
                found.errors.append(Finding(grid.name, header_row, label, _personal_message(what)))
                break
        else:
            sample = grid.table.column(col).slice(header_row, 200)
            if pc.any(pc.match_substring_regex(sample, EMAIL)).as_py():
                found.errors.append(Finding(grid.name, header_row, label, _personal_message("email addresses")))


def _personal_message(what: str) -> str:
    return (f"this column looks like {what}. Backbone takes aggregates only (counts and rates, never data about one "
            "person): delete the column and upload the file again")


def _nonblank(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False)


def _data_rows(grid: Grid, start: int, specs: dict[int, ColumnSpec]) -> tuple[pa.Array, tuple | None]:
    """Rows below the header holding a value, or at least two filled data columns; others are notes, counted."""
    body = grid.table.slice(start)
    value_cols = [c for c, s in specs.items() if s.field in ("value", "numerator", "denominator")]
    other_cols = [c for c, s in specs.items() if s.field not in ("value", "numerator", "denominator", IGNORE)]
    zero = pa.array([0] * body.num_rows, pa.int32())
    has_value = pc.greater(_count(body, value_cols, zero), 0)
    is_data = pc.or_(has_value, pc.greater_equal(_count(body, other_cols, zero), 2))
    any_filled = pc.greater(_count(body, list(range(body.num_columns)), zero), 0)
    note_mask = pc.and_(any_filled, pc.invert(is_data))
    indices = pc.indices_nonzero(is_data)
    notes = None
    count = pc.sum(note_mask).as_py() or 0
    if count:
        first = pc.indices_nonzero(note_mask)[0].as_py()
        text = next(t for t in (body.column(c)[first].as_py() for c in range(body.num_columns)) if t and t.strip())
        notes = (count, start + first + 1, " ".join(text.split()))
    return pc.add(indices, start + 1).cast(pa.int32()), notes


def _count(body: pa.Table, cols: list[int], zero: pa.Array) -> pa.Array:
    total = zero
    for col in cols:
        total = pc.add(total, pc.cast(_nonblank(body.column(col)), pa.int32()))
    return total


def _columns_mapped(specs: dict[int, ColumnSpec], labels: dict[int, str], constants: dict[str, str]) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for col, spec in sorted(specs.items()):
        key = spec.field if not spec.fixed else f"value ({', '.join(f'{k} {v}' for k, v in spec.fixed)})"
        mapped[key] = f"{mapped[key]} + {labels[col]}" if key in mapped else labels[col]
    for name, value in constants.items():
        mapped.setdefault(name, f"={value}")
    return mapped


def _block(grid: Grid, rows: pa.Array, value_col: int | None, specs: dict[int, ColumnSpec], by_field: dict[str, list[int]],
           header: _Header, constants: dict[str, str], flag_col: int | None = None) -> Block:
    index = pc.subtract(rows, 1)

    def take(col: int) -> pa.Array:
        return pc.take(grid.table.column(col), index).combine_chunks() if isinstance(
            grid.table.column(col), pa.ChunkedArray) else pc.take(grid.table.column(col), index)

    fields: dict[str, pa.Array | str | None] = {}
    headers: dict[str, str] = {}
    for name in TEMPLATE_FIELDS:
        cols = by_field.get(name, [])
        if name == "value":
            continue
        if len(cols) == 1:
            fields[name] = take(cols[0])
            headers[name] = header.labels[cols[0]]
        elif cols:
            fields[name] = pc.binary_join_element_wise(*[take(c) for c in cols], " / ", null_handling="skip")
            headers[name] = " + ".join(header.labels[c] for c in cols)
        elif name in constants:
            fields[name] = constants[name]
    for name in ("dimension",):
        if name not in fields and "group" in by_field and len(by_field["group"]) == 1:
            label = header.labels[by_field["group"][0]]
            # A group column headed 'Student group' or 'Race/Ethnicity' names its own dimension; the template's
            # bare 'group' does not (validation then files it under 'Group' with a warning).
            implied = GROUP_DIMENSIONS.get(fold_label(label)) or (
                None if fold_label(label) in HEADER_SYNONYMS["group"] - {"student group", "demographic"} else label)
            if implied:
                fields[name] = implied
    if flag_col is not None:
        fields[FLAG_FIELD] = take(flag_col)
        headers[FLAG_FIELD] = header.labels[flag_col]
    percent = None
    fraction = False
    if value_col is not None:
        fields["value"] = take(value_col)
        headers["value"] = header.labels[value_col]
        for name, text in specs[value_col].fixed:
            fields[name] = text
        fraction = bool(FRACTION_HEADER.search(fold_label(header.labels[value_col])))
        if grid.percent_cells:
            cells = {r + 1 for r, c in grid.percent_cells if c == value_col}
            if cells:
                percent = pc.is_in(rows, pa.array(sorted(cells), pa.int32()))
    else:
        fields["value"] = None
    return Block(grid.name, rows, fields, headers, percent, fraction)
