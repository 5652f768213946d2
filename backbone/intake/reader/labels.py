"""What a row or column label says, across publishers: a total, a summary statistic, a level of geography, a demographic
group, or an ordinary name, once footnote marks and dot leaders are set aside.

Rules about shapes, not lists of one agency's strings: a total is 'Total' or 'All' alone or joined to a level or a
name ('State Total', '---District Total---', 'Total England and Wales', 'National total(a)', 'Statewide'); a summary
is a statistic over the rows ('Median', 'Mean', 'HP 2020 Target', '95% CI', 'RSE'); a level word names a kind of place
('State', 'District', 'School'); nations and US states are places of a known level.
"""

from __future__ import annotations

import re
from functools import lru_cache

from backbone.text import fold_label

# Footnote marks and dot leaders agencies glue to labels: 'National total(a)', 'Puerto Rico*', 'Other^',
# 'Alabama ..........', 'Rape (revised definition)1', 'Vic(a)', 'Indigenous status(d)', '\1\'.
_TRAILING_MARKS = re.compile(r"(\s*(\((?:[a-z]|\d{1,2}|[ivx]{1,4})\)|\[(?:[a-z]|\d{1,2})\]|[*~^†‡#¹²³⁴⁵⁶⁷⁸⁹⁰]+|\\\d+\\))+\s*$",
                             re.IGNORECASE)
_GLUED_DIGITS = re.compile(r"(?<=[a-z)])\d{1,2}$", re.IGNORECASE)  # 'definition)1', 'Murder2'
_DOT_LEADER = re.compile(r"\s*(\.\s*){3,}\s*$")
_DASH_FRAME = re.compile(r"^[-=_*\s]+|[-=_*\s]+$")  # '---District Total---', '==Total=='

LEVELS = ("nation", "state", "region", "county", "local authority", "city", "district", "school", "neighbourhood",
          "tract", "zip code", "ward", "police force", "institution")
# Words for a level of geography, folded -> the level (widest first in LEVELS).
LEVEL_WORDS = {
    "national": "nation", "nation": "nation", "nationwide": "nation", "country": "nation", "countrywide": "nation",
    "us": "nation", "u s": "nation", "federal": "nation",
    "state": "state", "statewide": "state", "states": "state", "province": "state", "territory": "state",
    "regional": "region", "region": "region", "regions": "region",
    "county": "county", "countywide": "county", "counties": "county", "parish": "county",
    "local authority": "local authority", "la": "local authority", "local authorities": "local authority",
    "borough": "local authority",
    "city": "city", "citywide": "city", "municipality": "city", "town": "city",
    "district": "district", "districtwide": "district", "districts": "district", "school district": "district",
    "lea": "district", "leas": "district",
    "school": "school", "schools": "school", "institution": "school", "campus": "school", "building": "school",
    "neighbourhood": "neighbourhood", "neighborhood": "neighbourhood", "ward": "ward", "tract": "tract",
    "zip": "zip code", "zip code": "zip code", "postcode": "zip code", "force": "police force",
}
NATIONS = {"united states", "united states of america", "usa", "u s a", "us", "u s", "america", "united kingdom", "uk",
           "great britain", "england", "wales", "scotland", "northern ireland", "england and wales", "australia",
           "aust", "canada", "new zealand", "ireland"}
US_STATES = {
    "alabama": "al", "alaska": "ak", "arizona": "az", "arkansas": "ar", "california": "ca", "colorado": "co",
    "connecticut": "ct", "delaware": "de", "district of columbia": "dc", "florida": "fl", "georgia": "ga",
    "hawaii": "hi", "idaho": "id", "illinois": "il", "indiana": "in", "iowa": "ia", "kansas": "ks", "kentucky": "ky",
    "louisiana": "la", "maine": "me", "maryland": "md", "massachusetts": "ma", "michigan": "mi", "minnesota": "mn",
    "mississippi": "ms", "missouri": "mo", "montana": "mt", "nebraska": "ne", "nevada": "nv", "new hampshire": "nh",
    "new jersey": "nj", "new mexico": "nm", "new york": "ny", "north carolina": "nc", "north dakota": "nd",
    "ohio": "oh", "oklahoma": "ok", "oregon": "or", "pennsylvania": "pa", "rhode island": "ri",
    "south carolina": "sc", "south dakota": "sd", "tennessee": "tn", "texas": "tx", "utah": "ut", "vermont": "vt",
    "virginia": "va", "washington": "wa", "west virginia": "wv", "wisconsin": "wi", "wyoming": "wy",
    "puerto rico": "pr",
}
_TOTAL_WORD = r"(?:grand |overall |sub ?)?totals?"
_TOTAL = re.compile(rf"^(?:{_TOTAL_WORD}|all|all areas|all places|everyone|whole|combined)$")
_TOTAL_OF = re.compile(rf"^(?:{_TOTAL_WORD}|all)\s+(?:for\s+|of\s+)?(.+)$|^(.+?)\s+(?:{_TOTAL_WORD}|all|rate|average|figure)$")
# Statistics over the rows, never a place or group of their own.
_SUMMARY = re.compile(
    r"^(median|mean|average|avg|arithmetic mean|simple average|mode|range|minimum|maximum|min|max|std|sd"
    r"|standard deviation|standard error|se|relative standard error|rse|rse %|cv|coefficient of variation"
    r"|(?:\d+ ?%? ?)?(?:percent )?(?:ci|confidence interval|conf int)(?: (?:lower|upper|low|high)(?: bound| limit)?)?"
    r"|(?:lower|upper) (?:ci|bound|limit|confidence (?:interval|limit))|lcl|ucl|moe|margin of error"
    r"|(?:hp|healthy people) ?\d{4}(?: target| goal| objective)?|target|goal|benchmark|objective|estimated total"
    r"|area actually reporting|percent change|change|rank|ranking|subtotal.*|sub total.*|number of .* reporting"
    r"|.* (?:median|average|target|goal))$")
# Group labels meaning everyone: the template's blank group.
EVERYONE = {"total population", "all students", "all", "total", "everyone", "all races", "all races ethnicities",
            "all races and ethnicities", "both sexes", "persons", "all persons", "all people", "all ages",
            "all children", "all pupils", "all families", "all groups", "total all", "grand total", "overall"}
# Words that say which dimension a column of groups belongs to.
GROUP_WORDS = {
    "Race/ethnicity": re.compile(r"\b(white|black|african american|asian|hispanic|latino|latinx|american indian|"
                                 r"alaska(n)? native|native hawaiian|pacific islander|two or more|multiracial|"
                                 r"multi racial|mixed|chinese|aboriginal|torres strait|indigenous|first nations|"
                                 r"native american|caucasian|non hispanic|ethnicity|race)\b"),
    "Gender": re.compile(r"^(male|female|males|females|men|women|boys|girls|transgender|non binary|nonbinary|"
                         r"gender|sex|other gender)$"),
    "Age group": re.compile(r"^(under \d+|\d+ (?:to|and|-)? ?\d+(?: years?)?|\d+ years? and (?:over|older)|"
                            r"\d+\+|aged? .*|\d+ ?- ?\d+ years)$"),
}


@lru_cache(maxsize=65536)
def clean_label(text: object) -> str:
    """A label without footnote marks, dot leaders, dash frames and doubled spaces: 'Alabama', 'National total'."""
    value = " ".join(str(text).replace("\xa0", " ").split()) if text is not None else ""
    for _ in range(2):
        value = _DOT_LEADER.sub("", value)
        value = _TRAILING_MARKS.sub("", value)
        value = _DASH_FRAME.sub("", value)
    return value.strip()


@lru_cache(maxsize=65536)
def label_key(text: object) -> str:
    """A label folded for matching, marks and leaders set aside."""
    return fold_label(clean_label(text))


@lru_cache(maxsize=65536)
def label_key_loose(text: object) -> str:
    """label_key, also without a footnote number glued to the end ('Rape (revised definition)1')."""
    return fold_label(_GLUED_DIGITS.sub("", clean_label(text)))


@lru_cache(maxsize=65536)
def is_summary(text: object) -> bool:
    """True for a statistic over other rows: Median, Mean, a target, a confidence interval, RSE, a subtotal."""
    key = label_key(text)
    return bool(key) and bool(_SUMMARY.match(key))


@lru_cache(maxsize=65536)
def total_of(text: object) -> tuple[bool, str | None, str | None]:
    """(is a total, the level it totals, the named place it totals): 'State Total' -> (True, 'state', None),
    'Total England and Wales' -> (True, None, 'England and Wales'), 'Total' -> (True, None, None)."""
    cleaned = clean_label(text)
    key = fold_label(cleaned)
    if not key:
        return False, None, None
    if _TOTAL.match(key):
        return True, None, None
    if key in LEVEL_WORDS and key.endswith("wide"):
        return True, LEVEL_WORDS[key], None
    if match := _TOTAL_OF.match(key):
        rest = match.group(1) or match.group(2)
        if rest in LEVEL_WORDS:
            return True, LEVEL_WORDS[rest], None
        if match.group(2) and not re.search(r"\btotal|\ball\b", key):
            return False, None, None  # 'Texas average', 'State rate' handled above; a name + 'rate' is not a total
        named = re.sub(rf"^(?:{_TOTAL_WORD}|all)\s+(?:for\s+|of\s+)?|\s+(?:{_TOTAL_WORD}|all)$", "", cleaned,
                       flags=re.IGNORECASE).strip(" -:")
        return True, None, named or None
    return False, None, None


@lru_cache(maxsize=65536)
def level_of(text: object) -> str | None:
    """The level a bare level word names ('State', 'District', 'Local authority'), else None."""
    return LEVEL_WORDS.get(label_key(text))


@lru_cache(maxsize=65536)
def known_place_level(text: object) -> str | None:
    """'nation' or 'state' for a nation or a US state (by name or postal code), else None."""
    key = label_key(text)
    if key in NATIONS:
        return "nation"
    if key in US_STATES or (len(key) == 2 and key in US_STATES.values()):
        return "state"
    return None


@lru_cache(maxsize=65536)
def everyone(text: object) -> bool:
    """True for a group label that means everyone ('All Students', 'Total', 'Both sexes')."""
    return label_key(text) in EVERYONE or total_of(text)[0] and not total_of(text)[2]


def dimension_of_groups(labels: list[str]) -> str | None:
    """The dimension a set of group labels belongs to ('White', 'Black', 'Asian' -> 'Race/ethnicity'), when most match."""
    keys = [label_key(label) for label in labels if label_key(label)]
    if not keys:
        return None
    for dimension, pattern in GROUP_WORDS.items():
        if sum(bool(pattern.search(k)) for k in keys) * 2 > len(keys):
            return dimension
    return None


def level_rank(level: str | None) -> int:
    """Wider levels first: nation 0, state 1, ...; unknown levels after the known ones."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


# What a unit cell says a row's value is ('Percent', '%', 'Number', 'no.', 'Currency', '$m', 'Rate'), and the words
# that name a metric in that unit ('Children in poverty (percent)').
UNIT_CLASSES = {
    "percent": re.compile(r"^(percent|percentage|pct|%|% \(as\)|proportion|share|per cent)\b|^%"),
    "number": re.compile(r"^(number|count|no|num|#|n|persons|people|total)\b"),
    "currency": re.compile(r"^(currency|dollars?|\$|usd|aud|gbp|cad|\$m|\$'000|pounds|amount)"),
    "rate": re.compile(r"^(rate|per\b)"),
}
CATALOG_UNIT_CLASS = {"percent": "percent", "count": "number", "number": "number", "index": "number",
                      "dollars": "currency", "rate_per_1000": "rate", "rate_per_100000": "rate"}
UNIT_WORDS = {"percent": ("percent", "%", "share", "rate"), "number": ("number", "count"),
              "currency": ("dollars", "amount"), "rate": ("rate",)}


@lru_cache(maxsize=4096)
def unit_class(text: object) -> str | None:
    """'percent', 'number', 'currency' or 'rate' for a unit cell, else None."""
    key = " ".join(str(text).lower().split()) if text is not None else ""
    for name, pattern in UNIT_CLASSES.items():
        if pattern.search(key):
            return name
    return None
