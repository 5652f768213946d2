"""Outcomes over time: turn the curve, by group, the equity gap, and by place, for one outcome."""

import pandas as pd
import streamlit as st

from backbone import ui
from backbone.plan_editor import plan_section
from backbone.show import charts
from backbone.show.formatting import change, md, number
from backbone.show.story import curve_sentence, gap_sentence

ui.setup_page("Outcomes over time", ":material/show_chart:")


def footnotes(frame) -> None:
    """Say which values are hidden and why, and which rates rest on few events: beside the chart, in words."""
    hidden = frame[frame.suppressed]
    if len(hidden):
        st.caption("Not shown, to protect small numbers: " + "; ".join(md(
            f"{getattr(r, 'group_value', 'All')} {r.period_label}"
            + (f" ({r.display})" if isinstance(r.display, str) else "")
            + f": {r.suppression_reason}") for r in hidden.itertuples()) + ".")
    unstable = frame[frame.unstable.fillna(False).astype(bool)]
    if len(unstable):
        st.caption("Unstable (fewer than 20 events, so it moves a lot by chance): "
                   + ", ".join(md(r.period_label) for r in unstable.itertuples()) + ".")

st.title("Outcomes over time")

catalog = ui.read("metrics_catalog")
with_data = catalog[catalog.has_data]
if with_data.empty:
    ui.empty_state("No data yet: partners upload their workbooks on the Upload page.")
    st.stop()

filters = st.columns([3, 2, 2])
metric_code = ui.choose("Outcome", dict(zip(with_data.metric_code, with_data.name, strict=True)), "metric", filters[0],
                        help="Community outcomes first, then partners' performance measures, then the backbone's own measures.")
places = ui.read_list("geographies", metric_code)
geography = filters[1].selectbox("Place", places, key="geography", bind="query-params",
                                 help="'Community' is the whole community; 'Median of places' the typical place where "
                                      "no community-wide value exists.")
dimensions = ui.read_list("dimensions", metric_code, geography)
dimension = filters[2].selectbox("Break down by", ["(no breakdown)", *dimensions], key="by", bind="query-params",
                                 disabled=not dimensions, help="Groups such as race/ethnicity, gender or income, where the data allow.")

series = ui.read("trend", metric_code, geography)
if series.empty:
    ui.empty_state(f"No data yet for this outcome in {md(geography)}: partners upload it on the Upload page.")
    st.stop()
row = series.iloc[-1]

st.header("Turning the curve")
ui.about_metric(row)
numbers = st.columns(4)
numbers[0].metric(f"Latest ({md(row.latest_period)})", number(row.latest_value, row.unit))
# A series whose values are all hidden has no baseline year to name.
numbers[1].metric(f"Change since {int(row.baseline_year)}" if pd.notna(row.baseline_year) else "Change since baseline",
                  change(row.change_since_baseline, row.unit))
has_target = row.target_value == row.target_value and pd.notna(row.target_year)
numbers[2].metric(f"Target for {int(row.target_year)}" if has_target else "Target",
                  number(row.target_value, row.unit) if has_target else "Not set")
with numbers[3]:
    st.caption("Status")
    ui.status_badge(row.status)
sentence = curve_sentence(row)
st.markdown(md(sentence))
ui.chart(charts.turn_the_curve, series, row.unit, description=sentence, key="turn-the-curve")
footnotes(series)
shown = series[["period_label", "value", "numerator", "denominator", "suppressed", "display", "suppression_reason", "unstable",
                "trend_value", "baseline_value", "target_value", "target_year", "value_basis", "n_partners"]]
ui.table(shown)
ui.downloads(shown.assign(metric=row.metric_name, place=geography), f"{metric_code}-{geography}", key="trend")
plan_section(metric_code, geography)

if dimension != "(no breakdown)":
    groups = ui.read("by_group", metric_code, geography, dimension)
    st.header(f"By {md(dimension.lower())}")
    ui.chart(charts.by_group, groups, row.unit, dimension,
             description=f"{row.metric_name} by {dimension} in {geography}, one line per group.", key="by-group")
    footnotes(groups)
    ui.table(groups[["period_label", "group_value", "value", "numerator", "denominator", "suppressed", "display",
                     "suppression_reason", "unstable"]])
    ui.downloads(groups.assign(metric=row.metric_name, place=geography), f"{metric_code}-{geography}-{dimension}", key="groups")

    gaps = ui.read("equity", metric_code, geography, dimension)
    st.header("The equity gap")
    st.markdown(md(gap_sentence(gaps, row.unit)))
    ui.chart(charts.equity_gap, gaps, row.unit, dimension,
             description=f"Gap between each {dimension} group and the best-off group over time.", key="equity-gap")
    st.caption("Each line is a group's distance behind the best-off group that year; a line falling toward zero is a gap closing.")
    gap_table = gaps[["period_label", "group_value", "value", "best_group", "best_value", "gap_to_best", "ratio_to_best",
                      "difference_to_all", "gap_trend"]]
    ui.table(gap_table)
    ui.downloads(gap_table.assign(metric=row.metric_name, place=geography), f"{metric_code}-{geography}-{dimension}-gaps",
                 key="gaps")

place_values = ui.read("places_latest", metric_code)
if len(place_values) > 1:
    st.header("By place")
    st.markdown(f"Every place in {md(place_values.period_label.iloc[0])}, highest first "
                f"({'higher' if row.direction == 'up' else 'lower'} is better).")
    ui.chart(charts.by_place, place_values, row.unit, key="by-place",
             description=f"{row.metric_name} in each of {len(place_values)} places.")
    ui.table(place_values)
    ui.downloads(place_values.assign(metric=row.metric_name), f"{metric_code}-by-place", key="places")
