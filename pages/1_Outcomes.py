"""Outcomes over time: turn the curve, by group, the equity gap, places compared, and the place map, for one outcome."""

import pandas as pd
import streamlit as st

from backbone import ui
from backbone.plan_editor import plan_section
from backbone.show import charts, maps, tables
from backbone.show.formatting import change, is_missing, md, number, plural
from backbone.show.site import content as site
from backbone.show.story import comparison_sentence, curve_sentence, forecast_note, gap_sentence, median_is_always_zero, zero_median_summary

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
series = ui.read("trend", metric_code, geography)
if series.empty and dimensions and st.session_state.get("by") not in dimensions:
    # A place sent only by group (an agency's table of groups with no total) opens on its first breakdown.
    st.session_state["by"] = dimensions[0]
dimension = filters[2].selectbox("Break down by", ["(no breakdown)", *dimensions], key="by", bind="query-params",
                                 disabled=not dimensions, help="Groups such as race/ethnicity, gender or income, where the data allow.")

if series.empty and not dimensions:
    ui.empty_state(f"No data yet for this outcome in {md(geography)}: partners upload it on the Upload page.")
    st.stop()
meta = catalog.set_index("metric_code").loc[metric_code]
row = series.iloc[-1] if len(series) else pd.Series(
    {"metric_name": meta["name"], "unit": meta.unit, "direction": meta.direction, "latest_value": None})
# The public site publishes each community outcome at its headline place (places[0]): those charts can be embedded.
published_here = meta.level == site.LEVEL and geography == places[0]


def turning_the_curve() -> None:
    """The series against its baseline, forecast and target, in numbers, words, a chart and a table."""
    st.header("Turning the curve")
    ui.about_metric(row)
    numbers = st.columns([3, 3, 2, 2])
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
    spread = ui.read("place_spread", metric_code) if geography == "Median of places" else None
    context = ui.chart_context(row.metric_name, geography, "all groups", row.unit, meta.source, forecast_note(row))
    curve_spec = ui.chart(charts.turn_the_curve, series, row.unit, spread, context, description=sentence, key="turn-the-curve")
    footnotes(series)
    if median_is_always_zero(spread):
        summary = zero_median_summary(spread, row.unit, row.direction)
        st.info(md(summary.explanation), icon=":material/info:")
        share_context = ui.chart_context(f"{row.metric_name}: neighbourhoods above 0", geography,
                                         "share of neighbourhoods above 0", "percent", meta.source)
        ui.chart(charts.share_above_zero, spread, "neighbourhoods", share_context, description=summary.explanation,
                 key="share-above-zero")
    ui.table(tables.outcome_table(series, row.unit))
    ui.downloads(series.assign(metric=row.metric_name, place=geography)[[
        "metric", "place", "period_label", "value", "numerator", "denominator", "suppressed", "display", "suppression_reason",
        "unstable", "trend_value", "baseline_value", "target_value", "target_year", "value_basis", "n_partners"]],
        f"{metric_code}-{geography}", key="trend",
        chart_spec=curve_spec)
    if published_here:
        ui.embed_this_chart(site.curve_id(metric_code), f"{row.metric_name}: turning the curve", metric_code)


def beside_comparisons() -> None:
    """The curve beside the catalog's comparison places (the state, the nation): benchmarks, never in its figure."""
    comparisons = ui.read_list("comparison_places", metric_code)
    if not comparisons or geography not in ("Community", "Median of places"):
        return
    curves = ui.read("places_over_time", metric_code, (geography, *comparisons))
    st.subheader("Beside its comparison places")
    sentence = comparison_sentence(curves, geography, row.unit, row.direction)
    st.markdown(md(sentence))
    context = ui.chart_context(f"{row.metric_name}: beside {', '.join(comparisons)}", geography, "all groups", row.unit,
                               meta.source)
    spec = ui.chart(charts.places_compared, curves, row.unit, context, key="comparisons", description=sentence)
    st.caption("Comparison places are named in the catalog (its Places sheet, role comparison). They are shown beside "
               "the community and never counted in its figure.")
    ui.table(tables.places_table(curves, row.unit))
    ui.downloads(curves.assign(metric=row.metric_name)[["metric", "geography", "period_label", "value", "suppressed",
                                                        "display", "suppression_reason"]],
                 f"{metric_code}-comparisons", key="comparisons-download", chart_spec=spec)


def by_group_and_gap() -> None:
    """Each group's line, then each group's gap to the best-off group."""
    groups = ui.read("by_group", metric_code, geography, dimension)
    st.header(f"By {md(dimension.lower())}")
    group_context = ui.chart_context(f"{row.metric_name} by {dimension.lower()}", geography, f"by {dimension.lower()}",
                                     row.unit, meta.source)
    group_spec = ui.chart(charts.by_group, groups, row.unit, dimension, group_context,
             description=f"{row.metric_name} by {dimension} in {geography}, one line per group.", key="by-group")
    footnotes(groups)
    ui.table(tables.outcome_table(groups, row.unit, groups=True))
    ui.downloads(groups.assign(metric=row.metric_name, place=geography)[[
        "metric", "place", "period_label", "group_value", "value", "numerator", "denominator", "suppressed", "display",
        "suppression_reason", "unstable"]], f"{metric_code}-{geography}-{dimension}", key="groups",
        chart_spec=group_spec)
    if published_here:
        ui.embed_this_chart(site.groups_id(metric_code, dimension), f"{row.metric_name} by {dimension.lower()}", metric_code)

    gaps = ui.read("equity", metric_code, geography, dimension)
    st.header("The equity gap")
    st.markdown(md(gap_sentence(gaps, row.unit)))
    gap_context = ui.chart_context(f"{row.metric_name}: gap to the best-off group", geography,
                                   f"by {dimension.lower()}", row.unit, meta.source)
    gap_spec = ui.chart(charts.equity_gap, gaps, row.unit, dimension, gap_context,
             description=f"Gap between each {dimension} group and the best-off group over time.", key="equity-gap")
    st.caption("Each line is a group's distance behind the best-off group that year; a line falling toward zero is a gap closing.")
    ui.table(tables.equity_table(gaps, row.unit))
    ui.downloads(gaps.assign(metric=row.metric_name, place=geography)[[
        "metric", "place", "period_label", "group_value", "value", "best_group", "best_value", "gap_to_best", "ratio_to_best",
        "difference_to_all", "gap_trend"]], f"{metric_code}-{geography}-{dimension}-gaps", key="gaps",
        chart_spec=gap_spec)


if series.empty:
    st.info(f"{md(geography)} has values for {md(row.metric_name)} only by group, no figure for everyone: see them by "
            "group below.", icon=":material/info:")
elif is_missing(row.latest_value):
    # Every value of this series is hidden or missing: nothing to turn; the places below may still have values.
    ui.empty_state(f"No value to show for {md(row.metric_name)} in {md(geography)}: every value is hidden to protect small "
                   "numbers, or none was sent. Choose another place, or see the places below.")
else:
    turning_the_curve()
    beside_comparisons()
plan_section(metric_code, geography)  # the plan for this curve, even while its values are hidden
if (series.empty or not is_missing(row.latest_value)) and dimension != "(no breakdown)":
    by_group_and_gap()

if len(places) > 1:
    st.header("Places compared over time")
    compared = st.multiselect("Places to compare", places, default=places[:2], key="compare", bind="query-params",
                              max_selections=len(charts.GROUPS) + 1,
                              help="Pick the places to draw on one chart; the link to this page keeps the choice.")
    if compared:
        curves = ui.read("places_over_time", metric_code, tuple(compared))
        compare_context = ui.chart_context(f"{row.metric_name}: places compared", "Community",
                                           f"{plural(len(compared), 'place')}", row.unit, meta.source)
        compare_spec = ui.chart(charts.places_compared, curves, row.unit, compare_context, key="places-compared",
                 description=f"{row.metric_name} over time in {', '.join(compared)}, one line per place.")
        ui.table(tables.places_table(curves, row.unit))
        ui.downloads(curves.assign(metric=row.metric_name)[["metric", "geography", "period_label", "value", "suppressed",
                                                            "display", "suppression_reason"]],
                     f"{metric_code}-places", key="compare",
                     chart_spec=compare_spec)
    else:
        st.caption("Pick one place or more to see their curves side by side.")

place_values = ui.read("places_latest", metric_code)
if len(place_values) > 1:
    st.header("By place")
    period = place_values.period_label.iloc[0]
    boundary = maps.pick_boundary(ui.read("boundaries"), place_values.geography.tolist())
    rank_context = ui.chart_context(f"{row.metric_name} by place, {period}", "Community", "all groups", row.unit, meta.source)
    if boundary is not None:
        st.markdown(f"Every place in {md(period)} on the partnership's map: darker is better "
                    f"({'higher' if row.direction == 'up' else 'lower'} is better). Hover over a place for its value.")
        map_context = ui.chart_context(f"{row.metric_name} by place, {period}", "Community", "all groups", row.unit,
                                       "; ".join(filter(None, [meta.source if isinstance(meta.source, str) else "",
                                                               boundary.source if isinstance(boundary.source, str) else ""])))
        place_spec = ui.chart(maps.choropleth, place_values, boundary, row.unit, row.direction, map_context, key="place-map",
                 description=f"Map of {row.metric_name} in {len(place_values)} places, {period}.")
        areas = maps.map_areas(place_values, boundary, row.unit)
        off_map = sorted(set(place_values.geography) - set(areas.place))
        hidden, empty = int((areas.state == "suppressed").sum()), int((areas.state == "no data").sum())
        st.caption(" · ".join(filter(None, [
            f"Grey: {plural(hidden, 'place')} not shown, to protect small numbers (hover for why)" if hidden else "",
            f"Light: {plural(empty, 'area')} with no data for {md(period)}" if empty else "",
            f"Not on the map (no boundary): {md(', '.join(off_map))}" if off_map else ""])))
        with st.expander("Rank the places"):
            ui.chart(charts.by_place, place_values, row.unit, rank_context, key="by-place",
                     description=f"{row.metric_name} in each of {len(place_values)} places, highest first.")
    else:
        st.markdown(f"Every place in {md(period)}, highest first ({'higher' if row.direction == 'up' else 'lower'} is better).")
        place_spec = ui.chart(charts.by_place, place_values, row.unit, rank_context, key="by-place",
                              description=f"{row.metric_name} in each of {len(place_values)} places.")
    ui.table(tables.places_table(place_values, row.unit))
    ui.downloads(place_values.assign(metric=row.metric_name), f"{metric_code}-by-place", key="places", chart_spec=place_spec)
    if meta.level == site.LEVEL:
        ui.embed_this_chart(site.places_id(metric_code), f"{row.metric_name} by place, {period}", metric_code)
