"""Plain-words sentences beside the numbers: what a curve did, and where it is heading."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from backbone.show.formatting import direction_words, is_missing, number, plural, status


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
    elif forecast_note(row):
        parts.append(forecast_note(row))
    if not is_missing(row.target_value):
        target = f"the target of {number(row.target_value, unit)} by {int(row.target_year)}"
        if is_missing(row.forecast_value):
            parts.append(f"The target is {number(row.target_value, unit)} by {int(row.target_year)}.")
        elif row.forecast_meets_target is True:
            parts.append(f"That meets {target}.")
        elif row.forecast_meets_target is False:
            parts.append(f"That falls short of {target}: the curve has to bend.")
        else:
            parts.append(f"The target is {number(row.target_value, unit)} by {int(row.target_year)}.")
    return " ".join(parts)


# A forecast is a straight line through the series; through fewer points than this it says nothing (queries/300_…).
FORECAST_MIN_POINTS = 3


def forecast_note(row: pd.Series) -> str:
    """Why a series has no forecast, when it is for lack of data; '' otherwise."""
    points = getattr(row, "n_points", None)
    if is_missing(points) or int(points) >= FORECAST_MIN_POINTS or int(points) == 0:
        return ""
    return (f"Not enough data yet for a forecast: {int(points)} period{'s' if int(points) != 1 else ''} of data, and a "
            f"forecast needs at least {FORECAST_MIN_POINTS}.")


def change_status(baseline: object, latest: object, direction: str) -> str:
    """The views' status rule (queries/300_outcome_trends_from.sql), for a series worked out here: a change within 5%
    of the baseline is no real change; otherwise better or worse by which way is better."""
    if is_missing(latest):
        return "no data"
    if is_missing(baseline):
        return "not enough data"
    moved = float(latest) - float(baseline)
    if abs(moved) <= 0.05 * abs(float(baseline)) or moved == 0:
        return "no real change"
    return "better" if (moved > 0) == (direction == "up") else "worse"


def median_is_always_zero(spread: pd.DataFrame | None) -> bool:
    """True when the median place is 0 in every period: the median cannot show any change."""
    return spread is not None and len(spread) > 0 and bool((spread.value.fillna(-1) == 0).all())


@dataclass(frozen=True)
class ZeroMedianSummary:
    """What to show instead of a median that is 0 every year: the share of places above 0, and why."""

    latest_period: str
    latest_text: str  # '3 of 52 neighbourhoods above 0%'
    latest_share: float
    baseline_period: str
    baseline_share: float
    change_text: str  # '−10.6 points since 2010'
    status: str
    explanation: str


def zero_median_summary(spread: pd.DataFrame, unit: str, direction: str, noun: str = "neighbourhoods") -> ZeroMedianSummary:
    """The share of places above 0, first and latest period, in words: a summary that can move where the median cannot."""
    rows = spread[spread.n_places > 0].sort_values("period_year")
    first, last = rows.iloc[0], rows.iloc[-1]
    share = lambda row: 100 * float(row.n_places_above_zero) / float(row.n_places)  # noqa: E731
    zero = number(0, unit)
    moved = share(last) - share(first)
    sign = "+" if moved > 0 else "−" if moved < 0 else "±"
    explanation = (f"The median {noun[:-1]} is {zero} in every year (most {noun} are at {zero}), so the median cannot "
                   f"show change. Shown instead: the share of {noun} above {zero}, {int(last.n_places_above_zero)} of "
                   f"{int(last.n_places)} in {last.period_label}, against {int(first.n_places_above_zero)} of "
                   f"{int(first.n_places)} in {first.period_label} ({direction_words(direction)}).")
    return ZeroMedianSummary(
        latest_period=str(last.period_label),
        latest_text=f"{int(last.n_places_above_zero)} of {int(last.n_places)} {noun} above {zero}",
        latest_share=share(last), baseline_period=str(first.period_label), baseline_share=share(first),
        change_text=f"{sign}{abs(moved):.1f} points since {first.period_label}",
        status=change_status(share(first), share(last), direction), explanation=explanation)


def equity_line(row: pd.Series) -> str:
    """One outcome's equity at a glance: who is furthest behind, by how much, and which way the gap is moving."""
    unit = row.unit
    gap = f"{row.gap_to_best:.1f} points" if unit == "percent" else number(row.gap_to_best, unit)
    trend = {"narrowing": f"narrowing since {row.baseline_period}", "widening": f"widening since {row.baseline_period}",
             "no real change": f"about the same as in {row.baseline_period}",
             "no earlier gap": "no earlier period to compare with"}.get(row.gap_trend, "")
    return (f"{row.behind_group}: {gap} behind {row.best_group} ({number(row.behind_value, unit)} against "
            f"{number(row.best_value, unit)} in {row.latest_period}); {trend}.")


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


def comparison_sentence(curves: pd.DataFrame, place: str, unit: str, direction: str) -> str:
    """Where the community stands against its comparison places in its latest period they share: 'In 2019-20 the
    whole community was at 83.5%, below Kentucky (90.9%); higher is better.'"""
    shown = curves[curves.value.notna()]
    ours = shown[shown.geography == place]
    shared = shown[shown.period_label.isin(ours.period_label)]
    others = shared[shared.geography != place]
    if ours.empty or others.empty:
        return "No period with values for both the community and its comparison places yet."
    period = others.sort_values("period_end").period_label.iloc[-1]
    value = ours[ours.period_label == period].value.iloc[0]
    beside = []
    for row in others[others.period_label == period].itertuples():
        side = "above" if value > row.value else "below" if value < row.value else "level with"
        beside.append(f"{side} {row.geography} ({number(row.value, unit)})")
    who = "the whole community" if place == "Community" else f"the {place.lower()}" if place == "Median of places" else place
    better = "higher is better" if direction == "up" else "lower is better" if direction == "down" else ""
    return f"In {period} {who} was at {number(value, unit)}, {', '.join(beside)}" + (f"; {better}." if better else ".")


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
def undo_question(preview: pd.Series) -> str:
    """What undoing an upload will do, asked before it is done: which upload, what leaves and what comes back."""
    who = f" from {preview.partner}" if isinstance(preview.partner, str) and preview.partner else ""
    when = f", loaded {pd.Timestamp(preview.uploaded_at):%d %b %Y at %H:%M}" if pd.notna(preview.uploaded_at) else ""
    leaving, returning = int(preview.values_leaving), int(preview.values_returning)
    parts = [f"Undo '{preview.file_name}'{who}{when}?"]
    if leaving == 0:
        parts.append("None of its values is current any more (later uploads replaced them), so the dashboard will not change.")
    else:
        parts.append(f"Its {plural(leaving, 'value')} will leave the dashboard.")
        if returning:
            parts.append(f"{plural(returning, 'earlier value')} from {preview.returning_from} will be current again"
                         + (f"; the other {plural(leaving - returning, 'value')} will have no value." if leaving > returning
                            else "."))
        else:
            parts.append("No earlier upload had these values, so they will have no value.")
    parts.append("The upload stays in the history, and its file is kept.")
    return " ".join(parts)
