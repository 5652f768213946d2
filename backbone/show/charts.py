"""Pure functions from a DataFrame to an Altair chart: one palette, one type scale, no Streamlit in here."""

from __future__ import annotations

import altair as alt
import pandas as pd

from backbone.show.formatting import is_missing, unit_label

# One palette for the app, the presentation and the exports. Colour-blind-safe (Okabe-Ito based), dark enough
# on white for marks (3:1) and paired with words wherever it carries meaning.
INK = "#1A1A1A"
MUTED = "#57606A"
ACTUAL = "#1F5C99"
TARGET = "#B35900"
FORECAST = "#57606A"
GROUPS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#6A3D9A", "#8C6D1F", "#0B7A75", "#B22222", "#4D4D4D"]
# Mid-tone cells: at least 3:1 against the white page and 4.5:1 under their dark letter (WCAG AA, computed in
# tests/unit/test_exports_contrast.py).
SUBMISSION_COLOURS = {"received": "#4F94CD", "received late": "#CC7A00", "missing": "#E35D55", "not yet due": "#8A939C"}
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
YEAR_AXIS = alt.Axis(format="d", title=None, labelFontSize=13, tickMinStep=1)
# Room beyond the first and last year, so their labels and points are not cut at the chart's edge.
YEAR_SCALE = alt.Scale(nice=False, padding=16)


def _finish(chart: alt.TopLevelMixin, height: int) -> alt.TopLevelMixin:
    """Apply the type scale and palette that every chart shares."""
    return (
        chart.properties(height=height, width="container")
        .configure(font=FONT)
        .configure_axis(labelFontSize=13, titleFontSize=13, labelColor=INK, titleColor=INK, gridColor="#E6E9ED")
        .configure_legend(labelFontSize=13, titleFontSize=13, orient="bottom", labelLimit=260, columns=3)
        .configure_view(strokeWidth=0)
    )


def _value_axis(unit: str) -> alt.Axis:
    # Dollars read as $2M, not 2,000,000; everything else keeps its digits.
    return alt.Axis(title=unit_label(unit), labelFontSize=13, titleFontSize=13, format="$~s" if unit == "dollars" else alt.Undefined)


def turn_the_curve(series: pd.DataFrame, unit: str) -> alt.TopLevelMixin:
    """Actual values, the baseline, the baseline trend projected to the target year, and the target."""
    actual = series[series.value.notna()]
    layers = [
        alt.Chart(actual).mark_line(color=ACTUAL, strokeWidth=3, point=alt.OverlayMarkDef(size=70, color=ACTUAL)).encode(
            x=alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE),
            y=alt.Y("value:Q", axis=_value_axis(unit), scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value:Q", title="Value", format=",.1f")],
        )
    ]
    first = series.iloc[0] if len(series) else None
    if first is not None and not is_missing(first.forecast_value) and len(actual):
        start = actual.iloc[0]
        trend = pd.DataFrame({
            "period_year": [start.period_year, first.forecast_year],
            "value": [start.trend_value, first.forecast_value],
            "label": ["Trend", f"Forecast {int(first.forecast_year)} if nothing changes"],
        })
        layers.append(alt.Chart(trend).mark_line(color=FORECAST, strokeDash=[6, 4], strokeWidth=2).encode(
            x="period_year:Q", y="value:Q",
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", title="Value", format=",.1f")]))
    if first is not None and not is_missing(first.baseline_value):
        baseline = pd.DataFrame({"value": [first.baseline_value], "label": [f"Baseline {int(first.baseline_year)}"]})
        layers.append(alt.Chart(baseline).mark_rule(color=MUTED, strokeDash=[2, 3]).encode(
            y="value:Q", tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=",.1f", title="Value")]))
    if first is not None and not is_missing(first.target_value):
        target = pd.DataFrame({"period_year": [first.target_year], "value": [first.target_value],
                               "label": [f"Target {int(first.target_year)}"]})
        base = alt.Chart(target).encode(x="period_year:Q", y="value:Q")
        layers.append(base.mark_point(shape="diamond", size=220, filled=True, color=TARGET).encode(
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=",.1f", title="Value")]))
        layers.append(base.mark_text(dy=-16, color=TARGET, fontSize=13, fontWeight="bold", font=FONT).encode(text="label:N"))
    return _finish(alt.layer(*layers), 340)


def small_multiple(series: pd.DataFrame, unit: str, spread: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """A compact line for a dashboard card, with the target as a diamond and, for places, the spread as a band."""
    actual = series[series.value.notna()]
    x = alt.X("period_year:Q", axis=alt.Axis(format="d", title=None, labelFontSize=12, tickCount=4), scale=alt.Scale(nice=False))
    layers = []
    if spread is not None and len(spread):
        layers.append(alt.Chart(spread).mark_area(color=ACTUAL, opacity=0.15).encode(
            x=x, y=alt.Y("low_value:Q", title=None), y2="high_value:Q",
            tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("low_value:Q", title="Lowest place", format=",.1f"),
                     alt.Tooltip("high_value:Q", title="Highest place", format=",.1f")]))
    layers.append(alt.Chart(actual).mark_line(color=ACTUAL, strokeWidth=2.5, point=alt.OverlayMarkDef(size=30, color=ACTUAL)).encode(
        x=x, y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(labelFontSize=12, tickCount=4)),
        tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value:Q", title="Value", format=",.1f")]))
    if len(series) and not is_missing(series.iloc[0].target_value):
        first = series.iloc[0]
        target = pd.DataFrame({"period_year": [first.target_year], "value": [first.target_value],
                               "label": [f"Target {int(first.target_year)}"]})
        layers.append(alt.Chart(target).mark_point(shape="diamond", size=120, filled=True, color=TARGET).encode(
            x="period_year:Q", y="value:Q", tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=",.1f")]))
    return _finish(alt.layer(*layers), 150)


def by_group(groups: pd.DataFrame, unit: str, dimension: str) -> alt.TopLevelMixin:
    """Each group's value over time, one coloured line per group (suppressed cells leave a gap)."""
    shown = groups[groups.value.notna()]
    return _finish(alt.Chart(shown).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=45)).encode(
        x=alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE),
        y=alt.Y("value:Q", axis=_value_axis(unit), scale=alt.Scale(zero=False)),
        color=alt.Color("group_value:N", title=dimension, scale=alt.Scale(range=GROUPS)),
        tooltip=[alt.Tooltip("group_value:N", title=dimension), alt.Tooltip("period_label:N", title="Period"),
                 alt.Tooltip("value:Q", title="Value", format=",.1f"), alt.Tooltip("numerator:Q", format=",.0f"),
                 alt.Tooltip("denominator:Q", format=",.0f")],
    ), 320)


def equity_gap(gaps: pd.DataFrame, unit: str, dimension: str) -> alt.TopLevelMixin:
    """Each group's gap to the best-off group over time: a line falling toward zero is a gap closing."""
    behind = gaps[gaps.group_value != gaps.best_group] if len(gaps) else gaps
    gap_title = "gap (percentage points)" if unit == "percent" else f"gap ({unit_label(unit)})"
    return _finish(alt.Chart(behind).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=45)).encode(
        x=alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE),
        y=alt.Y("gap_to_best:Q", axis=alt.Axis(title=gap_title, labelFontSize=13, titleFontSize=13)),
        color=alt.Color("group_value:N", title=dimension, scale=alt.Scale(range=GROUPS)),
        tooltip=[alt.Tooltip("group_value:N", title=dimension), alt.Tooltip("period_label:N", title="Period"),
                 alt.Tooltip("gap_to_best:Q", title="Gap to best-off group", format=",.1f"),
                 alt.Tooltip("best_group:N", title="Best-off group")],
    ), 300)


def by_place(places: pd.DataFrame, unit: str) -> alt.TopLevelMixin:
    """Every place's latest value as a sorted bar."""
    shown = places[places.value.notna()]
    return _finish(alt.Chart(shown).mark_bar(color=ACTUAL).encode(
        x=alt.X("value:Q", axis=alt.Axis(title=unit_label(unit), labelFontSize=12, orient="top")),
        y=alt.Y("geography:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=12, labelLimit=220)),
        tooltip=[alt.Tooltip("geography:N", title="Place"), alt.Tooltip("value:Q", title="Value", format=",.1f"),
                 alt.Tooltip("period_label:N", title="Period")],
    ), max(120, 16 * len(shown)))


def sparkline(series: pd.DataFrame) -> alt.TopLevelMixin:
    """A small trend line with no axes, for lists of measures."""
    return _finish(alt.Chart(series[series.value.notna()]).mark_line(color=ACTUAL, strokeWidth=2, point=True).encode(
        x=alt.X("period_year:Q", axis=None, scale=alt.Scale(nice=False)),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value:Q", title="Value", format=",.1f")],
    ), 60)


def submission_matrix(status: pd.DataFrame) -> alt.TopLevelMixin:
    """Partner and metric by period, each cell coloured and labelled by its submission status."""
    frame = status.assign(row=status.partner_name.fillna(status.partner_code) + " · " + status.metric_name.fillna(status.metric_code))
    colours = alt.Scale(domain=list(SUBMISSION_COLOURS), range=list(SUBMISSION_COLOURS.values()))
    base = alt.Chart(frame).encode(
        x=alt.X("period_label:O", title=None, axis=alt.Axis(labelAngle=-45, labelFontSize=12, orient="top")),
        y=alt.Y("row:N", title=None, axis=alt.Axis(labelFontSize=12, labelLimit=320)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("submission:N", title="Submission", scale=colours),
        tooltip=[alt.Tooltip("partner_name:N", title="Partner"), alt.Tooltip("metric_name:N", title="Metric"),
                 alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("submission:N", title="Status"),
                 alt.Tooltip("due_date:T", title="Due"), alt.Tooltip("received_on:T", title="Received")],
    )
    # A letter in each cell, so the status never depends on colour alone.
    marks = base.mark_text(fontSize=11, color=INK, font=FONT).encode(text=alt.Text("mark:N"))
    frame_marks = {"received": "✓", "received late": "L", "missing": "✗", "not yet due": "·"}
    chart = alt.layer(cells, marks).transform_calculate(
        mark=" : ".join(f"datum.submission == '{k}' ? '{v}'" for k, v in frame_marks.items()) + " : ''"
    )
    return _finish(chart, max(160, 18 * frame.row.nunique()))

