"""A partner's column mapping: what a column holds, or a value every row shares, written so a person can type it.

    {"Rate": "value", "School Year": "period"}                 the simple form: header -> field
    {"metric": "=Kindergarten readiness"}                      a field -> "=constant" (every row is that metric)
    {"District Name": "geography", "School": "geography"}      two columns for one place: joined as "District / School"
    {"Self Regulation": {"metric": "Self-regulation"}}         a column of values, with fields fixed for that column
    {"County Code": "ignore"}                                  a column not to read
    {"Suppressed 4 Year": "suppressed"}                        a Y/N flag: Y rows are suppressed whatever the value
    {"title": "group"}                                         each table's title row is that field (a block per group)
    {"codes": {"NReq": "missing", "-": "suppressed"}}          the partner's own codes for a value not shown
    {"tables": ["Table 1.1", "Custody"]}                       load only these tables (by title words or sheet name)
    {"sheet:RTI": {...}, "table:Table 1.4": {...}}             entries for one sheet, or for the tables a title names
    {"fiscal_year_start": 10}                                  the partner's fiscal year starts in October (month 1-12)

Headers match case- and punctuation-insensitively, as the whole (multi-row) header or any one of its rows. Entries
scoped to a sheet or a table come before the whole file's for that sheet or table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from backbone.intake.reader.cells import declared_codes
from backbone.text import fold_label, text_of

TEMPLATE_FIELDS = ("metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note")
IGNORE = "ignore"
# A Y/N column saying the agency suppressed the row's value; not a template column, but a column may be read as it.
FLAG_FIELD = "suppressed"
# A column saying per row whether the value is a number, a percent, a rate or money (KIDS COUNT's DataFormat).
UNIT_FIELD = "unit"
MAPPED_FIELDS = (*TEMPLATE_FIELDS, FLAG_FIELD, UNIT_FIELD)
# Fields a value column may fix for itself (a wide table: one column per metric, period, place or group).
VALUE_COLUMN_FIELDS = ("metric", "period", "geography", "dimension", "group")
# Fields a table's title row may give (the mapping's "title" entry).
TITLE_FIELDS = ("metric", "period", "geography", "dimension", "group")
SCOPES = ("sheet:", "table:")


@dataclass(frozen=True)
class ColumnSpec:
    """What one column holds: a field, or (field 'value') values with some fields fixed for the column."""

    field: str
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def fixed_fields(self) -> dict[str, str]:
        return dict(self.fixed)


@dataclass
class Mapping:
    """A parsed mapping: columns by folded header, constants by field, declared codes, the tables chosen, entries
    scoped to a sheet or a table, and what could not be understood."""

    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # folded header -> as the partner wrote it
    codes: dict[str, str] = field(default_factory=dict)  # folded code -> 'suppressed' or 'missing'
    title_field: str | None = None
    tables: list[str] = field(default_factory=list)  # folded references of the tables to load (empty: all)
    scopes: dict[tuple[str, str], Mapping] = field(default_factory=dict)  # ('sheet'|'table', folded name) -> entries
    fiscal_start: int | None = None  # the first month of the partner's fiscal year, when the mapping says it

    def __bool__(self) -> bool:
        return bool(self.columns or self.constants or self.codes or self.title_field or self.tables or self.scopes
                    or self.fiscal_start)

    def scoped(self, sheet: str, title: str = "") -> Mapping:
        """The entries that apply to one table: the whole file's, then its sheet's, then its title's (later win)."""
        merged = self
        for (kind, key), scope in self.scopes.items():
            if (kind == "sheet" and key == fold_label(sheet)) or (kind == "table" and (_names(key, title) or
                                                                                  key == fold_label(sheet))):
                merged = replace(merged, columns={**merged.columns, **scope.columns},
                                 constants={**merged.constants, **scope.constants}, codes={**merged.codes, **scope.codes},
                                 title_field=scope.title_field or merged.title_field,
                                 written={**merged.written, **scope.written})
        return merged

    def chooses(self, sheet: str, title: str = "") -> bool:
        """Whether the mapping's "tables" entry (if any) names this table, by its sheet or words of its title."""
        return not self.tables or any(ref == fold_label(sheet) or _names(ref, title) for ref in self.tables)

    def all_column_keys(self) -> set[str]:
        """Every header the mapping names, in any scope."""
        keys = set(self.columns)
        for scope in self.scopes.values():
            keys |= set(scope.columns)
        return keys


def _names(reference: str, title: str) -> bool:
    """True when a table reference's words run, whole, inside a title ('table 1 1' names 'Table 1.1 Number of...',
    not 'Table 1.10 ...')."""
    return bool(reference) and f" {reference} " in f" {fold_label(title)} "


def parse_mapping(raw: dict | None) -> Mapping:
    """Read a mapping dict (simple or rich form); anything not understood is listed in `problems`."""
    mapping = Mapping()
    if not raw:
        return mapping
    if not isinstance(raw, dict):
        mapping.problems.append("a column mapping is a JSON object such as {\"Rate\": \"value\"}")
        return mapping
    for key, spec in raw.items():
        key = str(key)
        scope = next((s for s in SCOPES if key.lower().startswith(s)), None)
        if scope:
            inner = parse_mapping(spec) if isinstance(spec, dict) else None
            if inner is None:
                mapping.problems.append(f"'{key}': entries for a {scope[:-1]} are an object such as {{\"Rate\": \"value\"}}")
                continue
            mapping.problems += [f"'{key}': {problem}" for problem in inner.problems]
            mapping.scopes[(scope[:-1], fold_label(key[len(scope):]))] = inner
            continue
        folded = fold_label(key)
        if folded == "codes":
            mapping.codes, problems = declared_codes(spec)
            mapping.problems += problems
            continue
        if folded == "fiscal year start":
            month = text_of(spec)
            if month.isdigit() and 1 <= int(month) <= 12:
                mapping.fiscal_start = int(month)
            else:
                mapping.problems.append(f"'{key}': the fiscal year's first month is a number from 1 to 12, not '{spec}'")
            continue
        if folded == "tables":
            refs = spec if isinstance(spec, list) else [spec]
            mapping.tables = [fold_label(r) for r in refs if fold_label(r)]
            continue
        if folded == "title" and isinstance(spec, str) and not spec.startswith("="):
            if fold_label(spec) in TITLE_FIELDS:
                mapping.title_field = fold_label(spec)
            else:
                mapping.problems.append(f"'title': a table's title can give one of {', '.join(TITLE_FIELDS)}, not '{spec}'")
            continue
        mapping.written[folded] = key
        _parse_entry(mapping, key, folded, spec)
    return mapping


def _parse_entry(mapping: Mapping, key: str, folded: str, spec: object) -> None:
    if isinstance(spec, str) and spec.startswith("="):
        if folded in TEMPLATE_FIELDS:
            mapping.constants[folded] = spec[1:].strip()
        else:
            mapping.problems.append(f"'{key}': a constant (\"={spec[1:]}\") needs a field name as its key, one of "
                                    f"{', '.join(TEMPLATE_FIELDS)}")
    elif isinstance(spec, str):
        name = fold_label(spec)
        if name in MAPPED_FIELDS or name == IGNORE:
            mapping.columns[folded] = ColumnSpec(name)
        else:
            mapping.problems.append(f"'{key}': '{spec}' is not a field; use one of {', '.join(MAPPED_FIELDS)} or ignore")
    elif isinstance(spec, dict):
        fixed = {fold_label(k): text_of(v) for k, v in spec.items()}
        unknown = sorted(set(fixed) - set(VALUE_COLUMN_FIELDS))
        if unknown:
            mapping.problems.append(f"'{key}': a value column can fix only {', '.join(VALUE_COLUMN_FIELDS)}, "
                                    f"not {', '.join(unknown)}")
        else:
            mapping.columns[folded] = ColumnSpec("value", tuple(sorted(fixed.items())))
    else:
        mapping.problems.append(f"'{key}': write a field name, \"=a constant\" or an object such as {{\"metric\": \"...\"}}")


def headers_named(raw: dict | None) -> set[str]:
    """The folded column headers a mapping names (not its constants): what a file must have for it to apply."""
    return parse_mapping(raw).all_column_keys()


def fields_by_header(columns_mapped: dict[str, str]) -> dict[str, str]:
    """What each column of a sheet is read as, for the upload page's simple editor: {"Their header": "field"}.

    The reader reports joined columns as "A + B", constants as "=value" and wide value columns as "value (metric X)";
    each joined column is read as the field, constants name no column, and a wide column is read as its field.
    """
    fields: dict[str, str] = {}
    for field_name, headers in columns_mapped.items():
        if headers.startswith("="):
            continue
        for header in headers.split(" + "):
            fields[header] = field_name.split(" (")[0]
    return fields
