"""A partner's column mapping: what a column holds, or a value every row shares, written so a person can type it.

    {"Rate": "value", "School Year": "period"}                 the simple form: header -> field
    {"metric": "=Kindergarten readiness"}                      a field -> "=constant" (every row is that metric)
    {"District Name": "geography", "School": "geography"}      two columns for one place: joined as "District / School"
    {"Self Regulation": {"metric": "Self-regulation"}}         a column of values, with fields fixed for that column
    {"County Code": "ignore"}                                  a column not to read
    {"Suppressed 4 Year": "suppressed"}                        a Y/N flag: Y rows are suppressed whatever the value

Headers match case- and punctuation-insensitively, as the whole (multi-row) header or any one of its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backbone.text import fold_label, text_of

TEMPLATE_FIELDS = ("metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note")
IGNORE = "ignore"
# A Y/N column saying the agency suppressed the row's value; not a template column, but a column may be read as it.
FLAG_FIELD = "suppressed"
MAPPED_FIELDS = (*TEMPLATE_FIELDS, FLAG_FIELD)
# Fields a value column may fix for itself (a wide table: one column per metric, period, place or group).
VALUE_COLUMN_FIELDS = ("metric", "period", "geography", "dimension", "group")



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
    """A parsed mapping: columns by folded header, constants by field, and what could not be understood."""

    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # folded header -> as the partner wrote it

    def __bool__(self) -> bool:
        return bool(self.columns or self.constants)


def parse_mapping(raw: dict | None) -> Mapping:
    """Read a mapping dict (simple or rich form); anything not understood is listed in `problems`."""
    mapping = Mapping()
    if not raw:
        return mapping
    if not isinstance(raw, dict):
        mapping.problems.append("a column mapping is a JSON object such as {\"Rate\": \"value\"}")
        return mapping
    for key, spec in raw.items():
        folded = fold_label(key)
        mapping.written[folded] = str(key)
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
    return mapping


def headers_named(raw: dict | None) -> set[str]:
    """The folded column headers a mapping names (not its constants): what a file must have for it to apply."""
    mapping = parse_mapping(raw)
    return set(mapping.columns)


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
