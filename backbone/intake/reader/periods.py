"""Reporting periods as agencies write them, and the period each one denotes for a metric of a given frequency.

Read (`read_period`): years, school and financial years in every spelling (`2019-20`, `2019/20`, `2019–20`, `04/05`,
`201920`, `20192020`, `FY 2020`, `FY2019-20`, `fiscal year 2021`), spans (`2015-2019`, `2011-13`), quarters, months
(`Jan 2023`, `2023-01`), dates (`2023-01-31`, `01/31/2023`, `31-Mar-23`, `Jan 1 2023`, `1 April 2017`, Excel serial
numbers, date cells) and date ranges (`07/01/2010 - 06/30/2011`, `1 April 2017 to 31 March 2018`, `Year ending 31
March 2018`, `January to March 2017`); footnote marks (`2017 (2)`, `2010/11*`, `15/16" **`, `2011–12(a)`) are set aside.

Resolved (`resolve_period`) with the metric's frequency (catalog: annual, school year, fiscal year, quarter, month, or
as written) and the fiscal year's first month: a date becomes the period of that frequency containing it, a range that
is exactly a year, quarter or month becomes that period, and an ambiguous span is decided by the frequency with a
warning that says which reading was taken.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

FREQUENCIES = ("as written", "annual", "school year", "fiscal year", "quarter", "month")
DEFAULT_FISCAL_START = 7  # US states and school districts mostly run July-June fiscal years (UK April, US federal October)


@dataclass(frozen=True)
class Period:
    """A period with a label people read and the dates it covers."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class Reading:
    """What a period cell says, before the metric's frequency is applied.

    kind: 'year', 'pair' (two years: a school or financial year, or a span), 'fiscal' (FY n), 'fiscal pair' (FY
    2019-20), 'quarter', 'month', 'day', 'range'. `first`/`last` are years (pair), `day`/`until` dates, `mark` a
    footnote mark that was set aside.
    """

    kind: str
    first: int = 0
    last: int = 0
    day: date | None = None
    until: date | None = None
    mark: str = ""


MONTHS = {name: i for i, names in enumerate(
    [(), ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")]) for name in names}
_MONTH = (r"(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october"
          r"|nov|november|dec|december)\.?")
_Y4 = r"((?:18|19|20)\d\d)"
# Footnote marks agencies glue to a period: '2017 (2)', '2010/11*', '15/16" **', '2011–12(a)', '2019r', '2020 [p]'.
_MARK = re.compile(r"""(\s*(\((?:\d{1,2}|[a-z])\)|\[(?:\d{1,2}|[a-z])\]|[*~^†‡#"'¹²³⁴⁵⁶⁷⁸⁹⁰]+|(?<=\d)[rpe]))+$""", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:sy|ay|cy|school year|academic year|calendar year|data year|year|reporting year|period|"
                     r"class of|cohort|cohort of|graduating class of)\s*:?\s*", re.IGNORECASE)
_FY_PREFIX = re.compile(r"^(?:fy|f\.y\.|fiscal year|financial year|federal fiscal year|state fiscal year|sfy|ffy)\s*'?",
                        re.IGNORECASE)
_YEAR = re.compile(rf"^{_Y4}(?:\.0+)?$")
_PAIR = re.compile(rf"^{_Y4}\s*[-/–—_]\s*(\d{{2}}|(?:18|19|20)\d\d)$")
_SHORT_PAIR = re.compile(r"^(\d{2})\s*/\s*(\d{2})$")  # 04/05 (with a dash, 15-16 is more often an age band)
_PACKED = re.compile(rf"^{_Y4}((?:18|19|20)\d\d|\d\d)$")  # 20192020, 201920
_QUARTER = re.compile(rf"^(?:{_Y4}\s*[-/ ]?\s*q([1-4])|q([1-4])\s*[-/ ]?\s*{_Y4})$", re.IGNORECASE)
_ISO_MONTH = re.compile(rf"^{_Y4}-(\d{{2}})$")
_NUMERIC_MONTH = re.compile(rf"^(\d{{1,2}})/{_Y4}$")
_NAMED_MONTH = re.compile(rf"^{_MONTH}[\s,-]*'?(\d{{4}}|\d{{2}})$|^{_Y4}[\s-]*{_MONTH}$", re.IGNORECASE)
_ISO_DATE = re.compile(rf"^{_Y4}[-/](\d{{1,2}})[-/](\d{{1,2}})(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?:\s+\d\d?:\d\d(?::\d\d)?)?$")
_DAY_MONTH = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?[\s-]+{_MONTH}[\s,-]+(\d{{4}}|\d{{2}})$", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"^{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$", re.IGNORECASE)
_SERIAL = re.compile(r"^([2-7]\d{4})(?:\.0+)?$")  # an Excel date serial number: 1954 to 2119
_RANGE = re.compile(r"^(.+?)\s+(?:-|–|—|to|through|thru|until)\s+(.+)$", re.IGNORECASE)
_YEAR_ENDING = re.compile(r"^(?:the\s+)?(?:12 months |year |twelve months )?(?:ending|ended)\s+(.+)$", re.IGNORECASE)
_MONTH_TO_MONTH = re.compile(rf"^{_MONTH}\s+(?:-|–|to|through)\s+{_MONTH}\s+{_Y4}$", re.IGNORECASE)


def _clean(raw: object) -> tuple[str, str]:
    """Cell text without footnote marks, dashes unified, spaces single; and the mark that was set aside."""
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.isoformat(), ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = " ".join(str(raw).replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ").split()) if raw is not None else ""
    text = text.strip(" ,;:-")
    mark = ""
    if found := _MARK.search(text):
        if found.start() > 0:
            mark, text = found.group(0).strip(), text[:found.start()].rstrip(" ,;:-")
    return text, mark


def _two_digit_year(text: str) -> int:
    year = int(text)
    return year if year >= 100 else (2000 + year if year < 70 else 1900 + year)


def _pair_last(first: int, second: str) -> int | None:
    last = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
    if len(second) == 2 and last < first:
        last += 100  # 1999-00
    return last if last > first else None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _read_date(text: str, day_first: bool | None = None) -> date | None:
    if match := _ISO_DATE.match(text):
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _SLASH_DATE.match(text):
        a, b, year = int(match.group(1)), int(match.group(2)), _two_digit_year(match.group(3))
        if day_first is None:
            day_first = a > 12  # a US agency writes 07/17/2023; 17/07/2023 can only be day first
        return _day(year, b, a) if day_first else _day(year, a, b)
    if match := _DAY_MONTH.match(text):
        return _day(_two_digit_year(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    if match := _MONTH_DAY.match(text):
        return _day(int(match.group(3)), MONTHS[match.group(1).lower()], int(match.group(2)))
    return None


def read_period(raw: object, day_first: bool | None = None) -> Reading | None:
    """What a period cell says (before the metric's frequency is applied), or None when it names no period."""
    if isinstance(raw, (date, datetime)):
        return Reading("day", day=raw.date() if isinstance(raw, datetime) else raw)
    text, mark = _clean(raw)
    if not text or len(text) > 60:
        return None
    fiscal = bool(_FY_PREFIX.match(text))
    text = _FY_PREFIX.sub("", text) if fiscal else _PREFIX.sub("", text)
    reading = _read_text(text, day_first)
    if reading is None:
        return None
    if fiscal and reading.kind in ("year", "pair"):
        if reading.kind == "pair" and reading.last != reading.first + 1:
            return None
        reading = Reading("fiscal" if reading.kind == "year" else "fiscal pair", reading.first, reading.last)
    return Reading(reading.kind, reading.first, reading.last, reading.day, reading.until, mark)


def _read_text(text: str, day_first: bool | None) -> Reading | None:
    if match := _YEAR.match(text):
        return Reading("year", int(match.group(1)), int(match.group(1)))
    if match := _PAIR.match(text):
        first = int(match.group(1))
        last = _pair_last(first, match.group(2))
        if last is None:
            return None
        if len(match.group(2)) == 2 and "-" in text and 1 <= int(match.group(2)) <= 12 and last != first + 1:
            return Reading("month", first, first, date(first, int(match.group(2)), 1))  # 2023-01
        return Reading("pair", first, last)
    if match := _SHORT_PAIR.match(text):
        first, second = _two_digit_year(match.group(1)), int(match.group(2))
        if (first + 1) % 100 == second:
            return Reading("pair", first, first + 1)
        return None
    if match := _PACKED.match(text):
        first = int(match.group(1))
        last = _pair_last(first, match.group(2))
        return Reading("pair", first, last) if last == first + 1 else None
    if match := _QUARTER.match(text):
        year, quarter = int(match.group(1) or match.group(4)), int(match.group(2) or match.group(3))
        start = date(year, 3 * quarter - 2, 1)
        return Reading("quarter", year, year, start, _month_end(year, 3 * quarter))
    if match := _ISO_MONTH.match(text):
        month = int(match.group(2))
        return Reading("month", int(match.group(1)), int(match.group(1)), date(int(match.group(1)), month, 1)) if 1 <= month <= 12 else None
    if match := _NUMERIC_MONTH.match(text):
        month = int(match.group(1))
        return Reading("month", int(match.group(2)), int(match.group(2)), date(int(match.group(2)), month, 1)) if 1 <= month <= 12 else None
    if (match := _NAMED_MONTH.match(text)) and not _DAY_MONTH.match(text):
        name = match.group(1) or match.group(4)
        year = _two_digit_year(match.group(2) or match.group(3))
        return Reading("month", year, year, date(year, MONTHS[name.lower()], 1))
    if day := _read_date(text, day_first):
        return Reading("day", day.year, day.year, day)
    if match := _SERIAL.match(text):
        day = date(1899, 12, 30) + timedelta(days=int(match.group(1)))  # Excel's day zero (with its 1900 leap-day bug)
        return Reading("day", day.year, day.year, day)
    if match := _MONTH_TO_MONTH.match(text):
        year = int(match.group(3))
        first, last = MONTHS[match.group(1).lower()], MONTHS[match.group(2).lower()]
        if last >= first:
            return Reading("range", year, year, date(year, first, 1), _month_end(year, last))
        return Reading("range", year - 1, year, date(year - 1, first, 1), _month_end(year, last))
    if match := _YEAR_ENDING.match(text):
        end = _read_date(match.group(1), day_first)
        if end is None:
            return None
        start = _year_before(end)
        return Reading("range", start.year, end.year, start, end)
    if match := _RANGE.match(text):
        start, end = _read_date(match.group(1).strip(), day_first), _read_date(match.group(2).strip(), day_first)
        if start and end and end >= start:
            return Reading("range", start.year, end.year, start, end)
        first, last = _YEAR.match(match.group(1).strip()), _YEAR.match(match.group(2).strip())
        if first and last and int(last.group(1)) > int(first.group(1)):
            return Reading("pair", int(first.group(1)), int(last.group(1)))
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_before(end: date) -> date:
    """The first day of the twelve months ending on `end`."""
    following = end + timedelta(days=1)
    return _day(following.year - 1, following.month, following.day) or date(following.year - 1, following.month, 28)


def _fiscal(end_year: int, start_month: int, label: str | None = None) -> Period:
    if start_month == 1:
        return Period(label or str(end_year), date(end_year, 1, 1), date(end_year, 12, 31))
    start = date(end_year - 1, start_month, 1)
    return Period(label or f"{end_year - 1}-{str(end_year)[-2:]}", start, _month_end(end_year, start_month - 1))


def school_year(first: int) -> Period:
    """A school year starts on 1 July of its first calendar year."""
    return Period(f"{first}-{str(first + 1)[-2:]}", date(first, 7, 1), date(first + 1, 6, 30))


def _containing(day: date, frequency: str, fiscal_start: int) -> Period | None:
    """The period of `frequency` that contains a date (None: keep the date as written)."""
    if frequency == "annual":
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    if frequency == "school year":
        return school_year(day.year if day.month >= 7 else day.year - 1)
    if frequency == "fiscal year":
        return _fiscal(day.year + (day.month >= fiscal_start and fiscal_start != 1), fiscal_start)
    if frequency == "quarter":
        quarter = (day.month - 1) // 3 + 1
        return Period(f"{day.year} Q{quarter}", date(day.year, 3 * quarter - 2, 1), _month_end(day.year, 3 * quarter))
    if frequency == "month":
        return Period(f"{day.year}-{day.month:02d}", date(day.year, day.month, 1), _month_end(day.year, day.month))
    return None


def resolve_period(reading: Reading, frequency: str | None = None, fiscal_start: int = DEFAULT_FISCAL_START
                   ) -> tuple[Period, str | None]:
    """The period a reading denotes for a metric of `frequency`, and a warning when the reading had to be chosen."""
    frequency = (frequency or "as written").replace("_", " ")  # the catalog stores 'school_year', people write 'school year'
    kind = reading.kind
    if kind == "year":
        year = reading.first
        if frequency == "school year":
            return school_year(year - 1), f"read as the school year ending in {year}"
        if frequency == "fiscal year" and fiscal_start != 1:
            return _fiscal(year, fiscal_start), f"read as the fiscal year ending in {year}"
        return Period(str(year), date(year, 1, 1), date(year, 12, 31)), None
    if kind == "fiscal":
        return _fiscal(reading.first, fiscal_start, f"FY{reading.first}"), None
    if kind == "fiscal pair":
        return _fiscal(reading.last, fiscal_start), None
    if kind == "pair":
        first, last = reading.first, reading.last
        span = Period(f"{first}-{last}", date(first, 1, 1), date(last, 12, 31))
        if last == first + 1:
            if frequency == "annual":
                return span, f"read as the two calendar years {first} and {last} (the metric is annual)"
            if frequency == "fiscal year":
                return _fiscal(last, fiscal_start), None
            return school_year(first), None
        if frequency in ("school year", "fiscal year"):
            return span, f"read as the calendar years {first} to {last} (a span), not one {frequency}"
        return span, None
    if kind in ("day", "quarter", "month") and reading.day is not None:
        if kind == "day":
            contained = _containing(reading.day, frequency, fiscal_start)
            return contained or Period(reading.day.isoformat(), reading.day, reading.day), None
        if kind == "quarter":
            return Period(f"{reading.first} Q{(reading.day.month - 1) // 3 + 1}", reading.day, reading.until), None
        day = reading.day
        return Period(f"{day.year}-{day.month:02d}", day, _month_end(day.year, day.month)), None
    return _range_period(reading.day, reading.until, frequency, fiscal_start), None


def _range_period(start: date, end: date, frequency: str, fiscal_start: int) -> Period:
    """A date range named as the year, school or fiscal year, quarter or month it is exactly; else 'start to end'."""
    whole_year = _year_before(end) == start
    if whole_year and start.month == 1 and start.day == 1:
        return Period(str(start.year), start, end)
    if whole_year and start.day == 1:
        if frequency == "fiscal year" and start.month == fiscal_start:
            return _fiscal(end.year, fiscal_start)
        return Period(f"{start.year}-{str(end.year)[-2:]}", start, end)
    if start.day == 1 and end == _month_end(end.year, end.month):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 3 and start.month % 3 == 1:
            return Period(f"{start.year} Q{start.month // 3 + 1}", start, end)
        if months == 1:
            return Period(f"{start.year}-{start.month:02d}", start, end)
    return Period(f"{start.isoformat()} to {end.isoformat()}", start, end)


def parse_period(raw: object, frequency: str | None = None, fiscal_start: int = DEFAULT_FISCAL_START) -> Period | None:
    """The period a cell names (for a metric of `frequency`), or None when it names none."""
    reading = read_period(raw)
    return resolve_period(reading, frequency, fiscal_start)[0] if reading else None


def day_first_in(texts: list[str]) -> bool:
    """Whether a column's slash dates are day first (any first number above 12), else month first (US)."""
    for text in texts:
        match = _SLASH_DATE.match(_clean(text)[0])
        if match and int(match.group(1)) > 12:
            return True
    return False


def period_in_text(text: str) -> tuple[str, Reading] | None:
    """The one period a title names, alone or at its end ('2017-18', 'Chronic Absenteeism, 2018-19', ' - fiscal year
    2021', '..., 1 April 2017 to 31 March 2018'), as (the words, the reading); None for a title that names a run of years
    ('2004/05 to 2019/20', '1959 to 2022': what a time series covers) or a date the data are as of."""
    cleaned = " ".join(str(text).replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ").split())
    if _VINTAGE.search(cleaned):
        return None
    candidates = [cleaned]
    if match := _TITLE_TAIL.match(cleaned):
        candidates.append(match.group(1))
    if match := _TITLE_FISCAL.search(cleaned):
        candidates.append(match.group(1))
    # A range of months or dates anywhere in it ('...: January to December 2016 revisions').
    candidates += [m.group(0) for m in _MONTH_RANGE_IN.finditer(cleaned)]
    for words in candidates:
        reading = read_period(words)
        if reading is None or (reading.kind == "pair" and re.search(r"\b(to|through|thru)\b", words, re.IGNORECASE)):
            continue
        return words.strip(" ,;:-()"), reading
    return None


_MONTH_RANGE_IN = re.compile(rf"\b{_MONTH}\s+(?:to|-|through)\s+{_MONTH}\s+(?:18|19|20)\d\d\b|\b\d{{1,2}}\s+{_MONTH}\s+"
                             rf"(?:18|19|20)\d\d\s+(?:to|-)\s+\d{{1,2}}\s+{_MONTH}\s+(?:18|19|20)\d\d\b", re.IGNORECASE)
# A title's last clause: after its last comma, colon, ' - ', 'in' or 'for'.
_TITLE_TAIL = re.compile(r"^.*(?:,|:|\s-|\bin\b|\bfor\b)\s*(.+?)\)?$", re.IGNORECASE)
_TITLE_FISCAL = re.compile(r"\b((?:fy|fiscal year|financial year|school year|academic year|year ending|year ended)\s.+)$",
                           re.IGNORECASE)
# Words that date a publication rather than the data's period ('Data As Of June 28, 2022', 'Updated 2023').
_VINTAGE = re.compile(r"\b(as of|as at|updated|published|released|prepared|extracted|downloaded|run on|printed)\b",
                      re.IGNORECASE)
