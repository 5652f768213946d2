"""Plain-words sentences beside the numbers: what a curve did, and where it is heading."""

from __future__ import annotations

import re

import pandas as pd

from backbone.show.formatting import direction_words, is_missing, number, status


def curve_sentence(row: pd.Series) -> str:
    """What the series did since the baseline and where its trend leads, e.g. for a turn-the-curve chart."""
    if is_missing(row.latest_value):
        return f"No values yet for {row.metric_name}."
    unit = row.unit
    parts = [
        f"{row.metric_name} was {number(row.baseline_value, unit)} at the baseline ({int(row.baseline_year)}) "
        f"and {number(row.latest_value, unit)} in {row.latest_period}: {status(row.status).words.lower()} "
        f"({direction_words(row.direction)})."
    ]
    if not is_missing(row.forecast_value):
        parts.append(f"If nothing changes, the trend reaches {number(row.forecast_value, unit)} by {int(row.forecast_year)}.")
    if not is_missing(row.target_value):
        target = f"the target of {number(row.target_value, unit)} by {int(row.target_year)}"
        if row.forecast_meets_target is True:
            parts.append(f"That meets {target}.")
        elif row.forecast_meets_target is False:
            parts.append(f"That falls short of {target}: the curve has to bend.")
        else:
            parts.append(f"The target is {number(row.target_value, unit)} by {int(row.target_year)}.")
    return " ".join(parts)


def gap_sentence(gaps: pd.DataFrame, unit: str) -> str:
    """The widest gap in the latest period, and whether it has narrowed since the first."""
    if gaps.empty:
        return "Not enough groups with values to compare."
    latest = gaps[gaps.period_label == gaps.sort_values("period_year").period_label.iloc[-1]]
    behind = latest[latest.group_value != latest.best_group]
    if behind.empty:
        return "Only one group has a value in the latest period."
    widest = behind.sort_values("gap_to_best").iloc[-1]
    gap = f"{widest.gap_to_best:.1f} points" if unit == "percent" else number(widest.gap_to_best, unit)
    trend = {"narrowing": "narrower than", "widening": "wider than", "no real change": "about the same as",
             "baseline": "the first year measured, so no earlier gap to compare with"}.get(widest.gap_trend, "")
    tail = f", {trend} at the first period measured" if widest.gap_trend != "baseline" else f" ({trend})"
    return (f"In {widest.period_label} the widest gap is between {widest.group_value} ({number(widest.value, unit)}) "
            f"and {widest.best_group} ({number(widest.best_value, unit)}): {gap}{tail}.")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def story_in_brief(text: str | None, sentences: int = 3, longest: int = 360) -> str:
    """The story behind the curve in three sentences (at most `longest` characters), for a slide read across a room."""
    if not text or not text.strip():
        return "No story behind the curve written yet."
    parts = _SENTENCE_END.split(" ".join(text.split()))
    brief = " ".join(parts[:sentences])
    if len(brief) > longest:
        brief = brief[:longest].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return brief
