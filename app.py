"""Home: the annual community dashboard — is the community getting better, and where is the initiative?"""

import pandas as pd
import streamlit as st

from backbone import ui
from backbone.show import charts
from backbone.show.formatting import change, md, number, status
from backbone.vocab import PHASES

ui.setup_page("Community dashboard", ":material/dashboard:")

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

st.subheader("Community outcomes")
trends = ui.read("headline_trends", "community_outcome")
if trends.empty:
    ui.empty_state("No community outcomes yet. The backbone loads its catalog workbook on the Data and history page; "
                   "partners then send their data on the Upload page.")
else:
    grid = st.columns(3)
    for index, (metric_code, series) in enumerate(trends.groupby("metric_code", sort=False)):
        row = series.iloc[-1]
        with grid[index % 3].container(border=True):
            st.markdown(f"**{md(row.metric_name)}**")
            where = "Whole community" if row.geography == "Community" else (
                "Median neighbourhood, range shaded (no community-wide value reported)")
            st.caption(f"{md(row.outcome_area)} · {where}")
            st.metric(f"Latest ({md(row.latest_period)})", number(row.latest_value, row.unit),
                      delta=f"{change(row.change_since_baseline, row.unit)} since "
                            + (f"{int(row.baseline_year)}" if pd.notna(row.baseline_year) else "the baseline"),
                      delta_color=status(row.status).badge, delta_arrow="off",
                      help=f"{row.definition or ''} Source: {row.source or 'not recorded in the catalog'}.")
            ui.status_badge(row.status)
            target = (f"Target {number(row.target_value, row.unit)} by {int(row.target_year)}"
                      if row.target_value == row.target_value and pd.notna(row.target_year) else "No target set")
            st.caption(f"{'Higher' if row.direction == 'up' else 'Lower'} is better · {target} · "
                       f"data loaded {pd.Timestamp(row.last_updated):%d %b %Y}")
            spread = ui.read("place_spread", metric_code) if row.geography != "Community" else None
            shown = series.value.dropna()  # a series can be hidden whole, to protect small numbers
            ui.chart(charts.small_multiple, series, row.unit, spread,
                     description=f"{row.metric_name}: from {number(shown.iloc[0], row.unit)} to "
                     f"{number(row.latest_value, row.unit)}; {row.status}." if len(shown) else
                     f"{row.metric_name}: every value hidden to protect small numbers.", key=f"card-{metric_code}")
            st.page_link("pages/1_Outcomes.py", label="Explore", icon=":material/arrow_forward:",
                         query_params={"metric": row.metric_name, "geography": row.geography})
    st.caption("Status compares the latest value with the baseline: a change within 5% of the baseline is "
               "'no real change'. Diamonds mark targets.")
    latest = trends.drop_duplicates("metric_code", keep="last")
    ui.table(latest[["metric_name", "geography", "latest_period", "latest_value", "baseline_year", "baseline_value",
                     "change_since_baseline", "status", "target_year", "target_value"]],
             "Show the outcomes as a table",
             columns={"metric_name": "Outcome", "geography": "Where", "latest_period": "Latest period",
                      "latest_value": "Latest value", "baseline_year": "Baseline year", "baseline_value": "Baseline",
                      "change_since_baseline": "Change since baseline", "status": "Status", "target_year": "Target year",
                      "target_value": "Target"})
