"""Tables shown to people: human column names, values rounded to the metric's precision, blanks instead of 'None'.

A table is described column by column: the frame's column, its title, and what kind of value it holds. Every cell
becomes the text a person reads (a blank for a missing value: Streamlit would otherwise print 'None'); columns of
numbers are listed so the page can align them to the right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from backbone.show.formatting import change, is_missing, number, status

# Kinds of column: how a cell is written.
NUMERIC_KINDS = {"value", "change", "count", "share", "ratio", "points"}


@dataclass(frozen=True)
class HumanTable:
    """A table ready to show: text cells under human titles, and which titles hold numbers (right-aligned)."""

    frame: pd.DataFrame
    numeric: list[str]


def _blank(value: object) -> bool:
    return is_missing(value) or value is pd.NA or value is pd.NaT or (isinstance(value, str) and not value.strip())


# How a cell of each kind is written, given its value (never missing here) and the metric's unit.
WRITERS: dict[str, Callable[[object, str], str]] = {
    "value": number,
    "change": change,
    "points": lambda value, unit: f"{float(value):,.1f} points" if unit == "percent" else number(value, unit),
    "count": lambda value, unit: f"{float(value):,.0f}",
    "share": lambda value, unit: f"{float(value):.0%}",
    "ratio": lambda value, unit: f"{float(value):.2f}",
    "year": lambda value, unit: f"{int(value)}",
    "date": lambda value, unit: f"{pd.Timestamp(value):%d %b %Y}",
    "datetime": lambda value, unit: f"{pd.Timestamp(value):%d %b %Y, %H:%M}",
    "status": lambda value, unit: status(value).words,
    "text": lambda value, unit: str(value),
}


def cell(value: object, kind: str | Mapping, unit: str = "number") -> str:
    """One value as a person reads it; '' when there is none."""
    if isinstance(kind, Mapping):  # codes written as words ('in_progress' -> 'in progress')
        return "" if _blank(value) else str(kind.get(value, value))
    if kind == "yes":
        return "Yes" if value is True or value == 1 else ""
    return "" if _blank(value) else WRITERS[kind](value, unit)


# Kinds written a whole column at a time (a table of a thousand submissions is formatted on every rerun).
DATE_FORMATS = {"date": "%d %b %Y", "datetime": "%d %b %Y, %H:%M"}


def _column(values: pd.Series, kind: str | Mapping, units: list[str]) -> list[str]:
    """A column's cells as text."""
    if isinstance(kind, str) and kind in DATE_FORMATS:
        written = pd.to_datetime(values, errors="coerce").dt.strftime(DATE_FORMATS[kind])
        return written.astype(object).where(written.notna(), "").tolist()
    if kind == "text":
        return ["" if _blank(v) else str(v) for v in values.astype(object)]
    return [cell(v, kind, u) for v, u in zip(values.astype(object), units, strict=True)]


def human_table(frame: pd.DataFrame, columns: Mapping[str, tuple[str, str | Mapping]], unit: str = "number",
                units: pd.Series | None = None) -> HumanTable:
    """The columns of `frame` named in `columns` ({column: (title, kind)}), in that order, as text.

    `unit` is the metric's unit for 'value' and 'change' columns; `units` a per-row unit where rows are of several metrics.
    """
    row_units = units.tolist() if units is not None else [unit] * len(frame)
    out = {title: _column(frame[source], kind, row_units) for source, (title, kind) in columns.items() if source in frame}
    numeric = [title for source, (title, kind) in columns.items()
               if source in frame and isinstance(kind, str) and kind in NUMERIC_KINDS | {"year"}]
    return HumanTable(pd.DataFrame(out, index=range(len(frame))), numeric)


BASIS_WORDS = {"sum": "sum of partners", "recomputed": "from summed numerators and denominators", "reported": "as reported",
               "suppressed": "suppressed"}


def value_notes(frame: pd.DataFrame) -> pd.Series:
    """Why a value is blank or to be read with care, in words: 'not shown (≤5%): fewer than 11 people', 'unstable'."""
    notes = []
    for row in frame.itertuples(index=False):
        if bool(getattr(row, "suppressed", False)):
            shown = getattr(row, "display", None)
            reason = getattr(row, "suppression_reason", None) or "to protect small numbers"
            notes.append(f"not shown{f' ({shown})' if isinstance(shown, str) else ''}: {reason}")
        elif bool(getattr(row, "unstable", False) is True):
            notes.append("unstable: fewer than 20 events")
        else:
            notes.append("")
    return pd.Series(notes, index=frame.index, dtype="object")


def outcome_table(frame: pd.DataFrame, unit: str, groups: bool = False) -> HumanTable:
    """A series (or each group's series) as people read it: period, value, the counts behind it, and notes."""
    shown = frame.assign(note=value_notes(frame), basis=frame.get("value_basis", pd.Series(index=frame.index, dtype=object))
                         .map(lambda v: BASIS_WORDS.get(v, v)))
    columns = {"period_label": ("Period", "text")}
    if groups:
        columns["group_value"] = ("Group", "text")
    columns |= {"value": ("Value", "value"), "numerator": ("Numerator", "count"), "denominator": ("Denominator", "count"),
                "trend_value": ("Trend", "value"), "baseline_value": ("Baseline", "value"), "target_value": ("Target", "value"),
                "target_year": ("Target year", "year"), "basis": ("How it was made", "text"),
                "n_partners": ("Partners", "count"), "note": ("Note", "text")}
    return human_table(shown, columns, unit)


def equity_table(gaps: pd.DataFrame, unit: str) -> HumanTable:
    """Each group's gap to the best-off group, period by period."""
    return human_table(gaps, {
        "period_label": ("Period", "text"), "group_value": ("Group", "text"), "value": ("Value", "value"),
        "best_group": ("Best-off group", "text"), "best_value": ("Best-off value", "value"),
        "gap_to_best": ("Gap to best-off", "points"), "ratio_to_best": ("Ratio to best-off", "ratio"),
        "difference_to_all": ("Difference from everyone", "change"),
        "gap_trend": ("Gap since first period", {"baseline": "first period", "narrowing": "narrowing", "widening": "widening",
                                                 "no real change": "about the same"}),
    }, unit)


def places_table(places: pd.DataFrame, unit: str) -> HumanTable:
    """Every place's value in one period, with why a value is missing."""
    return human_table(places.assign(note=value_notes(places)), {
        "geography": ("Place", "text"), "period_label": ("Period", "text"), "value": ("Value", "value"), "note": ("Note", "text"),
    }, unit)
