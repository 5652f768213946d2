"""Charts that explain themselves and do not exaggerate: legends, gaps for missing years, honest value axes, one
colour per group everywhere, maps of the partnership's own places; and the sentences beside them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from backbone.show import charts, maps, story
from backbone.show.charts import ChartContext, honest_domain, with_gaps
from backbone.store import queries


def series(values: dict[int, float | None], **row) -> pd.DataFrame:
    """A turn-the-curve series as outcome_trends returns it (the fields the chart reads)."""
    base = {"forecast_value": None, "forecast_year": None, "trend_value": None, "baseline_value": None, "baseline_year": None,
            "target_value": None, "target_year": None, "n_points": sum(v is not None for v in values.values())}
    return pd.DataFrame([{"period_year": year, "period_label": str(year), "value": value, **base, **row}
                         for year, value in values.items()])


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def legend_entries(spec: dict) -> list[str]:
    for layer in layers(spec):
        colour = layer.get("encoding", {}).get("color", {})
        if colour.get("field") == "series":
            return colour["scale"]["domain"]
    return []


# --- honest axes ----------------------------------------------------------------------------------------------------

def test_a_change_the_status_calls_no_real_change_stays_small_on_the_axis():
    low, high = honest_domain([79.2, 77.7, 80.6, 79.0], "percent")  # high-school completion: 77.7 -> 79.2, no real change
    assert (high - low) >= 0.4 * 80.6 - 1e-6
    assert (79.2 - 77.7) / (high - low) <= 1 / 8  # the change fills at most an eighth of the chart's height
    assert 0 <= low and high <= 100


def test_a_percent_axis_stays_within_0_and_100_and_counts_never_go_below_0():
    assert honest_domain([96.0, 99.0], "percent")[1] == 100.0
    assert honest_domain([0.0, 1.0], "percent") == [0.0, 5.0]  # widened around its middle, but not below 0
    assert honest_domain([0.0, 0.0], "count") == [0.0, 1.0]
    assert honest_domain([0.0, 0.0], "percent") == [0.0, 5.0]  # all zero: a readable axis, not 0.000000 ticks
    assert charts.value_format("percent") == ",~r"


def test_a_real_change_still_shows():
    low, high = honest_domain([76.5, 83.5], "percent")  # graduation: a 7-point rise, 'better'
    assert (83.5 - 76.5) / (high - low) > 1 / 8


# --- missing years --------------------------------------------------------------------------------------------------

def test_a_missing_year_and_a_hidden_value_each_break_the_line():
    shown = with_gaps(series({2010: 1.0, 2011: 2.0, 2013: 3.0, 2014: None, 2015: 5.0, 2016: 6.0}))
    assert shown.groupby("segment").period_year.apply(list).tolist() == [[2010, 2011], [2013], [2015, 2016]]


def test_a_series_measured_every_other_year_is_one_line():
    shown = with_gaps(series({2010: 1.0, 2012: 2.0, 2014: 3.0}))
    assert shown.segment.nunique() == 1


def test_the_curve_draws_each_segment_apart():
    spec = charts.turn_the_curve(series({2013: 76.5, 2018: 81.6, 2019: 82.4, 2020: 83.5}), "percent").to_dict()
    actual = next(layer for layer in layers(spec) if layer.get("encoding", {}).get("detail"))
    assert actual["encoding"]["detail"]["field"] == "segment"
    rows = next(v for v in spec["datasets"].values() if v and "segment" in v[0])
    assert sorted({r["segment"] for r in rows}) == ["0", "1"]  # 2013 alone, then 2018-2020: no bridge across 2014-2017


# --- legend and forecast --------------------------------------------------------------------------------------------

def test_the_turn_the_curve_legend_names_what_is_drawn():
    full = series({2020: 40.0, 2021: 42.0, 2022: 44.0}, trend_value=40.0, forecast_value=52.0, forecast_year=2026,
                  baseline_value=40.0, baseline_year=2020, target_value=60.0, target_year=2026)
    assert legend_entries(charts.turn_the_curve(full, "percent").to_dict()) == ["Actual", "Trend and forecast", "Baseline", "Target"]
    band = pd.DataFrame({"period_year": [2020, 2021, 2022], "period_label": ["2020", "2021", "2022"], "low_value": [10.0] * 3,
                         "high_value": [80.0] * 3, "low_place": "A", "high_place": "B", "value": [40.0] * 3})
    entries = legend_entries(charts.turn_the_curve(full, "percent", band).to_dict())
    assert entries[-1] == "Range of places"


def test_two_points_draw_no_forecast_and_say_why():
    two = series({2016: 42.0, 2017: 38.0}, baseline_value=42.0, baseline_year=2016, n_points=2)
    assert "Trend and forecast" not in legend_entries(charts.turn_the_curve(two, "percent").to_dict())
    row = two.iloc[-1].copy()
    row["metric_name"], row["unit"], row["direction"], row["latest_value"], row["latest_period"] = (
        "Kindergarten readiness", "percent", "up", 38.0, "2017")
    row["status"], row["forecast_meets_target"] = "worse", None
    sentence = story.curve_sentence(row)
    assert "Not enough data yet for a forecast: 2 periods of data, and a forecast needs at least 3." in sentence
    assert "If nothing changes" not in sentence


def test_a_chart_with_context_is_titled_with_where_what_source_and_vintage():
    context = ChartContext("Teen birth rate", "Median neighbourhood", "all groups", "rate_per_1000", "BNIA-JFI Vital Signs",
                           "07 Dec 2026", "Not enough data yet for a forecast.")
    title = charts.turn_the_curve(series({2010: 58.0, 2011: 49.0}), "rate_per_1000", context=context).to_dict()["title"]
    assert title["text"] == "Teen birth rate"
    assert title["subtitle"] == ["Median neighbourhood · all groups · rate per 1,000",
                                 "Source: BNIA-JFI Vital Signs · Data as of 07 Dec 2026", "Not enough data yet for a forecast."]


# --- one colour per group -------------------------------------------------------------------------------------------

def _colour_of(spec: dict) -> dict[str, str]:
    scale = next(layer["encoding"]["color"]["scale"] for layer in layers(spec) if "color" in layer.get("encoding", {}))
    return dict(zip(scale["domain"], scale["range"], strict=True))


def test_a_group_has_the_same_colour_on_the_by_group_and_the_gap_chart(demo_db):
    groups = queries.by_group("grad_rate_4yr", "Community", "Race/ethnicity", db=demo_db)
    gaps = queries.equity("grad_rate_4yr", "Community", "Race/ethnicity", db=demo_db)
    by_group = _colour_of(charts.by_group(groups, "percent", "Race/ethnicity").to_dict())
    gap = _colour_of(charts.equity_gap(gaps, "percent", "Race/ethnicity").to_dict())
    assert set(gap) <= set(by_group)
    assert all(gap[group] == by_group[group] for group in gap)
    # And the same group under another metric keeps its colour: its number is the store's, not the chart's.
    assert by_group["Hispanic"] == charts.GROUPS[4] and by_group["White"] == charts.GROUPS[7]


def test_places_compared_draw_the_community_in_ink_and_the_others_in_the_order_chosen(demo_db):
    curves = queries.places_over_time("teen_birth_rate", ("Canton", "Median of places", "Cherry Hill"), db=demo_db)
    colours = _colour_of(charts.places_compared(curves, "rate_per_1000").to_dict())
    assert colours == {"Canton": charts.GROUPS[0], "Median of places": charts.INK, "Cherry Hill": charts.GROUPS[1]}


# --- maps -----------------------------------------------------------------------------------------------------------

def test_the_map_gives_every_area_a_value_a_reason_or_no_data(demo_db):
    places = queries.places_latest("teen_birth_rate", db=demo_db)
    places.loc[places.geography == "Canton", ["value", "suppressed", "suppression_reason"]] = [None, True, "fewer than 11 births"]
    boundary = maps.pick_boundary(queries.boundaries(db=demo_db), places.geography.tolist())
    areas = maps.map_areas(places, boundary, "rate_per_1000").set_index("area")
    assert len(areas) == 56 and (areas.state == "value").sum() == 54
    assert areas.loc["Canton", ["state", "value_text", "reason"]].tolist() == ["suppressed", "not shown", "fewer than 11 births"]
    assert areas.loc["Unassigned -- Jail", "state"] == "no data"


def test_the_map_spec_carries_its_own_boundaries_and_darker_means_better(demo_db):
    places = queries.places_latest("teen_birth_rate", db=demo_db)
    boundary = maps.pick_boundary(queries.boundaries(db=demo_db), places.geography.tolist())
    spec = maps.choropleth(places, boundary, "rate_per_1000", "down").to_dict()
    text = json.dumps({key: value for key, value in spec.items() if key != "$schema"})  # $schema is a name, never fetched
    assert '"type": "topojson"' in text and "http" not in text  # inline geometry: no tile server, no outside request
    value_layer = layers(spec)[0]
    assert value_layer["encoding"]["color"]["scale"] == {"reverse": True, "scheme": "blues"}  # lower is better: low is dark
    assert maps.pick_boundary(queries.boundaries(db=demo_db), ["Jefferson County, KY"]) is None


# --- sentences ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("baseline", "latest", "direction", "expected"), [
    (50, 51, "up", "no real change"), (50, 60, "up", "better"), (50, 60, "down", "worse"), (16.4, 5.8, "down", "better"),
    (None, 3, "up", "not enough data"), (3, None, "up", "no data"),
])
def test_the_status_rule_for_a_worked_out_series_is_the_views_rule(baseline, latest, direction, expected):
    assert story.change_status(baseline, latest, direction) == expected


def test_a_median_of_zero_every_year_is_explained_and_replaced_by_the_share_above_zero(demo_db):
    spread = queries.place_spread("elevated_blood_lead", db=demo_db)
    assert story.median_is_always_zero(spread)
    summary = story.zero_median_summary(spread, "percent", "down")
    assert summary.latest_text == "3 of 52 neighbourhoods above 0.0%"
    assert summary.change_text == "−10.6 points since 2010" and summary.status == "better"
    assert summary.explanation.startswith("The median neighbourhood is 0.0% in every year")
    assert not story.median_is_always_zero(queries.place_spread("teen_birth_rate", db=demo_db))


def test_equity_and_undo_in_plain_words(demo_db):
    row = queries.equity_summary(db=demo_db).iloc[0]
    assert story.equity_line(row) == ("Hispanic: 17.7 points behind Asian (76.9% against 94.6% in 2019-20); "
                                      "widening since 2012-13.")
    preview = pd.Series({"file_name": "fix.xlsx", "partner": "City Schools", "uploaded_at": pd.Timestamp("2026-03-01 14:05"),
                         "values_leaving": 3, "values_returning": 1, "returning_from": "first.xlsx"})
    assert story.undo_question(preview) == (
        "Undo 'fix.xlsx' from City Schools, loaded 01 Mar 2026 at 14:05? Its 3 values will leave the dashboard. "
        "1 earlier value from first.xlsx will be current again; the other 2 values will have no value. "
        "The upload stays in the history, and its file is kept.")


def test_the_submission_legend_names_every_status_within_the_matrix_width():
    # The matrix is as wide as its periods (24 px each); in the shared three-column legend the last status ran past a
    # 14-period matrix and its name was cut off. One status a line fits the narrowest matrix.
    status = pd.DataFrame({"partner_name": "City Public Schools", "partner_code": "CITY_SCHOOLS", "metric_code": "kra",
                           "metric_name": "Kindergarten readiness", "period_label": [str(y) for y in range(2010, 2024)],
                           "submission": ["received", "received late", "missing", "not yet due"] * 3 + ["received"] * 2,
                           "due_date": pd.NaT, "received_on": pd.NaT})
    spec = charts.submission_matrix(status).to_dict()
    (cells,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"]
    assert cells["encoding"]["color"]["legend"]["columns"] == 1
    assert spec["width"] == 14 * charts.SUBMISSION_CELL
