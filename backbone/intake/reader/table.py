"""Find the tables on each sheet (one or several, stacked, each with its title rows, header and notes), and decide what
every column holds.

Handles the template (long), long tables with other header names, wide tables (a column per period, metric, place
or group), and agency exports (title rows, headers over two or three merged rows, notes below the data, several tables
on one sheet, a label that applies to the rows below it). Where it cannot decide, it says which column, what it
guessed and what it needs; a partner's mapping (reader/mapping.py) settles it, for the whole file, a sheet or a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from backbone.errors import Finding
from backbone.intake.reader import columns as cols
from backbone.intake.reader.grid import Grid
from backbone.intake.reader.labels import clean_label, dimension_of_groups, label_key
from backbone.intake.reader.mapping import FLAG_FIELD, IGNORE, TEMPLATE_FIELDS, UNIT_FIELD, ColumnSpec, Mapping, parse_mapping
from backbone.intake.reader.periods import period_in_text, read_period
from backbone.text import fold_label

__all__ = ["IGNORE", "TEMPLATE_FIELDS", "Block", "Tables", "find_tables"]

# Sheets of our own template that hold instructions and reference lists, not data.
REFERENCE_SHEETS = {"instructions", "metrics", "read me", "readme", "definitions", "contents", "table of contents",
                    "cover", "cover sheet", "notes", "metadata", "about"}
HEADER_SEARCH_ROWS = 40
MAX_HEADER_ROWS = 3
SAMPLE_ROWS = 300
# Fields several columns may share: their texts are joined ("District / School").
JOINABLE = {"geography", "group", "note", "metric"}
LABEL_FIELDS = ("metric", "period", "geography", "dimension", "group")
# A row-kind column ('Uncertainty': 95%CI, RSE): rows it marks are statistics about an estimate, not observations.
ROW_KIND = "row kind"
# Headers that say a column holds data about individual people (Backbone takes aggregates only).
PERSONAL_HEADERS = [
    (re.compile(r"\b(first|last|middle|given|family|full|student|patient|child|client|participant|member|parent|guardian)"
                r" name\b|^(surname|forename)$"), "people's names"),
    (re.compile(r"\b(dob|date of birth|birth ?date|birthday)\b"), "dates of birth"),
    (re.compile(r"\b(ssn|social security|student (id|number|no)|patient (id|number)|mrn|medical record|record (number|no)"
                r"|case (number|no)|client id|member id|medicaid (id|number))\b"), "record numbers"),
    (re.compile(r"\b(e ?mail( address)?)\b"), "email addresses"),
    (re.compile(r"\b(home address|home phone|mobile|cell phone)\b"), "people's addresses or phone numbers"),
]
EMAIL = r"^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$"
FRACTION_HEADER = re.compile(r"\b(proportion|fraction|share 0 1|0 1)\b")
# A note explaining a code: '(-) States with low entry counts ... were excluded.', 'x = suppressed', '‡ Reporting
# standards not met.', '4.  (--) Missing data'.
_LEGEND = re.compile(r"^\s*(?:\d{1,2}[.)]\s*)?\(?\s*([^\w\s()]{1,3}|[a-z]{1,2}|n/a|\.\s?\.)\s*\)?\s*(?:=|:|-|–|means)?\s+(.{4,})$",
                     re.IGNORECASE)
_LEGEND_SUPPRESSED = re.compile(r"suppress|withheld|not shown|not published|confidential|low (?:entry )?counts?|"
                                r"small (?:number|count|cell)|too small|fewer than|less than \d|excluded|standards not met|"
                                r"not released|protect|disclos|unreliable|not reportable", re.IGNORECASE)
_LEGEND_MISSING = re.compile(r"missing|not available|not applicable|no data|not collected|not reported|unavailable",
                             re.IGNORECASE)


@dataclass
class Block:
    """One table's data for one value column: spreadsheet row numbers and, per field, a column of texts or a constant."""

    sheet: str
    rows: pa.Array
    fields: dict[str, pa.Array | str | None]
    headers: dict[str, str]
    percent_format: pa.Array | None = None
    fraction_header: bool = False
    codes: dict[str, str] = field(default_factory=dict)  # the partner's or the file's own codes: folded -> kind
    title: str = ""

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Tables:
    """What the reader found: data blocks, sheets (and tables) used and skipped (why), columns read, and remarks."""

    blocks: list[Block] = field(default_factory=list)
    sheets_used: list[str] = field(default_factory=list)
    sheets_skipped: dict[str, str] = field(default_factory=dict)
    columns_mapped: dict[str, dict[str, str]] = field(default_factory=dict)
    headers_seen: dict[str, list[str]] = field(default_factory=dict)
    table_titles: dict[str, str] = field(default_factory=dict)  # each table's key -> its nearest title row ('' if none)
    warnings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    rows_not_data: int = 0
    mapping_keys_used: set[str] = field(default_factory=set)


@dataclass
class _Header:
    last_row: int  # 0-based index of the header's last row (in the grid)
    first_row: int
    labels: dict[int, str]
    parts: dict[int, list[str]]
    specs: dict[int, ColumnSpec]
    guessed: dict[int, str]  # col -> how the field was decided ('mapping:key', 'header name', 'year header', ...)
    score: int
    ambiguous: dict[str, list[int]] = field(default_factory=dict)  # mapping key -> the columns it names
    bottom_cols: set[int] = field(default_factory=set)  # columns with a label in the header's last row


@dataclass
class _Table:
    """One table being read: where it is, what its titles say, what its columns hold."""

    grid: Grid
    key: str  # how findings and the result name it: the sheet, or 'Sheet, table at row N'
    header: _Header
    end: int  # 0-based row after its last row
    titles: list[tuple[int, str]]  # (0-based row, text), nearest first
    mapping: Mapping
    sheet_titles: list[tuple[int, str]] = field(default_factory=list)  # the first table's titles, for the others
    data_start: int = -1  # 0-based first row of data: below the header, or below labels found above it
    specs: dict[int, ColumnSpec] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    sample: list[list[str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.data_start < 0:
            self.data_start = self.header.last_row + 1

    @property
    def title(self) -> str:
        return self.titles[0][1] if self.titles else ""

    def column_sample(self, col: int) -> list[str | None]:
        return [row[col] if col < len(row) else None for row in self.sample]


def find_tables(grids: list[Grid], column_map: dict | None = None, catalog=None) -> Tables:
    """Locate the tables of every sheet and map their columns; `column_map` is a partner's mapping."""
    mapping = parse_mapping(column_map)
    found = Tables()
    for problem in mapping.problems:
        found.errors.append(Finding("(column mapping)", None, None, problem))
    for grid in grids:
        _read_sheet(grid, mapping, catalog, found)
    for key in sorted(mapping.all_column_keys() - found.mapping_keys_used):
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
    if fold_label(name) in REFERENCE_SHEETS and fold_label(name) not in mapping.tables:
        found.sheets_skipped[name] = "reference sheet (instructions, contents or notes, not data)"
        return
    if not grid.height:
        found.sheets_skipped[name] = "empty"
        return
    start, count = 0, 0
    sheet_titles: list[tuple[int, str]] = []
    while start < grid.height:
        head = [[_clean(c) for c in row] for row in grid.rows(start, HEADER_SEARCH_ROWS)]
        if not any(any(row) for row in head):
            if count == 0:
                found.sheets_skipped[name] = "empty"
            return
        # Entries scoped to a table apply to its header too: the table is known by title rows before its header.
        sheet_mapping = mapping.scoped(name, " ".join(_single_texts(head[:12])))
        header = _best_header(grid, head, start, sheet_mapping, catalog)
        if header is None:
            if count == 0:
                first = next(row for row in head if any(row))
                found.headers_seen[name] = [c for c in first if c]
                found.sheets_skipped[name] = "no header row naming at least a metric, a period and a value column"
            return
        titles = _titles(grid, head, start, header)
        if count == 0:
            sheet_titles = titles  # the sheet's own title rows: what every table on it is about, after its own
        title = titles[0][1] if titles else ""
        title_words = " ".join(t for _, t in titles[:3])
        table_mapping = mapping.scoped(name, title_words)
        if table_mapping is not sheet_mapping:
            header = _best_header(grid, head, start, table_mapping, catalog) or header
        end = _table_end(grid, header, catalog, table_mapping)
        count += 1
        key = name if count == 1 else f"{name}, table at row {header.first_row + 1}"
        found.table_titles[key] = title
        if mapping.chooses(name, title_words):
            table = _Table(grid, key, header, end, titles, table_mapping,
                           sheet_titles=[t for t in sheet_titles if t not in titles])
            _read_table(table, catalog, found)
        else:
            found.sheets_skipped[key] = f"not among the tables the mapping chooses ('{title[:60]}')"
        start = max(end, header.last_row + 1)


def _single_texts(rows: list[list[str]]) -> list[str]:
    """The texts of rows holding one text only (titles, subtitles, notes), in order."""
    return [texts[0] for row in rows if len(texts := [c for c in row if c]) == 1]


def _titles(grid: Grid, head: list[list[str]], start: int, header: _Header) -> list[tuple[int, str]]:
    """Rows between where the table's search began and its header holding one text (its title, subtitle, period),
    nearest first."""
    titles = []
    for index in range(header.first_row - start - 1, -1, -1):
        filled = [c for c in head[index] if c]
        if len(set(filled)) == 1:
            titles.append((start + index, filled[0]))
    return titles


def _read_table(table: _Table, catalog, found: Tables) -> None:
    grid, header, key, mapping = table.grid, table.header, table.key, table.mapping
    found.headers_seen[key] = [header.labels[c] for c in sorted(header.labels)]
    found.mapping_keys_used |= {how.split(":")[1] for how in header.guessed.values() if how.startswith("mapping:")}
    for mkey, columns in header.ambiguous.items():
        found.mapping_keys_used.add(mkey)
        found.errors.append(Finding(grid.name, header.last_row + 1, header.labels[columns[0]],
                                    f"the mapping's '{mapping.written.get(mkey, mkey)}' names {len(columns)} columns ("
                                    + "; ".join(f"'{header.labels[c]}'" for c in columns)
                                    + "); use the whole header of the one you mean"))
    header_row = header.last_row + 1
    _personal_data(grid, header, found)
    rows = _sample_rows(grid, header.last_row + 1, table.end)
    # The rows that can be data (two cells or more): notes below the table do not count as labels of a column.
    table.sample = [row for row in ([(_clean(c) or None) for c in r] for r in rows) if sum(1 for c in row if c) >= 2]
    if _labels_above(table):
        rows = _sample_rows(grid, table.data_start, table.end)
        table.sample = [row for row in ([(_clean(c) or None) for c in r] for r in rows)
                        if sum(1 for c in row if c) >= 2]
    table.specs, table.constants = dict(header.specs), dict(mapping.constants)
    _by_cells(table, catalog)
    specs, constants = table.specs, table.constants
    value_cols = [c for c, s in specs.items() if s.field == "value"]
    long_value = [c for c in value_cols if not s_fixed(specs[c])]
    if long_value and len(long_value) < len(value_cols) and all(header.guessed.get(c) == "header part" for c in long_value):
        # A wide table whose columns name metrics: a 'Percent' under a group the catalog does not know is another
        # measure, not the table's value column.
        for col in long_value:
            specs.pop(col)
        long_value = []
        value_cols = [c for c, s in specs.items() if s.field == "value"]
    if long_value:
        # A long table: year-like or metric-named headers beside a value column are other columns, not values.
        for col in [c for c in value_cols if c not in long_value and not header.guessed.get(c, "").startswith("mapping")]:
            specs.pop(col)
        value_cols = [c for c, s in specs.items() if s.field == "value"]
    for col in [c for c, s in specs.items() if s.field in constants and not header.guessed.get(c, "").startswith("mapping")]:
        specs.pop(col)  # the partner's constant beats a column guessed from its name
    by_field: dict[str, list[int]] = {}
    for col, spec in sorted(specs.items()):
        if spec.field not in ("value", IGNORE, FLAG_FIELD, "total"):
            by_field.setdefault(spec.field, []).append(col)
    for name_, columns in by_field.items():
        joinable = name_ in JOINABLE and (name_ == "geography" or all(header.guessed.get(c, "").startswith("mapping")
                                                                      for c in columns))
        if len(columns) > 1 and not joinable:
            for col in columns[1:]:
                found.warnings.append(Finding(grid.name, header_row, header.labels.get(col, _letter(col)),
                                              f"also looks like the {name_} column; only "
                                              f"'{header.labels.get(columns[0], _letter(columns[0]))}' is read as {name_} "
                                              "(map this column if you meant otherwise)"))
                specs.pop(col)
            by_field[name_] = columns[:1]
    if len(long_value) > 1:
        for col in long_value[1:]:
            found.errors.append(Finding(grid.name, header_row, header.labels.get(col),
                                        f"two columns are read as 'value' ('{header.labels.get(long_value[0])}' and this "
                                        "one); map one of them to ignore, or give each its metric: {\"Header\": "
                                        "{\"metric\": \"...\"}}"))
        return
    title_period = _title_period(table)
    title_metric = None if _has(by_field, value_cols, specs, constants, "metric") else _title_metric(table, catalog)
    if title_metric:
        constants["metric"] = title_metric[1]
        found.warnings.append(Finding(grid.name, title_metric[0] + 1 if title_metric[0] is not None else None, None,
                                      f"no metric column: every value is read as '{title_metric[1]}', named in the "
                                      + ("title" if title_metric[0] is not None else "sheet's name")))
    if mapping.title_field and table.title:
        constants[mapping.title_field] = clean_label(table.title)
    missing = _missing_fields(by_field, value_cols, specs, constants, title_period)
    if missing:
        guessed = ", ".join(f"'{header.labels.get(c, _letter(c))}' as "
                            f"{_value_words(s) if s.field == 'value' else s.field}"
                            for c, s in sorted(specs.items()) if s.field not in (IGNORE, "total"))
        if len(missing) == 3:
            found.sheets_skipped[key] = "no header row naming at least a metric, a period and a value column"
            if guessed:
                found.warnings.append(Finding(grid.name, header_row, None, f"read {guessed}, but found no metric, "
                                              "period or value column; say what the columns hold with a column mapping"))
            return
        found.sheets_skipped[key] = (f"header row {header_row} read {guessed or 'nothing'}, but no column or mapping "
                                     f"gives the {' or the '.join(missing)} (map a column, or name a constant such as "
                                     f"{{\"{missing[0]}\": \"=...\"}})")
        return
    if "period" not in by_field and "period" not in constants and title_period and not all(
            "period" in specs[c].fixed_fields for c in value_cols):
        constants["period"] = title_period[1]
        found.warnings.append(Finding(grid.name, title_period[0] + 1 if title_period[0] is not None else None, None,
                                      f"no period column: every value is read as period '{title_period[1]}' from the "
                                      + ("title" if title_period[0] is not None else "sheet's name")
                                      + " (unless its metric's name holds its own)"))
    flags = _flags_beside(value_cols, specs, by_field)
    for col in [c for c, s in specs.items() if s.field == FLAG_FIELD and c not in flags.values()]:
        specs.pop(col)
        found.warnings.append(Finding(grid.name, header_row, header.labels.get(col),
                                      "a suppression flag, but beside no value column read, so it was not used"))
    unread = []
    for col, label in sorted(header.labels.items()):
        if col not in specs:
            unread.append(label)
        elif specs[col].field in (IGNORE, "total"):
            specs.pop(col)
    if unread:
        shown = ", ".join(f"'{label}'" for label in unread[:6]) + (f" and {len(unread) - 6} more" if len(unread) > 6 else "")
        found.warnings.append(Finding(grid.name, header_row, unread[0] if len(unread) == 1 else None,
                                      f"{'column' if len(unread) == 1 else f'{len(unread)} columns'} not recognised, so "
                                      f"not loaded: {shown}"))
    data_rows, notes = _data_rows(grid, table.data_start, table.end, specs, skip=(header.first_row, header.last_row))
    if notes:
        found.rows_not_data += notes[0]
        found.warnings.append(Finding(grid.name, notes[1], None,
                                      f"{notes[0]} row(s) with no values (titles, notes, sources) were not read as data; "
                                      f"the first says '{notes[2][:80]}'"))
    codes = {**_legend_codes(grid, table, notes[3] if notes else []), **mapping.codes}
    if grid.name not in found.sheets_used:
        found.sheets_used.append(grid.name)
    found.columns_mapped[key] = _columns_mapped(specs, header.labels, constants)
    nested = _nested_metric_groups(table, data_rows, by_field, catalog)
    for col in value_cols if value_cols else [None]:
        block = _block(table, data_rows, col, by_field, constants, flags.get(col), codes)
        block.fields.update(nested)
        found.blocks.append(block)


def _nested_metric_groups(table: _Table, rows: pa.Array, by_field: dict[str, list[int]], catalog) -> dict[str, pa.Array]:
    """A column of metric names whose rows are indented under a metric ('  Total visible minority population' then
    '    Black', '    Chinese'): each indented row is a group of the metric above it, not a metric of its own."""
    columns = by_field.get("metric", [])
    if len(columns) != 1 or "group" in by_field or catalog is None or columns[0] >= table.grid.width:
        return {}
    sample = [v for v in table.column_sample(columns[0]) if v]
    raw_sample = [v for v in table.grid.table.column(columns[0]).slice(table.header.last_row + 1, SAMPLE_ROWS).to_pylist() if v]
    if not sample or not any(v.startswith("  ") for v in raw_sample):
        return {}
    values = pc.take(table.grid.table.column(columns[0]), pc.subtract(rows, 1)).to_pylist()
    metrics, groups, dimensions = [], [], []
    stack: list[tuple[int, str, bool]] = []
    for value in values:
        if value is None or not value.strip():
            metrics.append(value), groups.append(None), dimensions.append(None)
            continue
        indent, text = len(value) - len(value.lstrip()), value.strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        own = cols.metric_hits([text], catalog) > 0
        parent = next((t for _, t, is_metric in reversed(stack) if is_metric), None)
        if own or parent is None:
            metrics.append(text), groups.append(None), dimensions.append(None)
        else:
            metrics.append(parent), groups.append(text), dimensions.append(clean_label(parent))
        stack.append((indent, text, own))
    if not any(groups):
        return {}
    return {"metric": pa.array(metrics, pa.string()), "group": pa.array(groups, pa.string()),
            "dimension": pa.array(dimensions, pa.string())}


def _has(by_field, value_cols, specs, constants, name: str) -> bool:
    return name in by_field or name in constants or bool(value_cols) and all(name in specs[c].fixed_fields for c in value_cols)


def _by_cells(table: _Table, catalog) -> None:
    """Decide from the cells what the headers did not say: a column of metric names, periods or places; groups, places or
    metrics as columns; footnote-marker columns; a label that applies to the rows below it; a column of CI/RSE marks."""
    specs, header = table.specs, table.header
    width = max((len(r) for r in table.sample), default=0)
    candidates = sorted(set(header.labels) | set(range(width)))
    unassigned = [c for c in candidates if c not in specs]
    kinds = {c: cols.sample_kind(table.column_sample(c)) for c in unassigned}
    for col in unassigned:
        if kinds[col] == "marker" and col not in header.bottom_cols:
            specs[col] = ColumnSpec(IGNORE)  # footnote marks between value columns ('\1\', 'R', '~')
            header.guessed[col] = "marker column"
        elif kinds[col] == "empty":
            specs[col] = ColumnSpec(IGNORE)
            header.guessed[col] = "empty column"
        elif cols.is_summary_marker(table.column_sample(col)):
            specs[col] = ColumnSpec(ROW_KIND)
            header.guessed[col] = "row kind"
    fields = {s.field for s in specs.values()}
    fixed = {f for s in specs.values() if s.field == "value" for f in s.fixed_fields}
    unassigned = [c for c in candidates if c not in specs]
    if "metric" not in fields and "metric" not in fixed and "metric" not in table.constants and catalog is not None:
        hits = {c: cols.metric_hits(table.column_sample(c), catalog) for c in unassigned if kinds.get(c) == "text"}
        best = max(hits, key=lambda c: hits[c], default=None)
        if best is not None and hits[best]:
            _assign_by_cells(table, best, ColumnSpec("metric"), "metric names in its cells")
    if "period" not in fields and "period" not in fixed and "period" not in table.constants:
        for col in [c for c in candidates if c not in specs and kinds.get(c) == "period"]:
            if not all(re.fullmatch(r"\d{4}", v or "") for v in table.column_sample(col) if v) or re.search(
                    r"\b(year|date|dt|period|time|as of|quarter|month)\b", fold_label(header.labels.get(col, ""))):
                _assign_by_cells(table, col, ColumnSpec("period"), "periods in its cells")
                break
    for col in [c for c in candidates if c not in specs and kinds.get(c) == "text"]:
        if cols.is_level_column(table.column_sample(col)) and any(s.field == "geography" for s in specs.values()):
            _assign_by_cells(table, col, ColumnSpec("geography"), "the level of each place")
    fields = {s.field for s in specs.values()}
    if "geography" not in fields and "geography" not in fixed and "geography" not in table.constants:
        text_cols = [c for c in candidates if c not in specs and kinds.get(c) == "text"]
        for col in text_cols:
            if cols.is_place_column(table.column_sample(col), catalog):
                _assign_by_cells(table, col, ColumnSpec("geography"), "places in its cells")
                break
        else:
            headerless = [c for c in text_cols if not header.labels.get(c)]
            if headerless and any(s.field == "value" for s in specs.values()):
                _assign_by_cells(table, headerless[0], ColumnSpec("geography"), "names in a column with no header")
    _wide_columns(table, catalog, kinds)
    _pair_groups(table, kinds)
    _row_group_labels(table, kinds)


def _labels_above(table: _Table) -> bool:
    """Columns of numbers the header leaves unlabelled, labelled by a row above it ('White', 'Black' ... over a row of
    totals, then a blank row, then 'Type of force', 'Tactic'): those labels are theirs (with the label over them, if
    any), and the rows between them and the header are data too. True when such labels were found."""
    header, grid = table.header, table.grid
    width = max((len(r) for r in table.sample), default=0)
    bare = [c for c in range(width) if c not in header.labels and cols.sample_kind(table.column_sample(c)) == "number"]
    if len(bare) < 2:
        return False
    top = max(0, header.first_row - 8)
    above = grid.rows(top, header.first_row - top)
    for offset in range(len(above) - 1, -1, -1):
        row = [_clean(c) for c in above[offset]]
        texts = {c: row[c] for c in bare if c < len(row) and row[c] and not cols.is_numberish(row[c])}
        if len(texts) * 2 < len(bare):
            continue
        over = [_clean(c) for c in above[offset - 1]] if offset else []
        upper = next((over[c] for c in range(min(bare), -1, -1) if c < len(over) and over[c]), "") if over else ""
        for col, text in texts.items():
            header.labels[col], header.parts[col] = text, ([upper, text] if upper and upper != text else [text])
            header.bottom_cols.add(col)
        table.data_start = top + offset + 1
        return True
    return False


def _sample_rows(grid: Grid, start: int, end: int) -> list[list[str | None]]:
    """Rows to judge columns by: the first ones, and as many more spread over the rest of the table (a column that
    marks only some rows, 'Uncertainty' filled from row 1,929 on, still shows what it holds)."""
    if end - start <= SAMPLE_ROWS:
        return grid.rows(start, end - start)
    half = SAMPLE_ROWS // 2
    step = (end - start - half) / half
    picked = pa.array(list(range(start, start + half)) + [start + half + int(i * step) for i in range(half)], pa.int64())
    part = grid.table.take(picked)
    columns = [part.column(j).to_pylist() for j in range(part.num_columns)]
    return [[column[i] for column in columns] for i in range(part.num_rows)]


def _assign_by_cells(table: _Table, col: int, spec: ColumnSpec, how: str) -> None:
    table.specs[col] = spec
    table.header.guessed[col] = how
    table.header.labels.setdefault(col, _letter(col))


def _wide_columns(table: _Table, catalog, kinds: dict[int, str]) -> None:
    """Numeric columns headed with group names ('White', 'Black or African American'), places of the catalog ('NSW',
    'City of Toronto') or a total beside them: each a column of values for its group or place."""
    specs, header = table.specs, table.header
    numeric = [c for c in header.labels if c not in specs and kinds.get(c) == "number"]
    groups = [c for c in numeric if cols.group_dimension(header.labels[c])]
    dimension = dimension_of_groups([header.labels[c] for c in numeric]) if len(groups) >= 2 else None
    if dimension:
        shared = _shared_upper(header, numeric)
        for col in numeric:
            label = header.parts[col][-1]
            specs[col] = ColumnSpec("value", (("dimension", shared or dimension), ("group", label)))
            header.guessed[col] = "group name"
        for col, spec in list(specs.items()):
            if spec.field == "total" and cols.sample_kind(table.column_sample(col)) == "number":
                specs[col] = ColumnSpec("value", (("group", "All"),))  # the groups' total: everyone
                header.guessed[col] = "total of the groups"
    elif not any(s.field in ("value", "numerator", "denominator") for s in specs.values()):
        plain = [c for c in numeric if not cols.CODE_HEADER.search(label_key(header.labels[c]))]
        if len(plain) == 1:
            specs[plain[0]] = ColumnSpec("value")
            header.guessed[plain[0]] = "the one column of numbers"


def _shared_upper(header: _Header, columns: list[int]) -> str | None:
    """A header row above a run of group columns that names them all ('Perceived ethnicity' over 'White', 'Black')."""
    uppers = {tuple(header.parts[c][:-1]) for c in columns}
    if len(uppers) == 1 and (upper := next(iter(uppers))):
        return upper[-1]
    return None


def _pair_groups(table: _Table, kinds: dict[int, str]) -> None:
    """A group column whose labels repeat ('Age group', 'Sex') followed by a column of categories ('10–14 years'): the
    first names the dimension, the second the group."""
    specs = table.specs
    for col, spec in list(specs.items()):
        if spec.field != "group" or table.header.guessed.get(col, "").startswith("mapping"):
            continue
        right = col + 1
        if right in specs or kinds.get(right) != "text":
            continue
        values = [v for v in table.column_sample(col) if v]
        beside = [v for v in table.column_sample(right) if v]
        if values and beside and len(set(values)) * 2 <= len(values) and len(set(beside)) > len(set(values)):
            specs[col] = ColumnSpec("dimension")
            specs[right] = ColumnSpec("group")
            table.header.guessed[right] = "categories beside their group"
            table.header.labels.setdefault(right, _letter(right))
    fields = {s.field for s in specs.values()}
    fixed = {f for s in specs.values() if s.field == "value" for f in s.fixed_fields}
    if "group" in fields or "group" in fixed:
        return
    # A table with values but no group column: its first column of labels that are not places, metrics or periods is
    # the group ('Source of referral', 'RTI type'), its header the dimension.
    for col in sorted(c for c in table.header.labels if c not in specs and kinds.get(c) == "text"):
        values = [v for v in table.column_sample(col) if v]
        if values and len(set(values)) * 3 >= len(values) and any(s.field == "value" for s in specs.values()):
            specs[col] = ColumnSpec("group")
            table.header.guessed[col] = "labels of the rows"
            return


def _row_group_labels(table: _Table, kinds: dict[int, str]) -> None:
    """A column filled only where a run of rows starts ('Metropolitan Counties' above its counties): a label for the
    rows below it, read as their group when nothing else gives one."""
    specs = table.specs
    if any(s.field == "group" for s in specs.values()):
        return
    for col in sorted(c for c in range(max((len(r) for r in table.sample), default=0)) if c not in specs):
        values = table.column_sample(col)
        filled = [v for v in values if v]
        if filled and values and values[0] and len(filled) * 2 < len(values) and kinds.get(col) == "text":
            specs[col] = ColumnSpec("group")
            table.header.guessed[col] = "a label for the rows below it"
            table.header.labels.setdefault(col, _letter(col))
            return


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


def _letter(col: int) -> str:
    """Column 0 -> 'column A', 27 -> 'column AB' (how a mapping names a column with no header)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"column {letters}"


def _is_numberish(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,]*\.?\d+%?", text)) and not re.fullmatch(r"(19|20)\d\d", text)


def _is_title_row(cells: list[str], merged_row: dict[int, str]) -> bool:
    """One text only (in a cell, or a merged range across the table): a title, never part of a header."""
    texts = {c for c in cells if c} | set(merged_row.values())
    return len(texts) <= 1


def _best_header(grid: Grid, head: list[list[str]], start: int, mapping: Mapping, catalog) -> _Header | None:
    best: _Header | None = None
    merged = _merged_texts(grid, head, start)
    for index, row in enumerate(head):
        filled = [c for c in row if c]
        if best is not None and index > best.last_row - start and _data_like(filled):
            break  # the best header's data has begun: a header further down belongs to the next table
        if len(filled) < 2 or sum(_is_numberish(c) for c in filled) * 2 > len(filled):
            continue
        if index and _inside_data(head[index - 1], row):
            continue  # a data row whose numbers look like years is not a header
        band = [index]
        while len(band) < MAX_HEADER_ROWS and band[0] > 0:
            above = head[band[0] - 1]
            merged_row = {c: merged[(band[0] - 1, c)] for c in range(len(above)) if (band[0] - 1, c) in merged}
            above_filled = [c for c in above if c] + [t for c, t in merged_row.items() if not above[c]]
            if (len(above_filled) < 2 and not (len(above_filled) == 1 and _spans_values(above, row)))\
                    or _is_title_row(above, merged_row) and (not _spans_values(above, row) or _is_period_title(above)) \
                    or sum(_is_numberish(c) for c in above if c) * 2 > len([c for c in above if c]):
                break
            band.insert(0, band[0] - 1)
        header = _assign(band, head, start, merged, mapping, catalog)
        if header.score and (best is None or header.score > best.score):
            best = header
    return best


def _data_like(filled: list[str]) -> bool:
    """A row of data: two numbers or more that are not periods (a header of years is not data)."""
    numbers = sum(1 for c in filled if any(ch.isdigit() for ch in c) and cols.is_numberish(c) and read_period(c) is None)
    return numbers >= 2 or numbers >= 1 and len(filled) <= 2


def _is_period_title(cells: list[str]) -> bool:
    """A row holding one period alone ('2017-18'): the table's period, not a label over its columns."""
    texts = [c for c in cells if c]
    return len(texts) == 1 and period_in_text(texts[0]) is not None


def _spans_values(above: list[str], row: list[str]) -> bool:
    """A single label above a run of header cells that does not start at the table's first column ('Perceived
    ethnicity' over the group names): a header row, not a title."""
    first = next((i for i, c in enumerate(row) if c), 0)
    filled = [i for i, c in enumerate(above) if c]
    return bool(filled) and filled[0] > first


def _inside_data(above: list[str], row: list[str]) -> bool:
    """A row with numbers (or year-like numbers) right below a row with numbers or codes in the same columns: data,
    not a header, however well its cells match the catalog."""
    numbers = [i for i, c in enumerate(row) if c and (cols.is_numberish(c) or re.fullmatch(r"(19|20)\d\d(\.0)?", c))]
    if not numbers:
        return False
    beside = sum(1 for i in numbers if i < len(above) and above[i] and cols.is_numberish(above[i]))
    return beside * 2 >= len(numbers)


def _merged_texts(grid: Grid, head: list[list[str]], start: int) -> dict[tuple[int, int], str]:
    """Text a merged header range shows over its covered cells (row, col) within the head (rows relative to `start`)."""
    texts = {}
    for top, left, bottom, right in grid.merges:
        top, bottom = top - start, bottom - start
        if top < 0 or top >= len(head) or left >= len(head[top]) or not head[top][left]:
            continue
        for r in range(top, min(bottom, len(head) - 1) + 1):
            for c in range(left, min(right, len(head[r]) - 1) + 1):
                if (r, c) != (top, left):
                    texts[(r, c)] = head[top][left]
    return texts


def _assign(band: list[int], head: list[list[str]], start: int, merged: dict, mapping: Mapping, catalog) -> _Header:
    width = max(len(head[r]) for r in band)
    labels, parts, specs, guessed = {}, {}, {}, {}
    bottom = band[-1]
    # An upper header row's label carries right over blank cells, as far as the next label (a merged range saved
    # without its merge: .xls, .ods, 'centre across selection'), over columns whose own labels below are periods or
    # repeat under each upper label ('Number', 'Percent'): a grouped header, not words of one header split over rows.
    bottom_labels = [head[bottom][c] if c < len(head[bottom]) else "" for c in range(width)]
    repeated = {t for t in bottom_labels if t and bottom_labels.count(t) > 1}
    carried: dict[tuple[int, int], str] = {}
    for r in band[:-1]:
        current = ""
        for col in range(width):
            text = (head[r][col] if col < len(head[r]) else "") or merged.get((r, col), "")
            below = bottom_labels[col]
            if text:
                current = text
            elif current and below and (below in repeated or read_period(below) is not None):
                carried[(r, col)] = current
            elif not below:
                continue
            else:
                current = ""
    for col in range(width):
        pieces = []
        for r in band:
            text = (head[r][col] if col < len(head[r]) else "") or merged.get((r, col), "") or carried.get((r, col), "")
            if text and (not pieces or pieces[-1] != text):
                pieces.append(text)
        if not pieces:
            continue
        label = pieces[0]
        for piece in pieces[1:]:
            label = label[:-1] + piece if label.endswith("-") else f"{label} {piece}"
        labels[col], parts[col] = label, pieces
        spec, how = cols.decide(label, pieces, mapping, catalog, column_key=fold_label(_letter(col)))
        if spec:
            specs[col], guessed[col] = spec, how
    for col in range(width):  # a column with no header that the mapping names by its letter ('column B')
        key = fold_label(_letter(col))
        if col not in labels and key in mapping.columns:
            labels[col], parts[col] = _letter(col), [_letter(col)]
            specs[col], guessed[col] = mapping.columns[key], f"mapping:{key}:full"
    ambiguous = _ambiguous_keys(specs, guessed, parts)
    score = sum(1 for s in specs.values() if s.field not in (IGNORE, "total"))
    bottom_cols = {c for c in range(width) if c < len(head[bottom]) and (head[bottom][c] or merged.get((bottom, c)))}
    return _Header(start + band[-1], start + band[0], labels, parts, specs, guessed, score, ambiguous, bottom_cols)


def _ambiguous_keys(specs: dict[int, ColumnSpec], guessed: dict[int, str], parts: dict[int, list[str]]) -> dict[str, list[int]]:
    """A mapping key naming several columns by one row of their header: the whole header wins, else it is ambiguous,
    unless the columns' other rows are their periods ('Number eligible' over '2000-01', '2010-11'): then each column
    is the key's values for its own period."""
    by_key: dict[str, list[int]] = {}
    for col, how in guessed.items():
        if how.startswith("mapping:"):
            by_key.setdefault(how.split(":")[1], []).append(col)
    ambiguous = {}
    for key, columns in by_key.items():
        if len(columns) < 2 or specs[columns[0]].field in JOINABLE | {IGNORE}:
            continue
        periods = [_period_piece(parts[c], key) for c in columns]
        if specs[columns[0]].field == "value" and "period" not in specs[columns[0]].fixed_fields \
                and all(periods) and len(set(periods)) == len(periods):
            for col, period in zip(columns, periods, strict=True):
                specs[col] = ColumnSpec("value", (*specs[col].fixed, ("period", period)))
            continue
        full = [c for c in columns if guessed[c].endswith(":full")]
        for col in columns:
            if col not in full[:1]:
                specs.pop(col)
                guessed.pop(col)
        if not full:
            ambiguous[key] = columns
    return ambiguous


def _period_piece(pieces: list[str], key: str) -> str | None:
    """The one row of a header, other than the row a mapping key named, that is a period."""
    others = [p for p in pieces if fold_label(p) != key]
    return others[0] if len(others) == 1 and read_period(others[0]) is not None else None


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


def _title_period(table: _Table) -> tuple[int | None, str] | None:
    """A period a title row above the header names ('2017-18', 'Chronic Absenteeism, 2018-19', ' - fiscal year 2021'),
    else the one year the sheet's name holds ('neighbourhood-profiles-2016-csv')."""
    for index, text in table.titles:
        found = period_in_text(text)
        if found is not None:
            return index, found[0]
    years = _YEAR_IN_NAME.findall(table.grid.name)
    if len(years) == 1 and read_period(years[0]) is not None:
        return None, years[0]
    return None


_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d(?:[-/–](?:\d\d|(?:19|20)\d\d))?)(?!\d)")


def _title_metric(table: _Table, catalog) -> tuple[int | None, str] | None:
    """A catalog metric a title row names ('Numbers of Children Entering Foster Care, by State'), else the sheet's name."""
    for index, text in table.titles + table.sheet_titles:
        name = cols.metric_in_text(catalog, text)
        if name:
            return index, name
    if cols.find_metric(catalog, table.grid.name) is not None:
        return None, table.grid.name
    name = cols.metric_in_text(catalog, table.grid.name)  # 'Pupil enrollment by race_ethnicity' (a CSV's file name)
    return (None, name) if name else None


def _table_end(grid: Grid, header: _Header, catalog, mapping: Mapping) -> int:
    """The row after a table's last row: where a new header follows a break in the data (several tables stacked on
    one sheet), else the end of the sheet. Vectorised: the template's single table costs a few column passes."""
    start = header.last_row + 1
    value_cols = [c for c, s in header.specs.items() if s.field in ("value", "numerator", "denominator") and c < grid.width]
    if not value_cols:  # no column named as values yet: the columns of numbers right under the header
        first = grid.rows(start, 10)
        value_cols = [c for c in range(grid.width) if c not in header.specs and
                      sum(cols.is_numberish(r[c]) for r in first if r[c]) * 2 > max(1, len(first))]
    if not value_cols or start >= grid.height:
        return grid.height
    body = grid.table.slice(start)
    # A following table's header has words where this table has numbers: with no letters in the value columns (the
    # template's 200,000 rows of numbers), there is no next table to look for.
    letters = [pc.any(pc.match_substring_regex(body.column(c), "[A-Za-z]")).as_py() for c in value_cols]
    if not any(letters):
        return grid.height
    zero = pa.array([0] * body.num_rows, pa.int32())
    texty = zero
    valueish = zero
    for col in value_cols:
        column = body.column(col)
        filled = _nonblank(column)
        numeric = pc.fill_null(pc.match_substring_regex(pc.utf8_trim_whitespace(column), cols.NUMBERISH.pattern), False)
        short = pc.fill_null(pc.less_equal(pc.utf8_length(pc.utf8_trim_whitespace(column)), 3), False)
        is_value = pc.and_(filled, pc.or_(numeric, short))
        valueish = pc.add(valueish, pc.cast(is_value, pa.int32()))
        texty = pc.add(texty, pc.cast(pc.and_(filled, pc.invert(is_value)), pa.int32()))
    filled_any = _count(body, list(range(body.num_columns)), zero)
    header_like = pc.and_(pc.and_(pc.greater(texty, 0), pc.equal(valueish, 0)), pc.greater_equal(filled_any, 1))
    candidates = pc.indices_nonzero(header_like).to_pylist()
    if not candidates:
        return grid.height
    is_data = pc.greater(valueish, 0).to_pylist()
    for index in candidates:
        if index == 0 or is_data[index - 1]:
            continue
        last_data = max((i for i in range(index) if is_data[i]), default=None)
        if last_data is None:
            continue
        end = start + last_data + 1
        head = [[_clean(c) for c in row] for row in grid.rows(end, HEADER_SEARCH_ROWS)]
        following = _best_header(grid, head, end, mapping, catalog)
        if following is not None and following.last_row >= start + index:
            return end
    return grid.height


def _personal_data(grid: Grid, header: _Header, found: Tables) -> None:
    header_row = header.last_row + 1
    for col, label in sorted(header.labels.items()):
        folded = fold_label(label)
        for pattern, what in PERSONAL_HEADERS:
            if pattern.search(folded):
                found.errors.append(Finding(grid.name, header_row, label, _personal_message(what)))
                break
        else:
            if col >= grid.width:
                continue
            sample = grid.table.column(col).slice(header_row, 200)
            if pc.any(pc.match_substring_regex(sample, EMAIL)).as_py():
                found.errors.append(Finding(grid.name, header_row, label, _personal_message("email addresses")))


def _personal_message(what: str) -> str:
    return (f"this column looks like {what}. Backbone takes aggregates only (counts and rates, never data about one "
            "person): delete the column and upload the file again")


def _nonblank(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False)


def _data_rows(grid: Grid, start: int, end: int, specs: dict[int, ColumnSpec],
               skip: tuple[int, int] | None = None) -> tuple[pa.Array, tuple | None]:
    """Rows of the table holding a value, or at least two filled data columns; others are notes, counted. A row of
    column numbers right under the header (1, 2, 3 ...) is not data, nor the header's own rows (`skip`, when the data
    begin above the header: a row of totals under labels found above it)."""
    body = grid.table.slice(start, max(end - start, 0))
    value_cols = [c for c, s in specs.items() if s.field in ("value", "numerator", "denominator") and c < body.num_columns]
    other_cols = [c for c, s in specs.items() if s.field not in ("value", "numerator", "denominator", IGNORE)
                  and c < body.num_columns]
    zero = pa.array([0] * body.num_rows, pa.int32())
    has_value = pc.greater(_count(body, value_cols, zero), 0)
    is_data = pc.or_(has_value, pc.greater_equal(_count(body, other_cols, zero), 2))
    any_filled = pc.greater(_count(body, list(range(body.num_columns)), zero), 0)
    if body.num_rows and value_cols and _column_numbers(body, 0, value_cols):
        is_data = pc.and_(is_data, pa.array([False] + [True] * (body.num_rows - 1)))
    if skip is not None and skip[0] >= start:
        keep = [not (skip[0] <= start + i <= skip[1]) for i in range(body.num_rows)]
        is_data = pc.and_(is_data, pa.array(keep))
        any_filled = pc.and_(any_filled, pa.array(keep))
    note_mask = pc.and_(any_filled, pc.invert(is_data))
    indices = pc.indices_nonzero(is_data)
    notes = None
    count = pc.sum(note_mask).as_py() or 0
    if count:
        note_rows = pc.indices_nonzero(note_mask).slice(0, 60).to_pylist()
        first = note_rows[0]
        text = next(t for t in (body.column(c)[first].as_py() for c in range(body.num_columns)) if t and t.strip())
        notes = (count, start + first + 1, " ".join(text.split()), [start + r for r in note_rows])
    return pc.add(indices, start + 1).cast(pa.int32()), notes


def _column_numbers(body: pa.Table, row: int, value_cols: list[int]) -> bool:
    """A row numbering the columns (NCES prints 1, 2, ... 13 under its headers)."""
    numbers = [body.column(c)[row].as_py() for c in range(body.num_columns)]
    ints = [int(float(n)) for n in numbers if n and re.fullmatch(r"\d{1,3}(\.0)?", n.strip())]
    return len(ints) >= 3 and ints == list(range(ints[0], ints[0] + len(ints))) and len(ints) >= len(
        [n for n in numbers if n and n.strip()]) - 1


def _count(body: pa.Table, columns: list[int], zero: pa.Array) -> pa.Array:
    total = zero
    for col in columns:
        total = pc.add(total, pc.cast(_nonblank(body.column(col)), pa.int32()))
    return total


def _legend_codes(grid: Grid, table: _Table, note_rows: list[int]) -> dict[str, str]:
    """Codes a table's own notes explain ('(-) States with low entry counts were excluded', '(--) Missing data')."""
    texts = [t for _, t in table.titles]
    for row in note_rows:
        cells = grid.rows(row, 1)[0]
        texts += [c for c in cells if c and c.strip()][:1]
    codes = {}
    for text in texts:
        match = _LEGEND.match(" ".join(text.split()))
        if not match or re.fullmatch(r"\d+", match.group(1)):
            continue
        code, meaning = match.group(1).strip(), match.group(2)
        if _LEGEND_SUPPRESSED.search(meaning):
            codes[code.lower()] = "suppressed"
        elif _LEGEND_MISSING.search(meaning):
            codes[code.lower()] = "missing"
    return codes


def _columns_mapped(specs: dict[int, ColumnSpec], labels: dict[int, str], constants: dict[str, str]) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for col, spec in sorted(specs.items()):
        key = spec.field if not spec.fixed else f"value ({', '.join(f'{k} {v}' for k, v in spec.fixed)})"
        label = labels.get(col, _letter(col))
        mapped[key] = f"{mapped[key]} + {label}" if key in mapped else label
    for name, value in constants.items():
        mapped.setdefault(name, f"={value}")
    return mapped


def _fill_down(values: pa.Array, merged_cols: bool) -> pa.Array:
    """A label left blank under the row that states it applies to the rows below ('Metropolitan Counties' and then
    blanks): each blank takes the label above it, when the column is mostly blank or merged down."""
    blank = pc.invert(_nonblank(values))
    n = len(values)
    if not n or not pc.any(blank).as_py() or not pc.is_valid(values[0]).as_py() or not _nonblank(values[:1])[0].as_py():
        return values
    if not merged_cols and pc.sum(pc.cast(blank, pa.int32())).as_py() * 2 < n:
        return values
    return pc.fill_null_forward(pc.if_else(blank, pa.scalar(None, pa.string()), values))


def _joined(parts: list[pa.Array]) -> pa.Array:
    """Cells of several columns joined as 'District / School', blanks left out (a row with none stays null).

    Not pyarrow's null_handling='skip', which drops the rows where every input is null (pyarrow 26), so the joined
    column came out shorter than the others: the traceback two columns mapped to one field used to give."""
    filled = [pc.fill_null(pc.utf8_trim_whitespace(p), "") for p in parts]
    joined = pc.binary_join_element_wise(*filled, " / ")
    joined = pc.replace_substring_regex(joined, r"^( / )+|( / )+$", "")
    joined = pc.replace_substring_regex(joined, r"( / ){2,}", " / ")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


def _block(table: _Table, rows: pa.Array, value_col: int | None, by_field: dict[str, list[int]], constants: dict[str, str],
           flag_col: int | None, codes: dict[str, str]) -> Block:
    grid, header, specs = table.grid, table.header, table.specs
    index = pc.subtract(rows, 1)
    merged_cols = {left for top, left, bottom, right in grid.merges if bottom > top and top >= header.last_row}

    def take(col: int, label: bool = False) -> pa.Array:
        if col >= grid.width:
            return pa.nulls(len(rows), pa.string())
        column = grid.table.column(col)
        taken = pc.take(column, index)
        taken = taken.combine_chunks() if isinstance(taken, pa.ChunkedArray) else taken
        return _fill_down(taken, col in merged_cols) if label else taken

    fields: dict[str, pa.Array | str | None] = {}
    headers: dict[str, str] = {}
    for name in TEMPLATE_FIELDS:
        columns = by_field.get(name, [])
        if name == "value":
            continue
        label = name in LABEL_FIELDS and not any(fold_label(header.labels.get(c, "")) == name for c in columns)
        if len(columns) == 1:
            fields[name] = take(columns[0], label)
            headers[name] = header.labels.get(columns[0], _letter(columns[0]))
        elif columns:
            fields[name] = _joined([take(c, label) for c in columns])
            headers[name] = " + ".join(header.labels.get(c, _letter(c)) for c in columns)
        elif name in constants:
            fields[name] = constants[name]
    if "dimension" not in fields and "group" in by_field and len(by_field["group"]) == 1:
        label = header.labels.get(by_field["group"][0], "")
        # A group column headed 'Student group' or 'Race/Ethnicity' names its own dimension; the template's bare 'group'
        # does not (validation then files it under 'Group' with a warning).
        implied = cols.GROUP_DIMENSIONS.get(fold_label(label)) or (
            None if fold_label(label) in cols.HEADER_SYNONYMS["group"] - {"student group", "demographic", "age group"}
            else clean_label(label) or None)
        if implied:
            fields["dimension"] = implied
    kind_cols = [c for c, s in specs.items() if s.field == ROW_KIND]
    if kind_cols:
        fields[ROW_KIND] = take(kind_cols[0])
    if by_field.get(UNIT_FIELD):
        fields[UNIT_FIELD] = take(by_field[UNIT_FIELD][0])
        headers[UNIT_FIELD] = header.labels.get(by_field[UNIT_FIELD][0], "")
    if flag_col is not None:
        fields[FLAG_FIELD] = take(flag_col)
        headers[FLAG_FIELD] = header.labels.get(flag_col, _letter(flag_col))
    percent = None
    fraction = False
    if value_col is not None:
        fields["value"] = take(value_col)
        headers["value"] = header.labels.get(value_col, _letter(value_col))
        for name, text in specs[value_col].fixed:
            fields[name] = text
        if "group" in specs[value_col].fixed_fields and "dimension" not in specs[value_col].fixed_fields:
            fields["dimension"] = cols.group_dimension(specs[value_col].fixed_fields["group"]) or fields.get("dimension")
        fraction = bool(FRACTION_HEADER.search(fold_label(header.labels.get(value_col, ""))))
        if grid.percent_cells:
            cells = {r + 1 for r, c in grid.percent_cells if c == value_col}
            if cells:
                percent = pc.is_in(rows, pa.array(sorted(cells), pa.int32()))
    else:
        fields["value"] = None
    return Block(grid.name, rows, fields, headers, percent, fraction, codes, table.title)
