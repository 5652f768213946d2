"""What a director sees (issue 16), through AppTest on the demo: equity and the six activities at a glance, the place
map, places compared from a shared link, charts that carry their own context, and tables people can read."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pandas as pd
import pytest

from backbone.intake.ingest import ingest_file
from backbone.store import database
from tests.app.conftest import chart_alt, chart_named, chart_spec, charts, rows_with
from tests.app.test_pages import HOME, OUTCOMES, PARTNERS, PHASES, metric_values, no_exception, plain, texts
from tests.workbooks import data_workbook

TEEN_BIRTHS = {"metric": "Teen birth rate", "geography": "Median of places"}


def links(at, label: str) -> list[dict[str, str]]:
    return [dict(parse_qsl(link.proto.query_string)) for link in at.get("page_link") if link.proto.label == label]


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


# --- equity and the six activities on the dashboard -----------------------------------------------------------------

def test_equity_at_a_glance_lists_the_furthest_behind_largest_gap_first_with_links(demo_store, app):
    at = app(HOME)
    no_exception(at)
    assert "Equity at a glance" in texts(at.subheader)
    rows = [plain(text).split("  \n") for text in texts(at.markdown) if " behind " in text and "points" in text]
    assert rows == [
        ["**4-year graduation rate** by race/ethnicity · :red-badge[▼ Widening]",
         "Hispanic: 17.7 points behind Asian (76.9% against 94.6% in 2019-20); widening since 2012-13."],
        # 2019-20's Female cell is hidden: with Male it would give away the 4 graduates of 6 students the district
        # listed under neither (a small remainder), so the latest gap shown is 2018-19's
        ["**4-year graduation rate** by gender · :red-badge[▼ Widening]",
         "Male: 8.6 points behind Female (78.1% against 86.7% in 2018-19); widening since 2012-13."],
        ["**4-year graduation rate** by income · :gray-badge[● About the same]",
         "Economically disadvantaged: 3.9 points behind Not economically disadvantaged (81.5% against 85.4% in 2019-20); "
         "about the same as in 2012-13."],
    ]
    by_group = links(at, "By group")
    assert [link["by"] for link in by_group] == ["Race/ethnicity", "Gender", "Income"]
    # Following the first link opens the outcome's by-group view.
    opened = app(OUTCOMES, query_params=by_group[0])
    no_exception(opened)
    assert opened.selectbox(key="by").value == "Race/ethnicity"
    assert "By race/ethnicity" in texts(opened.header) and "The equity gap" in texts(opened.header)


def test_the_six_activities_at_a_glance_link_to_backbone_activities(demo_store, app):
    at = app(HOME)
    assert "The backbone's six activities" in texts(at.subheader)
    glance = at.dataframe[-1].value
    assert glance.activity.tolist() == ["1. Guide vision and strategy", "2. Support aligned activities",
                                        "3. Establish shared measurement practices", "4. Build public will",
                                        "5. Advance policy", "6. Mobilize funding"]
    # activities 2 and 3 count the measures Backbone computes itself (plans, actions, data on time) beside the reported
    assert glance.share_moving_right_way.tolist() == [1.0, 0.75, 0.5, 0.5, 1.0, 1.0]
    assert glance.with_trend.tolist() == ["2 of 2", "4 of 4", "4 of 4", "2 of 2", "2 of 2", "2 of 2"]
    link = [found for found in at.get("page_link") if found.proto.label == "See each activity's measures"]
    assert len(link) == 1 and link[0].proto.page == "Backbone_activities"


# --- the place map ---------------------------------------------------------------------------------------------------

def map_rows(at) -> pd.DataFrame:
    return rows_with(chart_named(at, "Map of "), "area", "state", "value_text")


def test_the_outcomes_page_maps_all_55_baltimore_areas(demo_store, app):
    at = app(OUTCOMES, query_params=TEEN_BIRTHS)
    no_exception(at)
    areas = map_rows(at)
    assert len(areas) == 56 and (areas.state == "value").sum() == 55
    assert areas.set_index("area").loc["Unassigned -- Jail", "state"] == "no data"
    spec = chart_spec(chart_named(at, "Map of "))
    assert spec["title"]["text"] == "Teen birth rate by place, 2019"
    assert any("Boundaries: BNIA-JFI" in line for line in spec["title"]["subtitle"])
    assert any("Light: 1 area with no data for 2019" in plain(text) for text in texts(at.caption))
    # The table alternative: every place, its value rounded to the metric's precision, blanks not "None".
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Place", "Period", "Value", "Note"] and len(table) == 55
    assert "None" not in set(table.Note) and table.Value.str.endswith("per 1,000").all()


def test_a_suppressed_place_is_grey_on_the_map_with_its_reason(writable_demo_store, app, tmp_path):
    book = data_workbook(tmp_path / "teen-2019-fix.xlsx", [["teen_birth_rate", 2019, "Canton", None, None, "*"]])
    assert ingest_file(book, "CITY_HEALTH", db=writable_demo_store).status == "loaded"
    database.close_all()
    # A hidden place hides the (uncombinable) city-wide row too: the dashboard says there is nothing to show, no crash.
    home = app(HOME)
    no_exception(home)
    assert any(text.startswith("No value to show: every value of this series is hidden") for text in texts(home.caption))
    at = app(OUTCOMES, query_params={"metric": "Teen birth rate"})
    no_exception(at)
    canton = map_rows(at).set_index("area").loc["Canton"]
    assert (canton.state, canton.value_text) == ("suppressed", "not shown")
    assert canton.reason == "suppressed by the partner (*)"
    suppressed_layer = layers(chart_spec(chart_named(at, "Map of ")))[1]
    assert suppressed_layer["mark"]["fill"] == "#9AA1A9"  # grey, whatever the colour scale
    assert any("Grey: 1 place not shown, to protect small numbers" in plain(text) for text in texts(at.caption))


def test_a_metric_whose_places_have_no_boundaries_gets_the_ranked_bars(demo_store, app):
    at = app(OUTCOMES, query_params={"metric": "4-year graduation rate"})
    no_exception(at)
    assert not [c for c in charts(at) if chart_alt(c).startswith("Map of ")]


# --- places compared over time ---------------------------------------------------------------------------------------

def test_places_compared_come_back_from_a_shared_link(demo_store, app):
    at = app(OUTCOMES, query_params={**TEEN_BIRTHS, "compare": ["Canton", "Cherry Hill", "Median of places"]})
    no_exception(at)
    assert at.multiselect(key="compare").value == ["Canton", "Cherry Hill", "Median of places"]
    curves = rows_with(chart_named(at, "Teen birth rate over time in Canton, Cherry Hill, Median of places"),
                       "geography", "period_label", "value")
    assert list(dict.fromkeys(curves.geography)) == ["Canton", "Cherry Hill", "Median of places"]
    assert curves[curves.geography == "Cherry Hill"].set_index("period_label").value["2019"] == pytest.approx(48.99)
    at.multiselect(key="compare").set_value(["Canton"]).run()
    no_exception(at)
    assert set(rows_with(chart_named(at, "Teen birth rate over time in Canton"), "geography", "value").geography) == {"Canton"}


# --- charts that carry their own context -----------------------------------------------------------------------------

def test_the_curve_carries_title_place_unit_source_and_vintage_and_a_legend(demo_store, app):
    at = app(OUTCOMES, query_params={"metric": "4-year graduation rate"})
    spec = chart_spec(chart_named(at, "4-year graduation rate was 76.5%"))
    assert spec["title"]["text"] == "4-year graduation rate"
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "Whole community · all groups · percent" in subtitle and "Source: Kentucky Department of Education" in subtitle
    assert "Data as of " in subtitle
    legend = next(layer["encoding"]["color"]["scale"]["domain"] for layer in layers(spec)
                  if layer.get("encoding", {}).get("color", {}).get("field") == "series")
    assert legend == ["Actual", "Trend and forecast", "Baseline", "Target"]
    assert {"Chart (PNG)", "Chart (SVG)"} <= {b.label for b in at.download_button}


def test_two_years_of_data_say_there_is_no_forecast_yet(demo_store, app):
    at = app(OUTCOMES, query_params={"metric": "Kindergarten readiness"})
    no_exception(at)
    sentence = [plain(t) for t in texts(at.markdown) if t.startswith("Kindergarten readiness was")][0]
    assert "Not enough data yet for a forecast: 2 periods of data, and a forecast needs at least 3." in sentence
    spec = chart_spec(chart_named(at, "Kindergarten readiness was"))
    assert "Trend and forecast" not in str(spec)
    assert "Not enough data yet for a forecast" in " ".join(spec["title"]["subtitle"])


def test_a_missing_year_is_a_gap_and_no_real_change_looks_small(demo_store, app):
    at = app(OUTCOMES, query_params={"metric": "High school completion rate"})
    element = chart_named(at, "High school completion rate was")
    actual = rows_with(element, "segment", "value", "period_label")
    assert actual.groupby("segment").period_label.apply(list).tolist() == [
        [str(y) for y in range(2010, 2018)], ["2019", "2020"]]  # no 2018: the line breaks there
    scale = layers(chart_spec(element))[1]["encoding"]["y"]["scale"]
    low, high = scale["domain"]
    assert (79.2 - 77.7) / (high - low) <= 1 / 8  # 'no real change' fills at most an eighth of the axis


def test_by_group_and_gap_charts_give_each_group_one_colour(demo_store, app):
    at = app(OUTCOMES, query_params={"metric": "4-year graduation rate", "by": "Race/ethnicity"})
    by_group = chart_spec(chart_named(at, "4-year graduation rate by Race/ethnicity"))["encoding"]["color"]["scale"]
    gaps = chart_spec(chart_named(at, "Gap between each Race/ethnicity group"))["encoding"]["color"]["scale"]
    colour = dict(zip(by_group["domain"], by_group["range"], strict=True))
    assert all(colour[g] == c for g, c in zip(gaps["domain"], gaps["range"], strict=True))


def test_outcome_tables_are_human(demo_store, app):
    at = app(OUTCOMES, query_params={"metric": "4-year graduation rate", "by": "Race/ethnicity"})
    curve_table = at.dataframe[0].value
    assert list(curve_table.columns)[:4] == ["Period", "Value", "Numerator", "Denominator"]
    assert curve_table.set_index("Period").loc["2019-20", "Value"] == "83.5%"
    groups = next(frame.value for frame in at.dataframe if "Group" in frame.value.columns)
    hidden = groups[(groups.Group == "American Indian or Alaska Native") & (groups.Period == "2017-18")].iloc[0]
    assert hidden.Value == "" and hidden.Note == "not shown: fewer than 11 people in this result"
    assert not (groups == "None").any().any() and not (curve_table == "nan").any().any()


# --- phases, partners ------------------------------------------------------------------------------------------------

def test_each_phase_cell_says_what_it_means_and_details_show_names(accounts_viewer, app):
    from tests.app.test_roles import open_as

    at = open_as(accounts_viewer, PHASES)
    no_exception(at)
    assert "Identify champions and form a cross-sector group" in texts(at.markdown)
    assert "Collect, track and report progress: learn and improve" in texts(at.markdown)
    at.selectbox(key="phase").set_value("Phase II: Organize for impact").run()
    at.selectbox(key="component").set_value("Evaluation and improvement").run()
    milestones = at.dataframe[0].value
    assert set(milestones.Status) == {"done", "in progress"}  # words, not in_progress
    evidence = at.dataframe[-1].value
    assert list(evidence.columns) == ["Metric", "Unit", "Latest period", "Latest value", "Status"]
    assert "grad_rate_4yr" not in evidence.to_string() and "rate_per_1000" not in evidence.to_string()


def test_partners_table_is_a_wrapping_table_and_the_matrix_scrolls_sideways(demo_store, app):
    at = app(PARTNERS)
    no_exception(at)
    partners = at.table[0].value
    assert list(partners.columns) == ["Partner", "Sector", "Backbone roles", "Metrics", "Values held", "Uploads", "Last sent", "Contact"]
    assert partners.set_index("Partner").loc["County School District (KY)", "Backbone roles"] == ""  # a blank, not None
    matrix = chart_spec(chart_named(at, "Which partner sent which metric"))
    assert isinstance(matrix["width"], int) and matrix["width"] >= 24 * 15  # its own width: cells stay readable on a phone
    late = at.dataframe[0].value
    assert list(late.columns) == ["Partner", "Metric", "Period", "Due", "Received on", "Status"]
    assert "None" not in late["Received on"].tolist()
    assert metric_values(at)["Missing"] == "4"


@pytest.fixture
def accounts_viewer(writable_demo_store):
    from backbone.store import auth
    from backbone.store.auth import User

    viewer = User("board@example.org", "viewer")
    auth.add_account(viewer.email, viewer.role, None, "a long enough password", writable_demo_store)
    database.close_all()
    return viewer


def test_the_catalog_can_be_downloaded_on_data_and_history(demo_store, app):
    at = app("pages/6_Data_and_history.py")
    assert "Download the catalog (.xlsx)" in [b.label for b in at.download_button]
