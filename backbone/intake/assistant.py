"""The Upload page's mapping assistant, below the page: what a dry run read (and guessed) as rows a person can change,
and each change written back into the mapping the reader takes (reader/mapping.py), so the page says everything
`--map` can: columns and value columns, constants for the whole file, a sheet or a table, the tables to load, the
partner's own codes, and the fiscal year's first month."""

from __future__ import annotations

import copy
import re

import pandas as pd

from backbone.intake.reader.mapping import (
    FLAG_FIELD,
    IGNORE,
    MAPPED_FIELDS,
    TEMPLATE_FIELDS,
    UNIT_FIELD,
    VALUE_COLUMN_FIELDS,
    parse_mapping,
)
from backbone.store.catalog import Catalog
from backbone.text import fold_label

# What a column can be read as, in words (the mapping's field names as a partner reads them).
READ_AS = {
    "metric": "metric (which measure)", "period": "period (year, school year…)", "geography": "place",
    "dimension": "dimension (e.g. Race/ethnicity)", "group": "group (e.g. Female)", "value": "value",
    "numerator": "numerator (count with the outcome)", "denominator": "denominator (everyone counted)",
    "note": "note", FLAG_FIELD: "suppressed flag (Y/N)", UNIT_FIELD: "unit of each row (number, percent…)",
    IGNORE: "not read",
}
assert set(READ_AS) == {*MAPPED_FIELDS, IGNORE}
FIELD_OF = {words: name for name, words in READ_AS.items()}
# Constants a person can set, in words.
CONSTANT_FIELDS = {"metric": "metric", "period": "period", "geography": "place", "dimension": "dimension", "group": "group"}
assert set(CONSTANT_FIELDS) <= set(TEMPLATE_FIELDS)
WHOLE_FILE = "the whole file"
GUESS, YOURS = "Backbone's guess", "your choice"
# The metric list's first choice: a list cell left empty would read "None" to a partner.
NO_METRIC = "(none)"
CODE_MEANINGS = ("suppressed", "missing")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# The editor's columns: a value column can fix, for its values, these fields (VALUE_COLUMN_FIELDS) in words.
FIXED_COLUMNS = {"metric": "Its metric", "period": "Its period", "geography": "Its place", "dimension": "Its dimension",
                 "group": "Its group"}
assert set(FIXED_COLUMNS) == set(VALUE_COLUMN_FIELDS)
# How the reader reports a value column's fixed fields: "value (metric X, group Black, non-Hispanic)".
_FIXED_PARTS = re.compile(rf", (?=(?:{'|'.join(VALUE_COLUMN_FIELDS)}) )")
EDITOR_COLUMNS = ["Table", "Column", "Read as", *FIXED_COLUMNS.values(), "Source"]


def scopes(sheets: list[str], table_titles: dict[str, str]) -> dict[str, str | None]:
    """Where an entry can apply, in words -> its mapping prefix: the whole file (None), a sheet, or a titled table."""
    found: dict[str, str | None] = {WHOLE_FILE: None}
    for sheet in sheets:
        found[f"sheet '{sheet}'"] = f"sheet:{sheet}"
    for key, title in table_titles.items():
        if title:
            found[f"table '{title[:80]}' ({key})"] = f"table:{title}"
    return found


def _entries(mapping: dict, scope: str | None) -> dict:
    """The mapping's entries for one scope (the top level for the whole file), created when missing."""
    return mapping if scope is None else mapping.setdefault(scope, {})


def _header_entry(mapping: dict, header: str) -> tuple[str | None, object] | None:
    """The mapping's entry for a header (whatever its case or punctuation), and the scope it is in."""
    folded = fold_label(header)
    for scope, entries in [(None, mapping), *((k, v) for k, v in mapping.items() if isinstance(v, dict)
                                                and str(k).lower().startswith(("sheet:", "table:")))]:
        for key, spec in entries.items():
            if fold_label(key) == folded and not (isinstance(spec, str) and spec.startswith("=")) and key not in (
                    "codes", "tables", "title", "fiscal_year_start"):
                return scope, spec
    return None


def _catalog_name(catalog: Catalog, raw: str) -> str:
    """A metric as the catalog names it (the assistant lists names, not codes), or the text as written."""
    metric = catalog.find(raw)
    return metric.name if metric else raw


def column_rows(headers_seen: dict[str, list[str]], columns_mapped: dict[str, dict[str, str]], mapping: dict,
                catalog: Catalog) -> pd.DataFrame:
    """One editable row per column of every table read: what it is read as, what a value column fixes for its values,
    and whether that is the partner's choice or Backbone's guess."""
    rows = []
    for table, headers in headers_seen.items():
        guessed: dict[str, tuple[str, dict]] = {}
        for key, columns in columns_mapped.get(table, {}).items():
            if columns.startswith("="):
                continue
            name, _, fixed = key.partition(" (")
            fixed_fields = dict(part.split(" ", 1) for part in _FIXED_PARTS.split(fixed[:-1])) if fixed else {}
            for header in columns.split(" + "):
                guessed[header] = (name, fixed_fields)
        for header in headers:
            entry = _header_entry(mapping, header)
            if entry is not None:
                spec = entry[1]
                name, fixed_fields = ("value", dict(spec)) if isinstance(spec, dict) else (fold_label(spec), {})
                source = YOURS
            elif header in guessed:
                (name, fixed_fields), source = guessed[header], GUESS
            else:
                name, fixed_fields, source = IGNORE, {}, ""
            row = {"Table": table, "Column": header, "Read as": READ_AS.get(name, READ_AS[IGNORE])}
            for field, title in FIXED_COLUMNS.items():
                text = fixed_fields.get(field, "")
                row[title] = (_catalog_name(catalog, text) if text else NO_METRIC) if field == "metric" else text
            row["Source"] = source
            rows.append(row)
    return pd.DataFrame(rows, columns=EDITOR_COLUMNS)


def with_columns(mapping: dict, before: pd.DataFrame, after: pd.DataFrame) -> dict:
    """The mapping with every row the person changed in the columns editor written into it (the rest left to the
    reader): a field, or a value column with the fields it fixes. Entries go to the whole file, or to the sheet when
    the same header means something else in another table."""
    mapping = copy.deepcopy(mapping)
    changed = after[(after[EDITOR_COLUMNS[:-1]].fillna("") != before[EDITOR_COLUMNS[:-1]].fillna("")).any(axis=1)]
    for row in changed.itertuples(index=False):
        values = dict(zip(EDITOR_COLUMNS, row, strict=True))
        field = FIELD_OF.get(values["Read as"], IGNORE)
        fixed = {f: str(values[title]).strip() for f, title in FIXED_COLUMNS.items()
                 if values[title] and str(values[title]).strip() and values[title] != NO_METRIC}
        if fixed and field == IGNORE:
            field = "value"  # a column given its metric (or group...) is a column of values, whatever 'Read as' still says
        spec: object = fixed if field == "value" and fixed else field
        existing = _header_entry(mapping, values["Column"])
        if existing is not None:
            entries = _entries(mapping, existing[0])
            for key in [k for k in entries if fold_label(k) == fold_label(values["Column"])]:
                entries.pop(key)
        same_header_elsewhere = (before.Column == values["Column"]).sum() > 1
        sheet = str(values["Table"]).split(", table at row ")[0]
        _entries(mapping, f"sheet:{sheet}" if same_header_elsewhere else None)[values["Column"]] = spec
    return mapping


def with_group_columns(mapping: dict, before: pd.DataFrame, columns: list[str], dimension: str) -> dict:
    """The mapping with each of `columns` (by header) read as values of its own group of `dimension`, the group named
    by the header: the shape of an export whose groups run across (Asian, Black, Hispanic...)."""
    after = before.copy()
    chosen = after.Column.isin(columns)
    after.loc[chosen, "Read as"] = READ_AS["value"]
    after.loc[chosen, FIXED_COLUMNS["dimension"]] = dimension.strip()
    after.loc[chosen, FIXED_COLUMNS["group"]] = after.loc[chosen, "Column"]
    return with_columns(mapping, before, after)


def constant_rows(mapping: dict, columns_mapped: dict[str, dict[str, str]], scope_names: dict[str, str | None],
                  catalog: Catalog) -> pd.DataFrame:
    """Every constant: the partner's (with where it applies) and the ones Backbone guessed (a period from a title)."""
    where = {prefix: words for words, prefix in scope_names.items()}
    rows = []
    for prefix, entries in [(None, mapping), *((k, v) for k, v in mapping.items() if isinstance(v, dict)
                                                 and str(k).lower().startswith(("sheet:", "table:")))]:
        for key, spec in entries.items():
            if fold_label(key) in CONSTANT_FIELDS and isinstance(spec, str) and spec.startswith("="):
                value = spec[1:]
                rows.append({"Applies to": where.get(prefix, prefix or WHOLE_FILE), "Field": CONSTANT_FIELDS[fold_label(key)],
                             "Value": _catalog_name(catalog, value) if fold_label(key) == "metric" else value,
                             "Source": YOURS, "key": (prefix, key)})
    ours = {(r["Field"], r["Value"]) for r in rows}
    for table, mapped in columns_mapped.items():
        for field, columns in mapped.items():
            if columns.startswith("=") and field in CONSTANT_FIELDS:
                value = _catalog_name(catalog, columns[1:]) if field == "metric" else columns[1:]
                if (CONSTANT_FIELDS[field], value) not in ours:
                    rows.append({"Applies to": f"'{table}'", "Field": CONSTANT_FIELDS[field], "Value": value,
                                 "Source": GUESS, "key": None})
    return pd.DataFrame(rows, columns=["Applies to", "Field", "Value", "Source", "key"])


def with_constant(mapping: dict, scope: str | None, field: str, value: str, catalog: Catalog) -> dict:
    """The mapping with one constant set (every row of the scope has it): a metric by its catalog name."""
    mapping = copy.deepcopy(mapping)
    if field == "metric":
        metric = catalog.find(value)
        value = metric.name if metric else value
    _entries(mapping, scope)[field] = f"={value.strip()}"
    return mapping


def without(mapping: dict, key: tuple[str | None, str]) -> dict:
    """The mapping less one entry (a constant: its scope and key); an emptied scope goes too."""
    mapping = copy.deepcopy(mapping)
    scope, name = key
    entries = _entries(mapping, scope)
    entries.pop(name, None)
    if scope is not None and not entries:
        mapping.pop(scope)
    return mapping


def with_tables(mapping: dict, chosen: list[str], every: list[str]) -> dict:
    """The mapping loading only the `chosen` tables (by their title or sheet), or all of them when all are chosen."""
    mapping = copy.deepcopy(mapping)
    mapping.pop("tables", None)
    if chosen and set(chosen) != set(every):
        mapping["tables"] = list(chosen)
    return mapping


def table_references(headers_seen: dict[str, list[str]], table_titles: dict[str, str], skipped: dict[str, str]) -> list[str]:
    """Every table the file has, by the name a mapping's "tables" entry can use: its title, else its sheet."""
    keys = [key for key in dict.fromkeys([*headers_seen, *skipped]) if key in table_titles or key in headers_seen]
    sheet_of = {key: key.split(", table at row ")[0] for key in keys}
    references = []
    for key in keys:
        title, sheet = table_titles.get(key, ""), sheet_of[key]
        # A title whose words run inside another table's title ("fiscal year 2021" inside "Table B ... for fiscal
        # year 2021") would choose both: name the table by its sheet instead where the sheet holds only it.
        chooser = parse_mapping({"tables": [title]}) if title else None
        ambiguous = chooser is not None and any(chooser.chooses(sheet_of[other], table_titles.get(other, ""))
                                                for other in keys if other != key)
        alone = sum(s == sheet for s in sheet_of.values()) == 1
        reference = sheet if not title or (ambiguous and alone) else title
        if reference not in references:
            references.append(reference)
    return references


def chosen_tables(mapping: dict, every: list[str]) -> list[str]:
    """The tables the mapping loads (all of them when it does not say)."""
    chosen = mapping.get("tables")
    if not chosen:
        return list(every)
    chosen = chosen if isinstance(chosen, list) else [chosen]
    return [t for t in every if fold_label(t) in {fold_label(c) for c in chosen}]


def code_rows(mapping: dict) -> pd.DataFrame:
    """The partner's own codes for a value not shown, as rows: code, and whether it means suppressed or missing."""
    codes = mapping.get("codes") or {}
    return pd.DataFrame([{"Code": str(code), "Means": meaning} for code, meaning in codes.items()],
                        columns=["Code", "Means"])


def with_codes(mapping: dict, rows: pd.DataFrame) -> dict:
    """The mapping with the codes as edited (blank codes dropped)."""
    mapping = copy.deepcopy(mapping)
    codes = {str(r.Code).strip(): r.Means for r in rows.itertuples(index=False)
             if isinstance(r.Code, str) and r.Code.strip() and r.Means in CODE_MEANINGS}
    mapping.pop("codes", None)
    if codes:
        mapping["codes"] = codes
    return mapping


def fiscal_start(mapping: dict) -> int | None:
    """The fiscal year's first month the mapping sets, or None (the catalog's for the partner)."""
    return parse_mapping(mapping).fiscal_start


def with_fiscal_start(mapping: dict, month: int | None) -> dict:
    """The mapping with the fiscal year's first month set (None: the catalog's, for the partner)."""
    mapping = copy.deepcopy(mapping)
    mapping.pop("fiscal_year_start", None)
    if month:
        mapping["fiscal_year_start"] = int(month)
    return mapping


_MISSING = re.compile(r"gives the ((?:metric|period|value)(?: or the (?:metric|period|value))*)")
STEPS_SHOWN = 4


def next_steps(errors: list, sheets_skipped: dict[str, str], headers_seen: dict[str, list[str]]) -> list[tuple[str, str, str | None]]:
    """The choices in the assistant that answer the file's findings: (what to do, the assistant's tab, the field of a
    constant to set or None), a few at most, the whole table's first."""
    steps: list[tuple[str, str, str | None]] = []
    for reason in sheets_skipped.values():
        if found := _MISSING.search(reason):
            for field in found.group(1).split(" or the "):
                steps.append(("Choose the column of values", "Columns", None) if field == "value" else
                             (f"Set the {CONSTANT_FIELDS[field]} for every row", "Same for every row", field))
    headers = {h for table in headers_seen.values() for h in table}
    for finding in errors:
        if finding.column in headers:
            steps.append((f"Change how '{finding.column}' is read", "Columns", None))
        elif finding.row is None and "header row" in finding.message:
            steps.append(("Say what your columns hold", "Columns", None))
    return list(dict.fromkeys(steps))[:STEPS_SHOWN]
