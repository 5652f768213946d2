"""Numbers and statuses in plain words, the same on every page, chart and export."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from backbone.vocab import DIRECTIONS, UNITS


@dataclass(frozen=True)
class Status:
    """How a status reads: words, an arrow-free symbol and a colour, so colour is never the only signal."""

    words: str
    symbol: str
    colour: str
    badge: str  # st.badge colour name


STATUSES = {
    "better": Status("Better", "▲", "#1A7F37", "green"),
    "worse": Status("Worse", "▼", "#B42318", "red"),
    "no real change": Status("No real change", "●", "#57606A", "gray"),
    "not enough data": Status("Not enough data yet", "○", "#57606A", "gray"),
    "no data": Status("No data yet", "○", "#57606A", "gray"),
}


# How an equity gap moved since the first period measured (queries/310_equity_gaps_from.sql): a gap narrowing is better.
GAP_TRENDS = {
    "narrowing": Status("Narrowing", "▲", "#1A7F37", "green"),
    "widening": Status("Widening", "▼", "#B42318", "red"),
    "no real change": Status("About the same", "●", "#57606A", "gray"),
    "no earlier gap": Status("First period", "○", "#57606A", "gray"),
}


def gap_trend(value: object) -> Status:
    """The presentation of a gap's trend from the equity views."""
    return GAP_TRENDS.get(str(value), GAP_TRENDS["no earlier gap"])


def status(value: object) -> Status:
    """The presentation of a trend status from the views."""
    return STATUSES.get(str(value), STATUSES["no data"])


def is_missing(value: object) -> bool:
    """True for None and NaN (pandas hands SQL NULLs over as either)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: object, unit: str, precise: bool = False) -> str:
    """A value in its unit: 45.2%, 12.3 per 1,000, $1.2M, 1,234."""
    if is_missing(value):
        return "–"
    value = float(value)
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "rate_per_1000":
        return f"{value:.1f} per 1,000"
    if unit == "rate_per_100000":
        return f"{value:,.1f} per 100,000"
    if unit == "dollars":
        if abs(value) >= 1_000_000 and not precise:
            return f"${value / 1_000_000:,.1f}M"
        return f"${value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}" if not float(value).is_integer() else f"{value:,.0f}"


def change(value: object, unit: str) -> str:
    """A change with its sign, in the unit's terms (percentage points for percents)."""
    if is_missing(value):
        return "–"
    value = float(value)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    magnitude = abs(value)
    if unit == "percent":
        return f"{sign}{magnitude:.1f} points"
    return sign + number(magnitude, unit).lstrip("-")


def plural(count: int, noun: str) -> str:
    """'1 value', '2 values'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def unit_label(unit: str) -> str:
    """The unit in words, for axis titles."""
    return {"percent": "percent", "dollars": "dollars"}.get(unit, UNITS.get(unit, unit))


def direction_words(direction: str) -> str:
    """'higher is better' / 'lower is better'."""
    return DIRECTIONS.get(direction, "")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """Text a partner or the catalog supplied, escaped so Markdown shows it as typed (a `***` mark stays `***`)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


_WEB_ADDRESS = re.compile(r"https?://[^\s<>()\[\]\"']+[^\s<>()\[\]\"'.,;:!?]")


def md_with_links(text: object) -> str:
    """Text a person wrote (a plan's story, what works), escaped like `md`, with its http(s) addresses as links."""
    text = "" if text is None else str(text)
    parts, last = [], 0
    for found in _WEB_ADDRESS.finditer(text):
        parts.append(md(text[last:found.start()]))
        parts.append(f"[{md(found.group())}](<{found.group()}>)")
        last = found.end()
    return "".join(parts) + md(text[last:])
