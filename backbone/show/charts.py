"""Pure functions from a DataFrame to an Altair chart: one palette, one type scale, no Streamlit in here.

A chart that may be taken away (downloaded as PNG or SVG, put on a slide) carries its own context: its title, the
place and groups, the unit, the source and the data's vintage (`ChartContext`), drawn as the chart's title and
subtitle so the image explains itself wherever it goes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

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
BAND = "#A9C1DA"  # the range of places: a light band behind the line (it carries no value of its own)
# Group colours: a group value keeps one colour everywhere, picked by its `colour_index` (queries/360_group_colours.sql).
GROUPS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#6A3D9A", "#8C6D1F", "#6B7A00", "#B22222", "#4D4D4D"]
# Places compared: the community (or median place) in ink, the chosen places in the group colours, in the order chosen.
WHOLE = {"Community", "Median of places"}
# Map fills that are not values: a place whose value is hidden, and an area with no value at all.
SUPPRESSED_FILL = "#9AA1A9"
NO_DATA_FILL = "#F2F3F5"
# Mid-tone cells: at least 3:1 against the white page and 4.5:1 under their dark letter (WCAG AA, computed in
# tests/unit/test_exports_contrast.py).
SUBMISSION_COLOURS = {"received": "#4F94CD", "received late": "#CC7A00", "missing": "#E35D55", "not yet due": "#8A939C"}
# Streamlit's own web font is "Source Sans" in the browser; exports register the same font as "Source Sans 3"
# (show/render.py). Every text mark inherits this from the config, so no mark names a font of its own.
FONT = '"Source Sans", "Source Sans 3", "Source Sans Pro", Helvetica, Arial, sans-serif'
YEAR_AXIS = alt.Axis(format="d", title=None, labelFontSize=13, tickMinStep=1)
# Room beyond the first and last year, so their labels and points are not cut at the chart's edge.
YEAR_SCALE = alt.Scale(nice=False, padding=16)
# "No real change" is a change within 5% of the baseline (queries/300_outcome_trends_from.sql). The value axis spans at
# least this share of the values' size, so such a change fills at most an eighth of the chart's height.
HONEST_SPAN = 0.4
LEGEND_ORDER = ["Actual", "Trend and forecast", "Baseline", "Target", "Range of places"]


@dataclass(frozen=True)
class ChartContext:
    """What a downloaded chart says about itself: title, place, groups, unit, source and the data's vintage."""

    title: str
    place: str = ""
    groups: str = ""
    unit: str = ""
    source: str = ""
    vintage: str = ""
    note: str = ""  # one more line, e.g. why there is no forecast

    def lines(self) -> list[str]:
        """The subtitle's lines: where and what, then the source and vintage (wrapped), then the note."""
        first = " · ".join(part for part in (self.place, self.groups, unit_label(self.unit) if self.unit else "") if part)
        credit = " · ".join(part for part in (f"Source: {self.source}" if self.source else "",
                                              f"Data as of {self.vintage}" if self.vintage else "") if part)
        return [line for text in (first, credit, self.note) if text for line in textwrap.wrap(text, 110)]

    def title_params(self) -> alt.TitleParams:
        return alt.TitleParams(text=self.title, subtitle=self.lines(), anchor="start", fontSize=17, subtitleFontSize=12,
                               color=INK, subtitleColor=MUTED, subtitlePadding=4, offset=10)


def _finish(chart: alt.TopLevelMixin, height: int, context: ChartContext | None = None) -> alt.TopLevelMixin:
    """Apply the type scale and palette that every chart shares, and the chart's own title when it has one.

    `height` is the whole chart's (Streamlit fits title, legend and axes inside it): charts with a title and a legend
    ask for more than the plot needs.
    """
    if context is not None:
        chart = chart.properties(title=context.title_params())
    return (
        chart.properties(height=height, width="container")
        .configure(font=FONT)
        .configure_axis(labelFontSize=13, titleFontSize=13, labelColor=INK, titleColor=INK, gridColor="#E6E9ED")
        .configure_legend(labelFontSize=13, titleFontSize=13, orient="bottom", labelLimit=260, columns=3, symbolOpacity=1)
        .configure_view(strokeWidth=0)
    )


def value_format(unit: str) -> str:
    """d3 format of a value axis: dollars as $2M; everything else with no trailing zeros (never 0.000000)."""
    return "$~s" if unit == "dollars" else ",~r"


def _value_axis(unit: str, title: str | None = None) -> alt.Axis:
    return alt.Axis(title=title if title is not None else unit_label(unit), labelFontSize=13, titleFontSize=13,
                    format=value_format(unit))


def honest_domain(values: list[float], unit: str) -> list[float]:
    """A value axis that does not exaggerate: it spans at least HONEST_SPAN of the values' size (so a change within
    5% of a baseline stays small), never goes below 0 for values that are not negative, and a percent stays in 0-100."""
    shown = [float(v) for v in values if not is_missing(v)]
    if not shown:
        return [0.0, 100.0] if unit == "percent" else [0.0, 1.0]
    low, high = min(shown), max(shown)
    size = max(abs(low), abs(high))
    span = max(high - low, HONEST_SPAN * size, 5.0 if unit == "percent" else 1.0 if size == 0 else 0.0)
    middle = (low + high) / 2
    low, high = middle - span / 2, middle + span / 2
    floor = 0.0 if min(shown) >= 0 else None
    ceiling = 100.0 if unit == "percent" and max(shown) <= 100 else None
    if floor is not None and low < floor:
        low, high = floor, floor + span
    if ceiling is not None and high > ceiling:
        low, high = max(ceiling - span, floor if floor is not None else ceiling - span), ceiling
    return [round(low, 6), round(high, 6)]


def with_gaps(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The rows with a value, each given a `segment`: a new segment starts after a missing or hidden year, so a line
    drawn per segment has a gap there instead of a straight bridge across it."""
    if frame.empty:
        return frame.assign(segment=pd.Series(dtype="int64"))
    years = sorted(set(frame.period_year.dropna().astype(int)))
    steps = [b - a for a, b in zip(years, years[1:], strict=False) if b > a]
    step = min(steps) if steps else 1  # the series' own spacing: yearly, or every other year
    parts = []
    for _key, part in (frame.groupby(by, sort=False) if by else [(None, frame)]):
        shown = part[part.value.notna()].sort_values("period_year")
        jumps = shown.period_year.diff().fillna(0) > step
        parts.append(shown.assign(segment=jumps.cumsum().astype(int).astype(str)))
    return pd.concat(parts, ignore_index=True)


def _group_scale(frame: pd.DataFrame) -> alt.Scale:
    """Each group value in its own fixed colour (from its colour_index), whichever chart or slide shows it."""
    shown = frame[frame.value.notna()] if "value" in frame else frame
    pairs = shown[["group_value", "colour_index"]].drop_duplicates("group_value").sort_values("group_value")
    return alt.Scale(domain=pairs.group_value.tolist(), range=[GROUPS[int(i) % len(GROUPS)] for i in pairs.colour_index])


def _series_scales(present: list[str]) -> tuple[alt.Scale, alt.Scale]:
    """Colour and dash of the turn-the-curve legend's entries, for the entries this chart draws."""
    colour = {"Actual": ACTUAL, "Trend and forecast": FORECAST, "Baseline": MUTED, "Target": TARGET, "Range of places": BAND}
    dash = {"Actual": [1, 0], "Trend and forecast": [6, 4], "Baseline": [2, 3], "Target": [1, 0], "Range of places": [1, 0]}
    domain = [name for name in LEGEND_ORDER if name in present]
    return (alt.Scale(domain=domain, range=[colour[n] for n in domain]),
            alt.Scale(domain=domain, range=[dash[n] for n in domain]))


def turn_the_curve(series: pd.DataFrame, unit: str, spread: pd.DataFrame | None = None,
                   context: ChartContext | None = None) -> alt.TopLevelMixin:
    """Actual values (a gap where a year is missing), the baseline, the trend projected to the target year (from three
    points or more), the target, and for a median place the range of places; with a legend naming each."""
    actual = with_gaps(series)
    first = series.iloc[0] if len(series) else None
    parts: dict[str, pd.DataFrame] = {}
    if len(actual):
        parts["Actual"] = actual.assign(series="Actual")
    if first is not None and not is_missing(first.forecast_value) and len(actual):
        start = actual.iloc[0]
        parts["Trend and forecast"] = pd.DataFrame({
            "period_year": [start.period_year, first.forecast_year], "value": [start.trend_value, first.forecast_value],
            "label": ["Trend", f"Forecast {int(first.forecast_year)} if nothing changes"], "series": "Trend and forecast"})
    if first is not None and not is_missing(first.baseline_value):
        parts["Baseline"] = pd.DataFrame({"value": [first.baseline_value], "label": [f"Baseline {int(first.baseline_year)}"],
                                          "series": "Baseline"})
    if first is not None and not is_missing(first.target_value):
        parts["Target"] = pd.DataFrame({"period_year": [first.target_year], "value": [first.target_value],
                                        "label": [f"Target {int(first.target_year)}"], "series": "Target"})
    band = spread[spread.low_value.notna()] if spread is not None and len(spread) else None
    if band is not None and len(band):
        parts["Range of places"] = band.assign(series="Range of places")
    colour, dash = _series_scales(list(parts))
    # Three to a row: all of them fit a phone's width; a wide screen shows two short rows.
    legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=3, columns=3, orient="bottom")
    values = [v for p in parts.values() for c in ("value", "low_value", "high_value") if c in p for v in p[c]]
    y_scale = alt.Scale(domain=honest_domain(values, unit), zero=False, nice=True)
    x = alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE)
    layers = []
    if "Range of places" in parts:
        layers.append(alt.Chart(parts["Range of places"]).mark_area(opacity=0.45).encode(
            x=x, y=alt.Y("low_value:Q", scale=y_scale, axis=_value_axis(unit)), y2="high_value:Q",
            color=alt.Color("series:N", scale=colour, legend=legend),
            tooltip=[alt.Tooltip("period_label:N", title="Period"),
                     alt.Tooltip("low_value:Q", title="Lowest place", format=",.1f"), alt.Tooltip("low_place:N", title=""),
                     alt.Tooltip("high_value:Q", title="Highest place", format=",.1f"), alt.Tooltip("high_place:N", title="")]))
    if "Actual" in parts:
        layers.append(alt.Chart(parts["Actual"]).mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=70, color=ACTUAL)).encode(
            x=x, y=alt.Y("value:Q", axis=_value_axis(unit), scale=y_scale), detail="segment:N",
            color=alt.Color("series:N", scale=colour, legend=legend), strokeDash=alt.StrokeDash("series:N", scale=dash, legend=legend),
            tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value:Q", title="Value", format=",.1f")]))
    if "Trend and forecast" in parts:
        layers.append(alt.Chart(parts["Trend and forecast"]).mark_line(strokeWidth=2).encode(
            x="period_year:Q", y=alt.Y("value:Q", scale=y_scale),
            color=alt.Color("series:N", scale=colour, legend=legend), strokeDash=alt.StrokeDash("series:N", scale=dash, legend=legend),
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", title="Value", format=",.1f")]))
    if "Baseline" in parts:
        layers.append(alt.Chart(parts["Baseline"]).mark_rule().encode(
            y=alt.Y("value:Q", scale=y_scale),
            color=alt.Color("series:N", scale=colour, legend=legend), strokeDash=alt.StrokeDash("series:N", scale=dash, legend=legend),
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=",.1f", title="Value")]))
    if "Target" in parts:
        base = alt.Chart(parts["Target"]).encode(x="period_year:Q", y=alt.Y("value:Q", scale=y_scale))
        layers.append(base.mark_point(shape="diamond", size=220, filled=True, color=TARGET).encode(
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=",.1f", title="Value")]))
        layers.append(base.mark_text(dy=-16, color=TARGET, fontSize=13, fontWeight="bold").encode(text="label:N"))
    if not layers:
        layers.append(alt.Chart(pd.DataFrame({"value": []})).mark_point())
    return _finish(alt.layer(*layers), 400, context)


def small_multiple(series: pd.DataFrame, unit: str, spread: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """A compact line for a dashboard card, with the target as a diamond and, for places, the spread as a band."""
    actual = with_gaps(series)
    x = alt.X("period_year:Q", axis=alt.Axis(format="d", title=None, labelFontSize=12, tickCount=4), scale=alt.Scale(nice=False))
    values = list(actual.value) + ([] if spread is None else [*spread.low_value, *spread.high_value])
    if len(series) and not is_missing(series.iloc[0].target_value):
        values.append(series.iloc[0].target_value)
    y_scale = alt.Scale(domain=honest_domain(values, unit), zero=False, nice=True)
    y_axis = alt.Axis(labelFontSize=12, tickCount=4, format=value_format(unit))
    layers = []
    if spread is not None and len(spread):
        layers.append(alt.Chart(spread).mark_area(color=BAND, opacity=0.45).encode(
            x=x, y=alt.Y("low_value:Q", title=None, scale=y_scale, axis=y_axis), y2="high_value:Q",
            tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("low_value:Q", title="Lowest place", format=",.1f"),
                     alt.Tooltip("high_value:Q", title="Highest place", format=",.1f")]))
    layers.append(alt.Chart(actual).mark_line(color=ACTUAL, strokeWidth=2.5, point=alt.OverlayMarkDef(size=30, color=ACTUAL)).encode(
        x=x, y=alt.Y("value:Q", title=None, scale=y_scale, axis=y_axis), detail="segment:N",
        tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value:Q", title="Value", format=",.1f")]))
    if len(series) and not is_missing(series.iloc[0].target_value):
        first = series.iloc[0]
        target = pd.DataFrame({"period_year": [first.target_year], "value": [first.target_value],
                               "label": [f"Target {int(first.target_year)}"]})
        layers.append(alt.Chart(target).mark_point(shape="diamond", size=120, filled=True, color=TARGET).encode(
            x="period_year:Q", y="value:Q", tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=",.1f")]))
    return _finish(alt.layer(*layers), 150)


def share_above_zero(spread: pd.DataFrame, noun: str = "places", context: ChartContext | None = None) -> alt.TopLevelMixin:
    """For an outcome whose median place is 0 every year: the share of places above 0 each year, which can move."""
    shares = spread.assign(value=100 * spread.n_places_above_zero / spread.n_places.where(spread.n_places > 0),
                           label=spread.n_places_above_zero.astype(int).astype(str) + " of " + spread.n_places.astype(int).astype(str))
    actual = with_gaps(shares)
    x = alt.X("period_year:Q", axis=alt.Axis(format="d", title=None, labelFontSize=12, tickCount=4), scale=alt.Scale(nice=False))
    # A share of places starts at 0: its size is what it says.
    y = alt.Y("value:Q", title=f"% of {noun} above 0" if context is not None else "% above 0",
              scale=alt.Scale(domain=honest_domain([0, *actual.value], "percent"), nice=True),
              axis=alt.Axis(labelFontSize=12, tickCount=4, format=",~r"))
    return _finish(alt.Chart(actual).mark_line(color=ACTUAL, strokeWidth=2.5, point=alt.OverlayMarkDef(size=30, color=ACTUAL)).encode(
        x=x, y=y, detail="segment:N",
        tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("label:N", title=f"{noun.capitalize()} above 0"),
                 alt.Tooltip("value:Q", title="Share (%)", format=",.0f")]), 150, context)


def by_group(groups: pd.DataFrame, unit: str, dimension: str, context: ChartContext | None = None) -> alt.TopLevelMixin:
    """Each group's value over time, one line per group in the group's own colour (hidden or missing years leave a gap)."""
    shown = with_gaps(groups, by="group_value")
    return _finish(alt.Chart(shown).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=45)).encode(
        x=alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE),
        y=alt.Y("value:Q", axis=_value_axis(unit), scale=alt.Scale(domain=honest_domain(list(shown.value), unit), nice=True)),
        color=alt.Color("group_value:N", title=dimension, scale=_group_scale(groups)),
        detail="segment:N",
        tooltip=[alt.Tooltip("group_value:N", title=dimension), alt.Tooltip("period_label:N", title="Period"),
                 alt.Tooltip("value:Q", title="Value", format=",.1f"), alt.Tooltip("numerator:Q", format=",.0f"),
                 alt.Tooltip("denominator:Q", format=",.0f")],
    ), 420, context)


def equity_gap(gaps: pd.DataFrame, unit: str, dimension: str, context: ChartContext | None = None) -> alt.TopLevelMixin:
    """Each group's gap to the best-off group over time: a line falling toward zero is a gap closing."""
    behind = gaps[gaps.group_value != gaps.best_group] if len(gaps) else gaps
    shown = with_gaps(behind.assign(value=behind.gap_to_best), by="group_value")
    gap_title = "gap (percentage points)" if unit == "percent" else f"gap ({unit_label(unit)})"
    return _finish(alt.Chart(shown).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=45)).encode(
        x=alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE),
        y=alt.Y("gap_to_best:Q", axis=_value_axis(unit, gap_title), scale=alt.Scale(zero=True, nice=True)),
        color=alt.Color("group_value:N", title=dimension, scale=_group_scale(gaps)),
        detail="segment:N",
        tooltip=[alt.Tooltip("group_value:N", title=dimension), alt.Tooltip("period_label:N", title="Period"),
                 alt.Tooltip("gap_to_best:Q", title="Gap to best-off group", format=",.1f"),
                 alt.Tooltip("best_group:N", title="Best-off group")],
    ), 400, context)


def places_compared(series: pd.DataFrame, unit: str, context: ChartContext | None = None) -> alt.TopLevelMixin:
    """Several places' curves on one chart (the community or median place in ink, the others in the order chosen)."""
    order = list(dict.fromkeys(series.geography))
    palette = iter(GROUPS)
    colours = [INK if place in WHOLE else next(palette, GROUPS[-1]) for place in order]
    shown = with_gaps(series, by="geography")
    return _finish(alt.Chart(shown).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=45)).encode(
        x=alt.X("period_year:Q", axis=YEAR_AXIS, scale=YEAR_SCALE),
        y=alt.Y("value:Q", axis=_value_axis(unit), scale=alt.Scale(domain=honest_domain(list(shown.value), unit), nice=True)),
        color=alt.Color("geography:N", title="Place", scale=alt.Scale(domain=order, range=colours), sort=order),
        detail="segment:N",
        tooltip=[alt.Tooltip("geography:N", title="Place"), alt.Tooltip("period_label:N", title="Period"),
                 alt.Tooltip("value:Q", title="Value", format=",.1f")],
    ), 420, context)


def by_place(places: pd.DataFrame, unit: str, context: ChartContext | None = None) -> alt.TopLevelMixin:
    """Every place's latest value as a sorted bar (bars start at zero)."""
    shown = places[places.value.notna()]
    return _finish(alt.Chart(shown).mark_bar(color=ACTUAL).encode(
        x=alt.X("value:Q", axis=alt.Axis(title=unit_label(unit), labelFontSize=12, orient="top", format=value_format(unit))),
        y=alt.Y("geography:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=12, labelLimit=220)),
        tooltip=[alt.Tooltip("geography:N", title="Place"), alt.Tooltip("value:Q", title="Value", format=",.1f"),
                 alt.Tooltip("period_label:N", title="Period")],
    ), max(120, 16 * len(shown)) + (80 if context is not None else 0), context)


def sparkline(series: pd.DataFrame) -> alt.TopLevelMixin:
    """A small trend line with no axes, for lists of measures."""
    return _finish(alt.Chart(with_gaps(series)).mark_line(color=ACTUAL, strokeWidth=2, point=True).encode(
        x=alt.X("period_year:Q", axis=None, scale=alt.Scale(nice=False)),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
        detail="segment:N",
        tooltip=[alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("value:Q", title="Value", format=",.1f")],
    ), 60)


SUBMISSION_CELL = 24  # px per period column: the matrix keeps this width and scrolls sideways on a narrow screen


def submission_matrix(status: pd.DataFrame) -> alt.TopLevelMixin:
    """Partner and metric by period, each cell coloured and labelled by its submission status."""
    frame = status.assign(row=status.partner_name.fillna(status.partner_code) + " · " + status.metric_name.fillna(status.metric_code))
    colours = alt.Scale(domain=list(SUBMISSION_COLOURS), range=list(SUBMISSION_COLOURS.values()))
    base = alt.Chart(frame).encode(
        x=alt.X("period_label:O", title=None, axis=alt.Axis(labelAngle=-45, labelFontSize=12, orient="top")),
        y=alt.Y("row:N", title=None, axis=alt.Axis(labelFontSize=12, labelLimit=250)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        # One status a line: the matrix is as wide as its periods (a few cells on a new initiative), and the shared
        # three-column legend ran past it, cutting off the last status's name.
        color=alt.Color("submission:N", title="Submission", scale=colours, legend=alt.Legend(columns=1)),
        tooltip=[alt.Tooltip("partner_name:N", title="Partner"), alt.Tooltip("metric_name:N", title="Metric"),
                 alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("submission:N", title="Status"),
                 alt.Tooltip("due_date:T", title="Due"), alt.Tooltip("received_on:T", title="Received")],
    )
    # A letter in each cell, so the status never depends on colour alone.
    marks = base.mark_text(fontSize=11, color=INK).encode(text=alt.Text("mark:N"))
    frame_marks = {"received": "✓", "received late": "L", "missing": "✗", "not yet due": "·"}
    chart = alt.layer(cells, marks).transform_calculate(
        mark=" : ".join(f"datum.submission == '{k}' ? '{v}'" for k, v in frame_marks.items()) + " : ''"
    )
    finished = _finish(chart, max(160, 18 * frame.row.nunique()))
    # A fixed width (not the container's): on a phone the matrix keeps readable cells and scrolls sideways.
    return finished.properties(width=max(200, SUBMISSION_CELL * frame.period_label.nunique()))
