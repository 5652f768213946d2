"""Backbone activities: the six activities with their measures, and partners' performance by RBA question."""

import streamlit as st

from backbone import ui
from backbone.show import charts
from backbone.show.formatting import change, md, number
from backbone.show.tables import human_table
from backbone.vocab import HORIZONS, RBA_QUESTIONS

ui.setup_page("Backbone activities", ":material/hub:")
st.title("What the backbone is achieving")
st.markdown("The six activities of a backbone, each measured by a short-term and an intermediate outcome. "
            "The share moving the right way counts measures whose latest value is better than their baseline.")

scorecard = ui.read("activity_scorecard")
catalog = ui.read("metrics_catalog")
computed_definitions = dict(zip(catalog.metric_code[catalog.computed], catalog.definition[catalog.computed], strict=True))
series = ui.read("level_series", "backbone")
view = st.segmented_control("Show", ["Backbone activities", "Partner performance"], default="Backbone activities",
                            key="view", bind="query-params", required=True)


def measure_row(measure, series_by_metric) -> None:
    """One measure: name, horizon, latest value, change, status, sparkline."""
    left, middle, right = st.columns([3, 2, 2])
    with left:
        # A computed measure says how it is computed (its catalog definition) on its name.
        st.markdown(f"**{md(measure.metric_name)}**", help=computed_definitions.get(measure.metric_code))
        st.caption(f"{HORIZONS.get(measure.horizon, measure.horizon or '').capitalize()} outcome · "
                   f"{'higher' if measure.direction == 'up' else 'lower'} is better"
                   + (" · computed by Backbone from the plans and submissions (its definition is in the catalog)"
                      if measure.computed else ""))
    with middle:
        if measure.latest_value == measure.latest_value:
            st.markdown(f"**{md(number(measure.latest_value, measure.unit))}** in {md(measure.latest_period)}")
            st.caption(f"{change(measure.change_since_baseline, measure.unit)} since {int(measure.baseline_year)}")
        else:
            st.caption("No data yet: the backbone uploads it on the Upload page.")
        ui.status_badge(measure.status)
    with right:
        points = series_by_metric.get(measure.metric_code)
        if points is not None and len(points) > 1:
            ui.chart(charts.sparkline, points, description=f"Trend of {measure.metric_name}", key=f"spark-{measure.metric_code}")


if view == "Backbone activities":
    by_metric = {code: frame for code, frame in series.groupby("metric_code")}
    for activity, measures in scorecard.groupby("activity", sort=True):
        first = measures.iloc[0]
        with st.container(border=True):
            st.subheader(f"{activity}. {first.activity_name}")
            share = first.share_moving_right_way
            st.markdown(f"*Short term:* {first.short_term_outcome}. *Intermediate:* {first.intermediate_outcome}.")
            if first.n_measures == 0:
                ui.empty_state("No measures for this activity yet: add one to the catalog with this activity number.")
                continue
            st.markdown(f"**{share:.0%} of measures moving the right way** ({int(first.n_measures_with_trend)} with a trend)"
                        if share == share else "Not enough data yet to tell which way its measures are moving.")
            for measure in measures.itertuples():
                measure_row(measure, by_metric)
    ui.table(human_table(scorecard, {
        "activity": ("Activity", "text"), "activity_name": ("What the backbone does", "text"), "metric_name": ("Measure", "text"),
        "horizon": ("Outcome", HORIZONS), "latest_period": ("Latest period", "text"), "latest_value": ("Latest value", "value"),
        "baseline_value": ("Baseline", "value"), "change_since_baseline": ("Change since baseline", "change"),
        "status": ("Status", "status"), "share_moving_right_way": ("Activity's measures moving the right way", "share"),
    }, units=scorecard.unit.fillna("number")), "Show the scorecard as a table")
else:
    performance = ui.read("partner_performance")
    st.markdown("Results-Based Accountability asks three questions of every programme. Figures combine every "
                "partner reporting the measure (counts add; percents come from summed numerators and denominators).")
    if performance.empty:
        ui.empty_state("No partner performance measures in the catalog yet.")
    columns = st.columns(3)
    for column, (code, question) in zip(columns, RBA_QUESTIONS.items(), strict=True):
        with column:
            st.subheader(question.capitalize() + ("?" if code != "better_off" else ": is anyone better off?"))
            for measure in performance[performance.rba == code].itertuples():
                with st.container(border=True):
                    st.markdown(f"**{md(measure.metric_name)}**")
                    st.caption(f"Reported by {md(measure.partners) or 'no partner yet'}")
                    if measure.latest_value == measure.latest_value:
                        st.markdown(f"**{md(number(measure.latest_value, measure.unit))}** in {md(measure.latest_period)} "
                                    f"({change(measure.change_since_baseline, measure.unit)} since {int(measure.baseline_year)})")
                    ui.status_badge(measure.status)
    ui.table(human_table(performance, {
        "rba": ("Question", RBA_QUESTIONS), "metric_name": ("Measure", "text"), "partners": ("Reported by", "text"),
        "latest_period": ("Latest period", "text"), "latest_value": ("Latest value", "value"),
        "change_since_baseline": ("Change since baseline", "change"), "target_value": ("Target", "value"),
        "status": ("Status", "status"),
    }, units=performance.unit.fillna("number")), "Show partner performance as a table")
