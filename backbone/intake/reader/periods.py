"""Reporting periods as partners write them: years, school years, fiscal years, quarters, spans, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Period:
    """A period with a label people read and the dates it covers."""

    label: str
    start: date
    end: date


_YEAR = re.compile(r"^(19|20)\d{2}(\.0)?$")
# An Excel date as text ('2019-07-01 00:00:00' from the reader) or an ISO date.
_ISO_DATE = re.compile(r"^((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[ T]00:00:00)?$")
_SCHOOL_YEAR = re.compile(r"^(?:sy\s*)?((?:19|20)\d{2})\s*[-/–]\s*(\d{2}|(?:19|20)\d{2})$", re.IGNORECASE)
_PACKED_SCHOOL_YEAR = re.compile(r"^((?:19|20)\d{2})((?:19|20)\d{2})$")  # Kentucky's 20172018
_FISCAL_YEAR = re.compile(r"^fy\s*'?((?:19|20)?\d{2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(?:((?:19|20)\d{2})\s*-?\s*q([1-4])|q([1-4])\s*-?\s*((?:19|20)\d{2}))$", re.IGNORECASE)


def school_year(first: int) -> Period:
    """A school year starts on 1 July of its first calendar year."""
    return Period(f"{first}-{str(first + 1)[-2:]}", date(first, 7, 1), date(first + 1, 6, 30))


def parse_period(raw: object) -> Period | None:
    """The period a cell names, or None when it names none."""
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return Period(raw.isoformat(), raw, raw)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip() if raw is not None else ""
    if match := _ISO_DATE.match(text):
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
        return Period(day.isoformat(), day, day)
    if _YEAR.match(text):
        text = text.removesuffix(".0")
        year = int(text)
        return Period(text, date(year, 1, 1), date(year, 12, 31))
    if match := _SCHOOL_YEAR.match(text):
        first, second = int(match.group(1)), match.group(2)
        last = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
        if len(second) == 2 and last < first:
            last += 100  # 1999-00
        if last == first + 1:
            return school_year(first)
        if last > first:
            # A multi-year span such as 2015-2019 (pooled small-area rates).
            return Period(f"{first}-{last}", date(first, 1, 1), date(last, 12, 31))
        return None
    if match := _PACKED_SCHOOL_YEAR.match(text):
        first, last = int(match.group(1)), int(match.group(2))
        return school_year(first) if last == first + 1 else None
    if match := _FISCAL_YEAR.match(text):
        year = int(match.group(1))
        year = year + 2000 if year < 100 else year
        # Local governments and school districts mostly run July-June fiscal years.
        return Period(f"FY{year}", date(year - 1, 7, 1), date(year, 6, 30))
    if match := _QUARTER.match(text):
        year = int(match.group(1) or match.group(4))
        quarter = int(match.group(2) or match.group(3))
        start = date(year, 3 * quarter - 2, 1)
        end = (date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - timedelta(days=1)
        return Period(f"{year} Q{quarter}", start, end)
    return None
