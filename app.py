"""Home: the annual community dashboard — is the community getting better, for whom, and where is the initiative?"""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from backbone import ui
from backbone.show import charts
from backbone.show.formatting import change, gap_trend, is_missing, md, number, status
from backbone.show.story import equity_line, median_is_always_zero, zero_median_summary
from backbone.show.tables import human_table
from backbone.vocab import PHASES

ui.setup_page("Community dashboard", ":material/dashboard:")
# A card's small curve has no title of its own: no toolbar to download it bare ("Explore" opens the full chart, which
# carries its title, place, unit, source and vintage). A fixed rule of the app's own.
st.html('<style>[class*="st-key-card-"] [data-testid="stElementToolbar"] { display: none; }</style>')

st.title("Community dashboard")
st.markdown("Are the community's outcomes getting better? Each card shows the latest value, the change since the "
            "baseline, and whether that change is for the better, with the target where one is set.")

phase = ui.read("initiative_phase")
if len(phase):
    reached = int(phase.component_phase_reached.min())
    names = list(PHASES)
    working = names[min(reached, len(names) - 1)]
    st.subheader("Where the initiative is")
    st.markdown(f"Working in **Phase {working}: {PHASES[working]}**. Phases completed by component:")
    strip = st.columns(len(phase))
    for column, row in zip(strip, phase.itertuples(), strict=True):
        done = int(row.component_phase_reached)
        with column.container(border=True):
            st.caption(row.component_name)
            st.markdown(f"**Phase {names[done - 1]} done**" if done else "**Phase I under way**")
    st.page_link("pages/3_Phases.py", label="See the phase matrix", icon=":material/grid_view:")


def outcome_card(metric_code: str, series: pd.DataFrame) -> None:
    """One community outcome: latest value, change, status, target, freshness and its small curve."""
    row = series.iloc[-1]
    st.markdown(f"**{md(row.metric_name)}**")
    where = "Whole community" if row.geography == "Community" else (
        "Median neighbourhood, range shaded (no community-wide value reported)")
    st.caption(f"{md(row.outcome_area)} · {where}")
    spread = ui.read("place_spread", metric_code) if row.geography != "Community" else None
    about = f"{row.definition or ''} Source: {row.source or 'not recorded in the catalog'}."
    if is_missing(row.latest_value):
        # Every value of the headline series is hidden (or none was sent): say so rather than draw an empty card.
        st.metric("Latest", "–", help=about)
        ui.status_badge(row.status)
        st.caption("No value to show: every value of this series is hidden to protect small numbers, or none was sent.")
        st.page_link("pages/1_Outcomes.py", label="Explore", icon=":material/arrow_forward:",
                     query_params={"metric": row.metric_name})
        return
    if median_is_always_zero(spread):
        # A median that is 0 every year cannot move: say so, and show the share of places above 0, which can.
        summary = zero_median_summary(spread, row.unit, row.direction)
        st.metric(f"Neighbourhoods above {number(0, row.unit)} ({md(summary.latest_period)})", f"{summary.latest_share:.0f}%",
                  delta=summary.change_text, delta_color=status(summary.status).badge, delta_arrow="off", help=about)
        ui.status_badge(summary.status)
        st.caption(md(summary.explanation))
        chart, args = charts.share_above_zero, (spread, "neighbourhoods")
        description = f"{row.metric_name}: {summary.explanation}"
    else:
        st.metric(f"Latest ({md(row.latest_period)})", number(row.latest_value, row.unit),
                  delta=f"{change(row.change_since_baseline, row.unit)} since "
                        + (f"{int(row.baseline_year)}" if pd.notna(row.baseline_year) else "the baseline"),
                  delta_color=status(row.status).badge, delta_arrow="off", help=about)
        ui.status_badge(row.status)
        chart, args = charts.small_multiple, (series, row.unit, spread)
        description = (f"{row.metric_name}: from {number(series.value.dropna().iloc[0], row.unit)} to "
                       f"{number(row.latest_value, row.unit)}; {row.status}.")
    target = (f"Target {number(row.target_value, row.unit)} by {int(row.target_year)}"
              if row.target_value == row.target_value and pd.notna(row.target_year) else "No target set")
    st.caption(f"{'Higher' if row.direction == 'up' else 'Lower'} is better · {target} · "
               f"data loaded {pd.Timestamp(row.last_updated):%d %b %Y}")
    ui.chart(chart, *args, description=description, key=f"card-{metric_code}")
    st.page_link("pages/1_Outcomes.py", label="Explore", icon=":material/arrow_forward:",
                 query_params={"metric": row.metric_name, "geography": row.geography})


st.subheader("Community outcomes")
trends = ui.read("headline_trends", "community_outcome")
if trends.empty:
    ui.empty_state("No community outcomes yet. The backbone loads its catalog workbook on the Data and history page; "
                   "partners then send their data on the Upload page.")
else:
    cards = list(trends.groupby("metric_code", sort=False))
    for start in range(0, len(cards), 3):
        # A row of three at a time, so a phone, which stacks the columns, keeps the cards in order.
        for column, (metric_code, series) in zip(st.columns(3), cards[start:start + 3], strict=False):
            with column.container(border=True):
                outcome_card(metric_code, series)
    st.caption("Status compares the latest value with the baseline: a change within 5% of the baseline is "
               "'no real change'. Diamonds mark targets.")
    latest = trends.drop_duplicates("metric_code", keep="last")
    ui.table(human_table(latest, {
        "metric_name": ("Outcome", "text"), "geography": ("Where", "text"), "latest_period": ("Latest period", "text"),
        "latest_value": ("Latest value", "value"), "baseline_year": ("Baseline year", "year"),
        "baseline_value": ("Baseline", "value"), "change_since_baseline": ("Change since baseline", "change"),
        "status": ("Status", "status"), "target_year": ("Target year", "year"), "target_value": ("Target", "value"),
    }, units=latest.unit), "Show the outcomes as a table")

st.subheader("Equity at a glance")
st.markdown("For whom is it not getting better? For each community outcome broken down by group: the group furthest "
            "behind the best-off group, the size of that gap, and whether it has narrowed or widened since the first "
            "period measured. Largest gaps first, measured against the best-off group's value so that outcomes in "
            "different units compare.")
equity = ui.read("equity_summary")
if equity.empty:
    ui.empty_state("No community outcome is broken down by group yet: partners add a dimension and group "
                   "(such as Race/ethnicity, Hispanic) to their rows.")
EQUITY_ROWS = 6  # the widest gaps, each with its link; every breakdown is in the table below them
for row in equity.head(EQUITY_ROWS).itertuples():
    with st.container(border=True):
        shown = gap_trend(row.gap_trend)
        # One line per outcome and breakdown: what, who is furthest behind and by how much, which way the gap moves.
        st.markdown(f"**{md(row.metric_name)}** by {md(row.dimension.lower())} · :{shown.badge}-badge[{shown.symbol} "
                    f"{shown.words}]  \n{md(equity_line(row))}")
        st.page_link("pages/1_Outcomes.py", label="By group", icon=":material/arrow_forward:",
                     query_params={"metric": row.metric_name, "geography": row.geography, "by": row.dimension})
if len(equity) > EQUITY_ROWS:
    ui.table(ui.human(equity.assign(link="Outcomes?" + equity.apply(lambda r: urlencode(
        {"metric": r.metric_name, "geography": r.geography, "by": r.dimension}), axis=1)), {
        "metric_name": ("Outcome", "text"), "dimension": ("By", "text"), "behind_group": ("Furthest behind", "text"),
        "best_group": ("Best-off group", "text"), "latest_period": ("Latest period", "text"),
        "gap_to_best": ("Gap", "points"), "relative_gap": ("Gap ÷ best-off value", "share"),
        "gap_trend": ("Since the first period", {"narrowing": "narrowing", "widening": "widening",
                                                 "no real change": "about the same", "no earlier gap": "first period"}),
        "link": ("Open", "text")}, units=equity.unit),
        f"All {len(equity)} breakdowns, widest gap first",
        columns={"Open": st.column_config.LinkColumn("Open", display_text="By group")})

st.subheader("The backbone's six activities")
st.markdown("Each activity's share of measures moving the right way (latest value better than its baseline).")
activities = ui.read("activity_scorecard").drop_duplicates("activity")
st.dataframe(
    activities.assign(activity=activities.activity.astype(str) + ". " + activities.activity_name,
                      with_trend=activities.n_measures_with_trend.astype(int).astype(str) + " of "
                      + activities.n_measures.astype(int).astype(str)),
    hide_index=True, width="stretch", column_order=["activity", "share_moving_right_way", "with_trend"],
    column_config={
        "activity": st.column_config.TextColumn("Activity", width="large"),
        "share_moving_right_way": st.column_config.ProgressColumn("Measures moving the right way", format="percent",
                                                                  min_value=0, max_value=1),
        "with_trend": st.column_config.TextColumn("Measures with a trend"),
    },
)
st.page_link("pages/2_Backbone_activities.py", label="See each activity's measures", icon=":material/arrow_forward:",
             query_params={"view": "Backbone activities"})
