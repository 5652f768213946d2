"""What a column holds, decided from its header (names, synonyms, a period or a metric inside it, a place, a group) or,
where the header does not say, from its cells (a column of metric names, of dates, of places, of footnote marks).

The catalog (metric names and aliases, places) is what makes an agency's own words readable: 'Violent crime' is a
metric because the catalog says so, 'Overall Homeless - Black, African American, or African, 2022' is that metric for
that group in 2022, 'City of Toronto' is a place of the catalog.
"""

from __future__ import annotations

import re

from backbone.intake.reader.labels import (
    clean_label,
    dimension_of_groups,
    is_summary,
    known_place_level,
    label_key,
    label_key_loose,
    level_of,
    total_of,
)
from backbone.intake.reader.mapping import FLAG_FIELD, ColumnSpec, Mapping
from backbone.intake.reader.periods import read_period
from backbone.text import fold_label

# Header words partners' systems use for the template's fields (folded: lower case, punctuation as spaces).
HEADER_SYNONYMS = {
    "metric": {"metric", "indicator", "measure", "metric name", "metric code", "indicator name", "measure name",
               "indicator code", "measure code", "variable", "characteristic", "statistic"},
    "period": {"period", "year", "school year", "sy", "time period", "reporting period", "fiscal year", "date",
               "academic year", "data year", "financial year", "time", "timeframe", "time frame", "sch year",
               "survey year", "report year", "reporting year", "calendar year", "cohort year", "year of", "fy",
               "end year", "school year end", "quarter", "month", "reporting date", "report date", "census date",
               "cohort", "graduating class", "class of"},
    "geography": {"geography", "geo", "place", "area", "location", "neighborhood", "neighbourhood", "community",
                  "jurisdiction", "county", "county name", "district", "district name", "school", "school name",
                  "state", "state name", "state territory", "country", "country name", "region", "region name",
                  "local authority", "la name", "local authority name", "la", "city", "town", "municipality",
                  "province", "territory", "ward", "tract", "zip code", "zip", "dist name", "sch name", "lea name",
                  "institution name", "agency", "police force", "force", "borough", "parish", "geography name",
                  "area name", "location name", "jurisdiction name", "neighbourhood name", "neighborhood name"},
    "dimension": {"dimension", "disaggregation", "breakdown", "group type", "subgroup type", "category",
                  "student group type", "demographic type", "disaggregation type", "characteristic type"},
    "group": {"group", "group value", "student group", "subgroup", "demographic", "population group",
              "race ethnicity", "race", "ethnicity", "gender", "sex", "ethnic group", "disagg label",
              "demographic group", "demographic value", "age group", "age", "race and ethnicity", "student subgroup"},
    "value": {"value", "rate", "percent", "pct", "result", "amount", "%", "data", "estimate"},
    "numerator": {"numerator", "num"},
    "denominator": {"denominator", "denom"},
    "note": {"note", "notes", "comment", "comments", "footnote"},
    "unit": {"unit", "units", "dataformat", "data format", "format", "unit of measure", "measure unit", "value type",
             "data type", "unit type"},
}
# A group column named after its dimension fixes the dimension too.
GROUP_DIMENSIONS = {"race ethnicity": "Race/ethnicity", "race": "Race/ethnicity", "ethnicity": "Race/ethnicity",
                    "gender": "Gender", "sex": "Gender", "ethnic group": "Race/ethnicity",
                    "race and ethnicity": "Race/ethnicity", "age group": "Age group", "age": "Age group"}
# A Y/N suppression flag: 'Suppressed', 'Suppression flag', 'SUPPRESSED4YR', 'Suppressed 5 Year', 'Suppressed (Y/N)'.
FLAG_HEADER = re.compile(r"^(is )?suppress(ed|ion)?( ?flag)?( ?y ?n)?( ?\d+ ?(yr|year)s?)?$")
# Codes and identifiers of places or rows: never values ('LA Number', 'County FIPS Code', 'Institution ID').
CODE_HEADER = re.compile(r"(^|\s)(code|codes|id|ids|identifier|fips|fips code|number|no|num|cd|key|order|sort|rank|"
                         r"sequence|seq|row)$|^(id|code|fips|geoid|lea id|nces id|ncessch|leaid)\b")
# Words around a period inside a header that say nothing more ('Financial year 04/05', 'FY 2012', 'Year 2019').
_PERIOD_WORDS = {"", "year", "financial year", "fiscal year", "school year", "academic year", "fy", "sy", "period",
                 "calendar year", "data year", "value", "values", "total", "number", "rate", "percent", "data"}
# A period at the end (or the start) of a header: 'Pop 2010', 'Overall Homeless, 2022', 'Total eligible ... 2007'.
_PERIOD_AT_END = re.compile(r"^(.*?)[\s,;:(\-–]*((?:fy|sy)?\s*'?(?:(?:18|19|20)\d\d(?:\s*[-/–]\s*(?:\d\d|(?:19|20)\d\d))?"
                            r"|\d\d/\d\d)(?:\s*(?:\([a-z0-9]{1,2}\)|[*~^†‡#\"]+))*)\)?\s*$", re.IGNORECASE)
_PERIOD_AT_START = re.compile(r"^((?:fy|sy)?\s*'?(?:(?:18|19|20)\d\d(?:\s*[-/–]\s*(?:\d\d|(?:19|20)\d\d))?|\d\d/\d\d))"
                              r"[\s,;:\-–]+(.+)$", re.IGNORECASE)
# Footnote marks alone in a cell: '\1\', 'R', '~', '(a)', '*', 'e' (a marker column between value columns).
MARKER = re.compile(r"^(\\\d+\\|\(?[a-z]\)?|[*~^†‡#]+|\d?[a-z]|[a-z]\d?|r|p|e|\"?\s?\*+)$", re.IGNORECASE)
NUMBERISH = re.compile(r"^[-+(]?\s*[$£€]?\s*(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\s*%?\)?\s*\S{0,3}$")


def find_metric(catalog, text: object):
    """The catalog metric a label names, footnote marks and dot leaders set aside; None when it names none."""
    if catalog is None or text is None:
        return None
    for key in dict.fromkeys((text, clean_label(text), label_key_loose(text))):
        found = catalog.find(key)
        if found is not None:
            return found
    return None


def find_place(catalog, text: object):
    """The catalog place a label names, footnote marks and dot leaders set aside; None when it names none."""
    if catalog is None or text is None or not getattr(catalog, "places", None):
        return None
    return catalog.place(text) or catalog.place(clean_label(text))


def metric_in_text(catalog, text: object) -> str | None:
    """A catalog metric named inside a title ('Numbers of Children Entering Foster Care, by State'): the longest name or
    alias of two words or more that runs, whole, inside it. Returns that name (the catalog finds the metric by it)."""
    if catalog is None or not text:
        return None
    folded = f" {label_key(text)} "
    best = None
    for name in catalog.names():
        if (" " in name or len(name) >= 8) and f" {name} " in folded and (best is None or len(name) > len(best)):
            best = name
    return best


def split_period(label: str) -> tuple[str, str] | None:
    """(the rest, the period) when a header holds a period beside other words ('Pop 2010' -> ('Pop', '2010'))."""
    cleaned = " ".join(label.replace("\u2013", "-").replace("\xa0", " ").split())
    for pattern, rest_group, period_group in ((_PERIOD_AT_END, 1, 2), (_PERIOD_AT_START, 2, 1)):
        match = pattern.match(cleaned)
        if match and read_period(match.group(period_group)) is not None:
            return match.group(rest_group).strip(" ,;:-–("), match.group(period_group).strip()
    return None


def decide(label: str, pieces: list[str], mapping: Mapping, catalog, column_key: str | None = None
           ) -> tuple[ColumnSpec | None, str]:
    """What a header says its column holds, and how that was decided ('mapping:key', 'header name', 'year header',
    'metric name', 'place name', 'total'); (None, '') when the header does not say."""
    keys = [fold_label(label)] + [fold_label(p) for p in reversed(pieces)]
    if column_key and column_key in mapping.columns:
        return mapping.columns[column_key], f"mapping:{column_key}:full"
    for position, key in enumerate(keys):
        if key in mapping.columns:
            return mapping.columns[key], f"mapping:{key}" + (":full" if position == 0 else ":part")
    # The whole header first (a synonym, then a metric's name), then its last row alone: 'All families Below poverty
    # Percent' is a metric the catalog names before it is a 'Percent' column.
    named = _field_named(label)
    if named is not None:
        return named, "header name"
    metric = find_metric(catalog, label)
    if metric is not None:
        return ColumnSpec("value", (("metric", label),)), "metric name"
    if len(pieces) > 1:
        named = _field_named(pieces[-1])
        if named is not None:
            return named, "header part"
    spec = _period_header(label, pieces, catalog)
    if spec is not None:
        return spec, "year header"
    # A metric named in any row of the header, nearest the bottom first ('Approaches to Learning' / 'Self Regulation' /
    # 'Average Rating (1 - 5)'), unless the bottom row says the column counts people ('N').
    if len(pieces) > 1 and fold_label(pieces[-1]) not in _COUNT_WORDS:
        for piece in reversed(pieces):
            if find_metric(catalog, piece) is not None:
                return ColumnSpec("value", (("metric", piece),)), "metric name"
    place = find_place(catalog, label) or (find_place(catalog, pieces[-1]) if len(pieces) > 1 else None)
    if place is not None:
        return ColumnSpec("value", (("geography", place.name),)), "place name"
    if total_of(label)[0] or total_of(pieces[-1])[0]:
        return ColumnSpec("total"), "total"
    if CODE_HEADER.search(label_key(label)):
        return ColumnSpec("ignore"), "code"
    return None, ""


# The bottom row of a header saying its column counts the people behind another column's value.
_COUNT_WORDS = {"n", "count", "number", "no", "sample size", "base", "denominator", "unweighted base", "students"}


def is_level_column(values: list[str | None]) -> bool:
    """A column saying what kind of place each row is ('State', 'District', 'School'): part of the place."""
    filled = [v for v in values if v]
    return bool(filled) and all(level_of(v) for v in filled)


def _field_named(text: str) -> ColumnSpec | None:
    """The template field a header's words name (synonyms, a flag, '... numerator'), or None."""
    for key in dict.fromkeys((fold_label(text), label_key(text), label_key_loose(text))):
        for name, words in HEADER_SYNONYMS.items():
            if key in words:
                return ColumnSpec(name)
        if FLAG_HEADER.match(key):
            return ColumnSpec(FLAG_FIELD)
        if key.endswith((" numerator", " num")) and not key.startswith("number"):
            return ColumnSpec("numerator")
        if key.endswith((" denominator", " denom")):
            return ColumnSpec("denominator")
        if _GROUP_WORDS.search(key) and not re.search(r"\b(number|percent|rate|count|total|of)\b", key):
            return ColumnSpec("group")
        if _PLACE_WORDS.match(key) and not CODE_HEADER.search(key) and not re.search(
                r"\b(code|fips|id|number|type|kind|category|level|class|classification)\b", key):
            return ColumnSpec("geography")
    return None


# A header naming a breakdown of people: 'Race/ethnicity used to report trends, school-reported', 'Student subgroup'.
_GROUP_WORDS = re.compile(r"^(race|ethnicity|race ethnicity|gender|sex|subgroup|student group|demographic)\b|"
                          r"\b(race ethnicity|subgroup|demographic group|student group)\b|\bgroup$")
# A header naming places: 'County Name/State Abbreviation', 'District (LEA) name', 'Neighbourhood of residence'.
_PLACE_WORDS = re.compile(r"^(county|district|school|state|city|region|neighbou?rhood|place|area|location|jurisdiction|"
                          r"local authority|la|country|municipality|province|territory|ward|tract|town|borough)"
                          r"( name| names)?\b(?! of\b)")


# A footnote digit glued to a year at the end of a header: 'Served 20201' is 2020, note 1 (a packed school year has six).
_GLUED_FOOTNOTE = re.compile(r"(?<!\d)((?:18|19|20)\d\d)\d$")


def _period_header(label: str, pieces: list[str], catalog) -> ColumnSpec | None:
    """A value column for a period, with the metric (and group) its other words name: 'FY 2012', 'Pop 2010',
    'Overall Homeless - Black, African American, or African, 2022'; None when the other words name nothing known."""
    whole = read_period(label) or (read_period(pieces[-1]) if len(pieces) > 1 else None)
    if whole is not None and re.search(r"\d{2}", label):
        text = label if read_period(label) else pieces[-1]
        rest = " ".join(p for p in pieces if p != text) if text != label else ""
        return _with_rest(rest, text, catalog, allow_plain=True)
    split = split_period(label) or split_period(_GLUED_FOOTNOTE.sub(r"\1", label))
    if split is None:
        return None
    rest, period = split
    return _with_rest(rest, period, catalog, allow_plain=False)


def _with_rest(rest: str, period: str, catalog, allow_plain: bool) -> ColumnSpec | None:
    if fold_label(rest) in _PERIOD_WORDS or label_key(rest) in _PERIOD_WORDS:
        return ColumnSpec("value", (("period", period),))
    metric = find_metric(catalog, rest)
    if metric is not None:
        return ColumnSpec("value", (("metric", rest), ("period", period)))
    # 'Overall Homeless - Black, African American, or African': a metric, then a group.
    for separator in (" - ", " – ", ": ", " by "):
        if separator in rest:
            head, _, group = rest.partition(separator)
            if find_metric(catalog, head) is not None and group.strip():
                return ColumnSpec("value", (("group", group.strip()), ("metric", head), ("period", period)))
    return ColumnSpec("value", (("period", period),)) if allow_plain and not rest.strip() else None


def group_dimension(label: str) -> str | None:
    """The dimension one group label belongs to ('Black, African American, or African' -> 'Race/ethnicity')."""
    return dimension_of_groups([label])


def is_numberish(text: str | None) -> bool:
    """A number as agencies write it (with separators, %, a sign, a glued footnote mark) or a short code."""
    if text is None:
        return False
    value = " ".join(str(text).split())
    return bool(value) and (bool(NUMBERISH.match(value)) and any(ch.isdigit() for ch in value) or len(value) <= 3
                            and not value.isalpha() or value.lower() in _CODES)


# Short codes agencies print in number columns (cells.py decides what each means).
_CODES = {"x", "c", "z", "n", "np", "na", "n/a", "nr", "-", "--", ".", "..", ". .", "*", "**", "***", "‡", "†", "—",
          "–", "nreq", "(b)", "s", "lne", "ds", "suppressed", "n.a.", ":"}


def sample_kind(values: list[str | None]) -> str:
    """What a column's sample of cells mostly is: 'empty', 'number', 'marker', 'period', 'text'."""
    filled = [" ".join(v.split()) for v in values if v is not None and str(v).strip()]
    if not filled:
        return "empty"
    if all(MARKER.match(v) for v in filled) and not all(v.isdigit() for v in filled):
        return "marker"
    if sum(is_numberish(v) for v in filled) >= 0.8 * len(filled):
        return "number"
    if sum(read_period(v) is not None for v in filled) >= 0.8 * len(filled):
        return "period"
    return "text"


def is_summary_marker(values: list[str | None]) -> bool:
    """A column that marks some rows as statistics about an estimate ('95%CI', 'RSE') and leaves the estimate blank."""
    filled = [v for v in values if v is not None and str(v).strip()]
    return bool(filled) and len(filled) < len(values) and all(is_summary(v) for v in filled)


def is_place_column(values: list[str | None], catalog) -> bool:
    """A column of place names: some cells are catalog places, nations or US states."""
    filled = {v for v in values if v is not None and str(v).strip()}
    hits = sum(1 for v in filled if find_place(catalog, v) or known_place_level(v))
    return hits >= 1 and hits * 10 >= len(filled)


def metric_hits(values: list[str | None], catalog) -> int:
    """How many distinct cells of a column name a catalog metric (also with a period at their end: 'Population, 2016')."""
    hits = 0
    for value in {v for v in values if v is not None and str(v).strip()}:
        if find_metric(catalog, value) is not None:
            hits += 1
        elif (split := split_period(str(value))) and find_metric(catalog, split[0]) is not None:
            hits += 1
    return hits
