"""Every page, driven through AppTest from app.py, on the demo store and on an empty store.

Assertions are on what a user would notice: titles, empty-state instructions, the numbers in metrics, the rows
behind each chart, the bytes of a download, the findings of an upload and what a load or an undo changes elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pandas as pd
import pytest

from backbone.store import database
from tests.app.conftest import (
    ROOT,
    chart_alt,
    chart_named,
    chart_rows,
    chart_spec,
    charts,
    download_csv,
    plain,
    rows_with,
    texts,
)
from tests.workbooks import data_workbook

HOME = "app.py"
OUTCOMES = "pages/1_Outcomes.py"
ACTIVITIES = "pages/2_Backbone_activities.py"
PHASES = "pages/3_Phases.py"
PARTNERS = "pages/4_Partners.py"
UPLOAD = "pages/5_Upload.py"
HISTORY = "pages/6_Data_and_history.py"

TITLES = {
    HOME: "Community dashboard",
    OUTCOMES: "Outcomes over time",
    ACTIVITIES: "What the backbone is achieving",
    PHASES: "Phases of collective impact",
    PARTNERS: "Partners and the backbone function",
    UPLOAD: "Upload data",
    HISTORY: "Data and history",
}

# What an empty store tells the user to do, page by page (an st.info empty state).
EMPTY_STATES = {
    HOME: "No community outcomes yet. The backbone loads its catalog workbook on the Data and history page; "
          "partners then send their data on the Upload page.",
    OUTCOMES: "No data yet: partners upload their workbooks on the Upload page.",
    ACTIVITIES: "No measures for this activity yet: add one to the catalog with this activity number.",
    PHASES: "No catalog metric is filed under this cell. Set a metric's component and phase in the catalog workbook.",
    PARTNERS: "No partners yet. Load a catalog workbook with a Partners sheet (python -m backbone catalog FILE.xlsx).",
    UPLOAD: "No partners yet: the backbone loads its catalog workbook (with a Partners sheet) on the Data and history page first.",
    HISTORY: "Nothing uploaded yet: partners upload their workbooks on the Upload page.",
}

DEMO_OUTCOMES = {
    "4-year graduation rate", "Children with elevated blood lead", "High school completion rate", "Infant mortality rate",
    "Kindergarten readiness", "Teen birth rate",
}
ACTIVITY_HEADERS = [
    "1. Guide vision and strategy", "2. Support aligned activities", "3. Establish shared measurement practices",
    "4. Build public will", "5. Advance policy", "6. Mobilize funding",
]
RBA_HEADERS = ["How much?", "How well?", "Better off: is anyone better off?"]
CELL_WORDS = ("Done", "In progress", "Not started")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KY = "COUNTY_SCHOOLS_KY"
KY_NAME = "County School District (KY)"
GRADUATION = "4-year graduation rate"
NEW_GRADUATION_ROW = ["grad_rate_4yr", "2020-21", "Jefferson County, KY", None, None, 84.2, 842, 1000, None]


# --- helpers ------------------------------------------------------------------------------------------------------

def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def cell_statuses(at) -> list[str]:
    """The phase matrix's cells as the words each shows (Done / In progress / Not started)."""
    return [word for text in texts(at.markdown) for word in CELL_WORDS if text.startswith("**") and word in text]


def outcomes(app, metric: str | None = None, geography: str | None = None, by: str | None = None):
    """The Outcomes page with its filters set through the widgets (by the labels people pick), one rerun per filter."""
    at = app(OUTCOMES)
    no_exception(at)
    for key, value in (("metric", metric), ("geography", geography), ("by", by)):
        if value is not None:
            at.selectbox(key=key).set_value(value).run()
            no_exception(at)
    return at


def curve(at) -> pd.DataFrame:
    """The actual series the turn-the-curve chart draws (period label and value per point)."""
    element = [e for e in charts(at) if any("trend_value" in frame.columns for frame in chart_rows(e))]
    assert len(element) == 1, "expected one turn-the-curve chart on the page"
    return rows_with(element[0], "period_label", "value", "trend_value")


def card_series(element) -> pd.DataFrame:
    """A dashboard card's line (the place-spread band of a neighbourhood metric is another dataset)."""
    return rows_with(element, "metric_name", "period_label", "value")


def metric_values(at) -> dict[str, str]:
    return {plain(m.label): m.value for m in at.metric}


def uploads_in_store(db: str, partner: str | None = None) -> pd.DataFrame:
    return database.query("SELECT * FROM uploads WHERE $partner IS NULL OR partner_code = $partner ORDER BY load_seq",
                       {"partner": partner}, path=db)


def choose_file(at, partner: str, name: str, data: bytes):
    """On the Upload page: pick the organisation (by its name), then drop a workbook on the uploader."""
    at.selectbox(key="partner").set_value(partner).run()
    no_exception(at)
    at.file_uploader(key="workbook").set_value((name, data, XLSX)).run()
    no_exception(at)
    return at


def button(at, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"no '{label}' button; buttons are {[b.label for b in at.button]}"
    return found[0]


@pytest.fixture
def graduation_2020_21(tmp_path: Path) -> bytes:
    """County School District's 2020-21 graduation rate (the demo's missing submission), in the template shape."""
    return data_workbook(tmp_path / "grad-2020-21.xlsx", [NEW_GRADUATION_ROW]).read_bytes()


# --- every page renders ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", list(TITLES))
def test_every_page_renders_on_the_demo(demo_store, app, page):
    at = app(page)
    no_exception(at)
    assert texts(at.title) == [TITLES[page]]
    assert not at.error, texts(at.error)
    # The sidebar says when partners last sent data.
    assert any(text.startswith("Data last updated") for text in texts(at.sidebar.caption))


@pytest.mark.parametrize("page", list(TITLES))
def test_every_page_renders_on_an_empty_store(empty_store, app, page):
    at = app(page)
    no_exception(at)
    assert texts(at.title) == [TITLES[page]]
    assert not at.error, texts(at.error)
    assert EMPTY_STATES[page] in texts(at.info)
    assert not charts(at)


def test_empty_store_shows_no_demo_claim_in_the_sidebar(empty_store, app):
    """With the demo off and nothing loaded, the sidebar must not tell users they are looking at the demo initiative."""
    at = app(HOME)
    no_exception(at)
    assert not [text for text in texts(at.sidebar.caption) if "Demo initiative" in text]


def test_empty_store_can_be_started_the_way_the_home_page_says(empty_store, app):
    """Home sends the backbone to Data and history for the catalog: loading it there makes partners and outcomes appear."""
    home = app(HOME)
    assert "on the Data and history page" in EMPTY_STATES[HOME] and EMPTY_STATES[HOME] in texts(home.info)
    at = app(HISTORY)
    catalog = (ROOT / "data" / "demo" / "catalog.xlsx").read_bytes()
    boundaries = (ROOT / "data" / "demo" / "boundaries" / "baltimore_csa_2010.topo.json").read_bytes()
    # The workbook and the boundary file its Boundaries sheet names, chosen together.
    at.file_uploader(key="catalog-file").set_value([("catalog.xlsx", catalog, XLSX),
                                                     ("baltimore_csa_2010.topo.json", boundaries, "application/json")]).run()
    button(at, "Load this catalog").click().run()
    no_exception(at)
    assert any(text.startswith("Catalog updated: 27 rows of Metrics, 8 rows of Partners") for text in texts(at.success)), texts(at.success)
    assert any("56 areas named by 'Community'" in plain(text) for text in texts(at.info)), texts(at.info)
    assert database.query("SELECT count(*) AS n FROM boundaries", path=empty_store).n[0] == 1
    assert database.query("SELECT count(*) AS n FROM partners", path=empty_store).n[0] == 8
    upload = app(UPLOAD)
    no_exception(upload)
    assert upload.file_uploader, "after the catalog, partners can upload"


def test_a_catalog_with_a_bad_value_is_refused_on_the_page_and_changes_nothing(empty_store, app, tmp_path):
    from tests.workbooks import METRICS_HEADER, metric_row, write_workbook

    book = write_workbook(tmp_path / "bad.xlsx", {"Metrics": [METRICS_HEADER, metric_row("x", "X", "percentage")]})
    at = app(HISTORY)
    at.file_uploader(key="catalog-file").set_value([("bad.xlsx", book.read_bytes(), XLSX)]).run()
    button(at, "Load this catalog").click().run()
    no_exception(at)
    assert "1 problem to fix; nothing was changed." in texts(at.error)
    problems = at.dataframe[-1].value
    assert problems[["sheet", "row", "column"]].values.tolist() == [["Metrics", 2, "unit"]]
    assert database.query("SELECT count(*) AS n FROM metrics", path=empty_store).n[0] == 0


# --- home -----------------------------------------------------------------------------------------------------------

def test_home_has_one_card_chart_per_community_outcome(demo_store, app):
    at = app(HOME)
    no_exception(at)
    cards = charts(at)
    assert len(cards) == 6
    names = {element.proto.alt.split(":")[0] for element in cards}
    assert names == DEMO_OUTCOMES
    for element in cards:
        zero_median = chart_alt(element).startswith("Children with elevated blood lead")  # its share of places above 0
        line = rows_with(element, "n_places_above_zero") if zero_median else card_series(element)
        assert len(line) >= 2  # a line, not a dot
    assert {f"**{name}**" for name in DEMO_OUTCOMES} <= set(texts(at.markdown))


def test_home_says_why_a_median_of_zero_is_not_the_headline(demo_store, app):
    """Blood lead's median neighbourhood is 0% every year: the card says so and shows the share above 0 instead."""
    at = app(HOME)
    card = chart_named(at, "Children with elevated blood lead:")
    assert "The median neighbourhood is 0.0% in every year" in chart_alt(card)
    shares = rows_with(card, "n_places_above_zero", "n_places")
    latest = shares.sort_values("period_year").iloc[-1]
    assert (latest.period_label, latest.n_places_above_zero, latest.n_places) == ("2019", 3, 52)
    assert metric_values(at)["Neighbourhoods above 0.0% (2019)"] == "6%"
    assert "0.000000" not in str(chart_spec(card))
    assert any(text.startswith("The median neighbourhood is 0.0% in every year") for text in texts(at.caption))


def test_home_graduation_card_ends_at_the_latest_value(demo_store, app):
    at = app(HOME)
    series = card_series(chart_named(at, "4-year graduation rate:"))
    latest = series.sort_values("period_year").iloc[-1]
    assert latest.period_label == "2019-20"
    assert latest.value == pytest.approx(83.5, abs=0.1)
    assert "Latest (2019-20)" in metric_values(at) and "83.5%" in metric_values(at).values()


STATUS_WORDS = ("Better", "Worse", "No real change", "Not enough data yet", "No data yet")


def test_home_shows_status_in_words(demo_store, app):
    at = app(HOME)
    badges = [text for text in texts(at.markdown) if "-badge[" in text and text.split(" ", 1)[-1].rstrip("]") in STATUS_WORDS]
    assert len(badges) == 6
    words = " ".join(badges)
    for status in ("Better", "Worse", "No real change"):
        assert status in words
    # The graduation rate rose from 76.5% to 83.5%: its card reads Better.
    order = [text for text in texts(at.markdown) if (text.startswith("**") and text.strip("*") in DEMO_OUTCOMES) or "-badge[" in text]
    assert order[order.index("**4-year graduation rate**") + 1].endswith("Better]")


def test_home_explore_link_opens_that_outcome(demo_store, app):
    """Each card's 'Explore' link must open the Outcomes page on the card's outcome, not on the default one."""
    home = app(HOME)
    cards = [chart_alt(element).split(":")[0] for element in charts(home)]
    links = [dict(parse_qsl(link.proto.query_string)) for link in home.get("page_link") if link.proto.label == "Explore"]
    assert len(links) == len(cards) == 6
    infant = links[cards.index("Infant mortality rate")]
    at = app(OUTCOMES, query_params=infant)
    no_exception(at)
    assert at.selectbox(key="metric").value == "Infant mortality rate", (
        f"the Infant mortality card's link ?{infant} opened Outcomes on {at.selectbox(key='metric').value}")
    assert at.selectbox(key="geography").value == "Median of places"
    assert set(curve(at).metric_code) == {"infant_mortality"}


# --- outcomes -------------------------------------------------------------------------------------------------------

def test_a_place_sent_only_by_group_opens_on_its_groups(writable_demo_store, app, tmp_path):
    from backbone.intake.ingest import ingest_file

    # An agency table of groups with no total (ACF's entry rates by race): the place has no figure for everyone.
    rows = [["grad_rate_4yr", "2020-21", "Canton", "Gender", group, value, None, None, None]
            for group, value in (("Female", 88.0), ("Male", 79.5))]
    assert ingest_file(data_workbook(tmp_path / "canton.xlsx", rows), "CITY_SCHOOLS", db=writable_demo_store).status == "loaded"
    at = outcomes(app, metric=GRADUATION, geography="Canton")
    assert at.selectbox(key="by").value == "Gender"
    assert "Canton has values for 4-year graduation rate only by group, no figure for everyone: see them by group " \
           "below." in texts(at.info)
    groups = rows_with(chart_named(at, "4-year graduation rate by Gender in Canton"), "group_value", "value")
    assert dict(zip(groups.group_value, groups.value, strict=True)) == {"Female": 88.0, "Male": 79.5}


def test_outcomes_breakdown_by_race_shows_each_group(demo_store, app):
    at = outcomes(app, metric=GRADUATION, geography="Community", by="Race/ethnicity")
    assert "By race/ethnicity" in texts(at.header)
    groups = rows_with(chart_named(at, "4-year graduation rate by Race/ethnicity in Community"), "group_value", "value")
    assert {"African American", "White"} <= set(groups.group_value)
    assert "All" not in set(groups.group_value)
    assert groups.value.between(0, 100).all()


def test_outcomes_switching_metric_redraws_the_curve(demo_store, app):
    at = outcomes(app, metric=GRADUATION, geography="Community")
    graduation = curve(at)
    assert set(graduation.metric_code) == {"grad_rate_4yr"}
    assert graduation.set_index("period_label").value["2019-20"] == pytest.approx(83.48, abs=0.01)

    at.selectbox(key="metric").set_value("Kindergarten readiness").run()
    no_exception(at)
    readiness = curve(at)
    assert set(readiness.metric_code) == {"kindergarten_readiness"}
    assert at.selectbox(key="geography").value == "Median of places"  # no citywide value: the median neighbourhood
    assert not set(readiness.value.round(3)) & set(graduation.value.round(3))
    assert list(readiness.period_label) == ["2016", "2017"]


def test_outcomes_sets_the_community_beside_its_comparison_place(demo_store, app):
    """Kentucky, the catalog's comparison place, is drawn beside the community's graduation rate, never summed into it."""
    at = outcomes(app, metric=GRADUATION, geography="Community")
    assert "Beside its comparison places" in texts(at.subheader)
    assert "In 2019-20 the whole community was at 83.5%, below Kentucky (90.9%); higher is better." in texts(at.markdown)
    lines = rows_with(chart_named(at, "In 2019-20 the whole community"), "geography", "period_label", "value")
    assert set(lines.geography) == {"Community", "Kentucky"}
    assert lines.set_index(["geography", "period_label"]).value[("Kentucky", "2019-20")] == pytest.approx(90.94, abs=0.01)
    assert curve(at).set_index("period_label").value["2019-20"] == pytest.approx(83.48, abs=0.01)  # not 91.7 of both
    # a benchmark is not one of the community's places: with the one district, there are no places to rank
    assert "By place" not in texts(at.header)


def test_outcomes_url_restores_the_filters(demo_store, app):
    """A shared link carries the filters as the labels shown in the pickers."""
    at = app(OUTCOMES, query_params={"metric": "Kindergarten readiness"})
    no_exception(at)
    assert at.selectbox(key="metric").value == "Kindergarten readiness"
    assert set(curve(at).metric_code) == {"kindergarten_readiness"}


def test_outcomes_equity_gap_is_a_distance_behind_the_best_group(demo_store, app):
    at = outcomes(app, metric=GRADUATION, geography="Community", by="Race/ethnicity")
    assert "The equity gap" in texts(at.header)
    gaps = rows_with(chart_named(at, "Gap between each Race/ethnicity group"), "gap_to_best")
    assert len(gaps) > 0
    assert (gaps.gap_to_best.dropna() >= 0).all()
    assert (gaps.group_value != gaps.best_group).all()  # the best-off group itself is not drawn as a gap of 0


def test_outcomes_csv_download_holds_the_values_shown(demo_store, app):
    at = outcomes(app, metric=GRADUATION, geography="Community")
    shown = curve(at)
    csv_buttons = [b for b in at.download_button if b.label == "Download CSV" and b.key == "trend-csv"]
    assert len(csv_buttons) == 1
    downloaded = download_csv(csv_buttons[0])
    assert set(downloaded.metric) == {"4-year graduation rate"} and set(downloaded.place) == {"Community"}
    pd.testing.assert_series_equal(downloaded.set_index("period_label").value.sort_index(),
                                   shown.set_index("period_label").value.sort_index(), check_dtype=False, atol=1e-6)


# --- backbone activities --------------------------------------------------------------------------------------------

def test_activities_lists_the_six_activities(demo_store, app):
    at = app(ACTIVITIES)
    no_exception(at)
    assert texts(at.subheader) == ACTIVITY_HEADERS
    assert "**87.5%** in 2023" in texts(at.markdown)  # activity 1's short-term measure, latest value
    assert at.segmented_control(key="view").value == "Backbone activities"


def test_activities_partner_performance_asks_the_three_rba_questions(demo_store, app):
    at = app(ACTIVITIES)
    at.segmented_control(key="view").set_value("Partner performance").run()
    no_exception(at)
    assert texts(at.subheader) == RBA_HEADERS
    performance = at.dataframe[0].value
    assert set(performance.Question) == {"how much", "how well", "better off"}  # the questions in words, not codes
    assert (performance["Latest value"] != "").all()


# --- phases ---------------------------------------------------------------------------------------------------------

def test_phases_grid_has_twelve_cells(demo_store, app):
    at = app(PHASES)
    no_exception(at)
    cells = cell_statuses(at)
    assert len(cells) == 12
    assert cells.count("Done") == 6 and cells.count("In progress") == 6


def test_phases_grid_on_an_empty_store_is_not_started(empty_store, app):
    at = app(PHASES)
    no_exception(at)
    assert cell_statuses(at) == ["Not started"] * 12


def test_phases_cell_shows_its_milestones(demo_store, app):
    at = app(PHASES)
    at.selectbox(key="phase").set_value("Phase II: Organize for impact").run()
    at.selectbox(key="component").set_value("Evaluation and improvement").run()
    no_exception(at)
    assert ("**Milestones** for evaluation and improvement in Phase II: establish shared metrics: indicators, measurement "
            "and approach") in texts(at.markdown)
    editor = at.data_editor
    assert len(editor) == 1 and editor[0].key == "editor-II-evaluation"
    milestones = editor[0].value.set_index("title").status.to_dict()
    assert milestones == {"Establish shared metrics (indicators, measurement, approach)": "done",
                          "Sign data-sharing agreements with every partner": "in_progress"}


def _mark_data_sharing_done(at):
    """Phase II / evaluation: set 'Sign data-sharing agreements' to done in the editor and press Save."""
    at.selectbox(key="phase").set_value("Phase II: Organize for impact").run()
    at.selectbox(key="component").set_value("Evaluation and improvement").run()
    titles = list(at.data_editor[0].value.title)
    row = titles.index("Sign data-sharing agreements with every partner")
    at.session_state["editor-II-evaluation"] = {"edited_rows": {row: {"status": "done"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    no_exception(at)
    button(at, "Save milestones").click().run()
    no_exception(at)
    return at


def test_phases_edit_a_milestone_completes_the_cell(writable_demo_store, app):
    at = app(PHASES)
    assert cell_statuses(at).count("Done") == 6
    at = _mark_data_sharing_done(at)
    assert not at.error, texts(at.error)
    saved = database.query("SELECT title, status FROM milestones WHERE phase = 'II' AND component = 'evaluation'",
                        path=writable_demo_store)
    assert set(saved.status) == {"done"}
    # The evaluation row of the grid (last row, Phase II) now reads Done, in this session and in a new one.
    assert cell_statuses(at)[9:12] == ["Done", "Done", "In progress"]
    again = app(PHASES)
    assert cell_statuses(again).count("Done") == 7


def test_phases_save_tells_the_user_it_saved(writable_demo_store, app):
    at = _mark_data_sharing_done(app(PHASES))
    assert any(text.startswith("Saved: 1 change") for text in texts(at.success)), (
        "no confirmation after 'Save milestones' (the page shows st.success and then calls st.rerun)")


# --- partners -------------------------------------------------------------------------------------------------------

def test_partners_roles_and_submission_status(demo_store, app):
    at = app(PARTNERS)
    no_exception(at)
    assert "Backbone Team since Sep 2015" in texts(at.markdown)
    assert "**Servant leader / director**" in texts(at.markdown)
    assert metric_values(at) == {"Received": "208", "Received late": "4", "Missing": "4", "Not yet due": "0"}


def test_partners_submission_matrix_has_one_cell_per_expected_submission(demo_store, app):
    at = app(PARTNERS)
    cells = rows_with(chart_named(at, "Which partner sent which metric"), "partner_code", "metric_code", "period_label", "submission")
    assert len(cells) == 208 + 4 + 4
    assert not cells.duplicated(["partner_code", "metric_code", "period_label"]).any()
    assert cells.submission.value_counts().to_dict() == {"received": 208, "received late": 4, "missing": 4}

    at.multiselect(key="partners").set_value([KY_NAME]).run()
    no_exception(at)
    county = rows_with(chart_named(at, "Which partner sent which metric"), "partner_code", "period_label")
    assert set(county.partner_code) == {KY} and 0 < len(county) < len(cells)


# --- upload ---------------------------------------------------------------------------------------------------------

def _load_graduation(app, data: bytes):
    """Upload page: County School District sends the 2020-21 workbook, sees the findings, and loads it."""
    at = choose_file(app(UPLOAD), KY_NAME, "grad-2020-21.xlsx", data)
    found = metric_values(at)
    assert found["Rows to load"] == "1" and found["New"] == "1" and found["Changed"] == "0"
    assert not at.error, texts(at.error)
    button(at, "Load 1 value").click().run()
    no_exception(at)
    assert texts(at.success) == ["Loaded 1 value from grad-2020-21.xlsx: 1 new, 0 changed, 0 unchanged."]
    return at


def _graduation_curve(app) -> pd.Series:
    at = outcomes(app, metric=GRADUATION, geography="Community")
    return curve(at).set_index("period_label").value


def test_upload_load_see_it_then_undo_from_the_upload_page(writable_demo_store, app, graduation_2020_21):
    """The main flow: check, load, see the new value on Outcomes, come back to Upload and undo it."""
    assert "2020-21" not in _graduation_curve(app).index
    at = _load_graduation(app, graduation_2020_21)

    at.switch_page(OUTCOMES).run()
    no_exception(at)
    at.selectbox(key="metric").set_value(GRADUATION).run()
    assert curve(at).set_index("period_label").value["2020-21"] == pytest.approx(84.2)

    at.switch_page(UPLOAD).run()
    no_exception(at)
    undo = [b for b in at.button if b.label == "Undo this upload"]
    assert undo, ("back on the Upload page after following 'See the outcomes', the load just made can no longer be undone "
                  f"there (the page stops at the empty uploader); buttons: {[b.label for b in at.button]}")
    undo[0].click().run()
    no_exception(at)
    at.switch_page(OUTCOMES).run()
    assert "2020-21" not in curve(at).set_index("period_label").index


def test_upload_undo_right_after_loading(writable_demo_store, app, graduation_2020_21):
    at = _load_graduation(app, graduation_2020_21)
    assert _graduation_curve(app)["2020-21"] == pytest.approx(84.2)  # a second session sees the new value

    button(at, "Undo this upload").click().run()
    no_exception(at)
    ours = uploads_in_store(writable_demo_store, KY).iloc[-1]
    assert ours.file_name == "grad-2020-21.xlsx" and ours.status == "undone"
    assert "2020-21" not in _graduation_curve(app).index
    # What the user sees: the undo is confirmed and cannot be pressed a second time.
    assert [text for text in texts(at.info) if text.startswith("Upload undone")], (
        f"no undo confirmation; the page still shows {texts(at.success)} and the buttons {[b.label for b in at.button]}")
    assert not [b for b in at.button if b.label == "Undo this upload"]


def test_upload_fills_the_missing_submission(writable_demo_store, app, graduation_2020_21):
    _load_graduation(app, graduation_2020_21)
    after = metric_values(app(PARTNERS))
    assert after["Missing"] == "3"  # Kentucky 2020-21 was one of the four never sent
    assert int(after["Received"]) + int(after["Received late"]) == 208 + 4 + 1


def test_upload_with_an_unknown_metric_is_refused(writable_demo_store, app, tmp_path):
    data = data_workbook(tmp_path / "typo.xlsx", [["grad_rate_4yr_typo", *NEW_GRADUATION_ROW[1:]]]).read_bytes()
    at = choose_file(app(UPLOAD), KY_NAME, "typo.xlsx", data)
    assert len(at.error) == 1 and "Nothing has been loaded" in at.error[0].value
    problems = [frame.value for frame in at.table if {"Sheet", "Row", "Column", "What to do"} <= set(frame.value.columns)]
    assert len(problems) == 1
    problem = problems[0].map(plain).iloc[0]
    assert (problem.Sheet, int(problem.Row), problem.Column) == ("Data", 2, "metric")
    assert "grad_rate_4yr_typo" in problem["What to do"]
    assert not [b for b in at.button if b.label.startswith("Load ")]
    assert len(uploads_in_store(writable_demo_store)) == 8
    assert "2020-21" not in _graduation_curve(app).index


def test_upload_is_loaded_once_although_every_rerun_delivers_the_file(writable_demo_store, app, graduation_2020_21):
    at = choose_file(app(UPLOAD), KY_NAME, "grad-2020-21.xlsx", graduation_2020_21)
    at.run().run()  # the uploader hands the same file over on every rerun; checking it writes nothing
    assert len(uploads_in_store(writable_demo_store, KY)) == 1
    button(at, "Load 1 value").click().run()
    at.run().run()
    no_exception(at)
    assert len(uploads_in_store(writable_demo_store, KY)) == 2
    assert texts(at.success) == ["Loaded 1 value from grad-2020-21.xlsx: 1 new, 0 changed, 0 unchanged."]
    loaded = database.query(
        "SELECT count(*) AS n FROM current_observations WHERE metric_code = 'grad_rate_4yr' AND period_label = '2020-21'",
        path=writable_demo_store)
    assert loaded.n.iloc[0] == 1


def test_upload_same_file_again_is_recognised(writable_demo_store, app, graduation_2020_21):
    at = _load_graduation(app, graduation_2020_21)
    at.file_uploader(key="workbook").set_value(("grad-2020-21.xlsx", graduation_2020_21, XLSX)).run()
    no_exception(at)
    assert any(text.startswith("This exact file was already loaded") for text in texts(at.info))
    assert not [b for b in at.button if b.label.startswith("Load ")]
    assert len(uploads_in_store(writable_demo_store, KY)) == 2


def test_upload_reads_a_tab_separated_text_file_in_windows_1252(writable_demo_store, app):
    """A system's .txt export (tabs, Windows-1252): accepted by the uploader and read like a workbook."""
    text = "\r\n".join("\t".join(map(str, row)) for row in (
        ["metric", "period", "geography", "value", "numerator", "denominator", "note"],
        [*NEW_GRADUATION_ROW[:3], *NEW_GRADUATION_ROW[5:8], "±0.5 (état)"]))
    at = app(UPLOAD)
    at.selectbox(key="partner").set_value(KY_NAME).run()
    at.file_uploader(key="workbook").set_value(("export.txt", text.encode("cp1252"), "text/plain")).run()
    no_exception(at)
    assert metric_values(at)["Rows to load"] == "1" and not at.error, texts(at.error)


def test_upload_never_shows_a_traceback(writable_demo_store, app, graduation_2020_21, monkeypatch):
    """Whatever goes wrong underneath, the partner reads a sentence, never an exception."""
    from backbone.intake import ingest

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest, "ingest_file", broken)
    at = choose_file(app(UPLOAD), KY_NAME, "grad-2020-21.xlsx", graduation_2020_21)
    no_exception(at)
    assert any("Something went wrong inside Backbone" in text for text in texts(at.error)), texts(at.error)
    assert not any("disk on fire" in text or "Traceback" in text for text in texts(at.error))


# --- data and history -----------------------------------------------------------------------------------------------

def test_history_lists_the_demo_uploads(demo_store, app):
    at = app(HISTORY)
    no_exception(at)
    uploads = at.dataframe[0].value
    assert len(uploads) == 8
    assert uploads.Kind.value_counts().to_dict() == {"partner": 7, "catalog": 1}
    assert "county_schools_ky.xlsx" in set(uploads.File)
    assert set(uploads.Status) == {"loaded"}
    assert "None" not in set(uploads.Undone) and set(uploads.Undone) == {""}  # blanks, not "None"


def test_history_catalog_search(demo_store, app):
    at = app(HISTORY)
    everything = at.dataframe[1].value
    assert len(everything) > 20
    at.text_input(key="q").input("infant").run()
    no_exception(at)
    found = at.dataframe[1].value
    assert list(found.Metric) == ["Infant mortality rate"]
    assert "1 metric matching 'infant'" in texts(at.caption)
    # The catalog row as people read it: words for codes, blanks (not "None") where the catalog says nothing.
    row = found.iloc[0]
    assert (row.Unit, row["Which way is better"], row.Level, row["Has data"]) == (
        "rate per 1,000", "lower is better", "community outcome", "Yes")
    assert "None" not in set(found.iloc[0])

    shared = app(HISTORY, query_params={"q": "infant"})  # the same search from a link
    assert list(shared.dataframe[1].value.Metric) == ["Infant mortality rate"]


def test_history_undo_form_takes_a_load_back(writable_demo_store, app, graduation_2020_21):
    _load_graduation(app, graduation_2020_21)
    at = app(HISTORY)
    assert at.dataframe[0].value.File.iloc[0] == "grad-2020-21.xlsx"  # newest first
    ours = uploads_in_store(writable_demo_store, KY).upload_id.iloc[-1]
    at.selectbox[0].set_value(ours)
    button(at, "Undo this upload").click().run()
    no_exception(at)
    # Nothing is undone before the person confirms, and the question names the upload and what it will restore.
    assert uploads_in_store(writable_demo_store, KY).status.iloc[-1] == "loaded"
    question = [plain(text) for text in texts(at.warning) if "Undo 'grad-2020-21.xlsx'" in plain(text)]
    assert question and "from County School District (KY)" in question[0]
    assert "Its 1 value will leave the dashboard" in question[0]
    assert "No earlier upload had these values" in question[0]
    button(at, "Yes, undo it").click().run()
    no_exception(at)
    assert [text for text in texts(at.success) if text.startswith("Undone grad-2020-21.xlsx")]
    assert "2020-21" not in _graduation_curve(app).index


def test_history_undo_can_be_cancelled(writable_demo_store, app, graduation_2020_21):
    _load_graduation(app, graduation_2020_21)
    at = app(HISTORY)
    at.selectbox[0].set_value(uploads_in_store(writable_demo_store, KY).upload_id.iloc[-1])
    button(at, "Undo this upload").click().run()
    button(at, "Cancel").click().run()
    no_exception(at)
    assert not [text for text in texts(at.warning) if "Undo 'grad-2020-21.xlsx'" in plain(text)]
    assert uploads_in_store(writable_demo_store, KY).status.iloc[-1] == "loaded"
    assert "2020-21" in _graduation_curve(app).index


def test_history_undo_of_a_correction_says_which_values_come_back(writable_demo_store, app, tmp_path):
    """A corrected file replaced a value: undoing it names the file whose value returns."""
    book = data_workbook(tmp_path / "fix.xlsx", [["grad_rate_4yr", "2019-20", "Jefferson County, KY", None, None, 81.0, 2592, 3200, None]])
    at = choose_file(app(UPLOAD), KY_NAME, "fix.xlsx", book.read_bytes())
    button(at, "Load 1 value").click().run()
    no_exception(at)
    at = app(HISTORY)
    at.selectbox[0].set_value(uploads_in_store(writable_demo_store, KY).upload_id.iloc[-1])
    button(at, "Undo this upload").click().run()
    question = [plain(text) for text in texts(at.warning) if "Undo 'fix.xlsx'" in plain(text)][0]
    assert "Its 1 value will leave the dashboard. 1 earlier value from county_schools_ky.xlsx will be current again." in question


def test_upload_a_partner_fixes_a_column_mapping_on_the_page(writable_demo_store, app, tmp_path):
    from tests.workbooks import write_workbook

    # Two columns of numbers and neither header says which is the value (the reader finds the metric by its cells).
    book = write_workbook(tmp_path / "export.xlsx", {"Export": [
        ["Indicator of interest", "School Year", "Place", "Score", "Students"],
        ["4-year graduation rate", "2020-21", "Jefferson County, KY", 84.2, 1000]]})
    at = app(UPLOAD)
    choose_file(at, "County School District (KY)", "export.xlsx", book.read_bytes())
    assert not [b for b in at.button if b.label.startswith("Load ")], "a file whose value column is unknown must not load"
    rows = at.session_state["upload"]["result"].headers_seen["Export"]
    at.session_state["mapping-editor"] = {"edited_rows": {rows.index("Score"): {"Read as": "value"}},
                                          "added_rows": [], "deleted_rows": []}
    at.run()
    button(at, "Read again with these columns").click().run()
    assert not at.exception
    assert at.session_state["upload"]["mapping"] == {"Score": "value"}
    button(at, "Load 1 value").click().run()
    assert texts(at.success)[0].startswith("Loaded 1 value from export.xlsx")
    loaded = database.query("SELECT value, geography FROM current_observations WHERE period_label = '2020-21'", path=writable_demo_store)
    assert loaded.values.tolist() == [[84.2, "Jefferson County, KY"]]


def test_home_offers_every_card_as_a_table_too(demo_store, app):
    table = app(HOME).dataframe[0].value
    assert len(table) == 6
    graduation = table[table.Outcome == "4-year graduation rate"].iloc[0]
    # Human names, values rounded to the metric's precision, statuses in words, blanks where nothing is set.
    assert (graduation["Latest period"], graduation["Latest value"], graduation.Status) == ("2019-20", "83.5%", "Better")
    assert (graduation["Change since baseline"], graduation["Target"], graduation["Target year"]) == ("+7.0 points", "90.0%", "2025")
    infant = table[table.Outcome == "Infant mortality rate"].iloc[0]
    assert (infant["Latest value"], infant["Target"]) == ("9.2 per 1,000", "")


def test_on_a_lake_the_sign_in_record_is_read_again_only_when_a_line_was_written(postgres, demo_template, tmp_path,
                                                                                    monkeypatch, app):
    """Each read of a lake asks PostgreSQL for the table's files, so the Partners page keeps the record between runs;
    a new sign-in still shows at the next run."""
    from backbone.store import sign_in_record as signins
    from backbone.store.export import copy_store

    target = postgres.new_lake_target()
    monkeypatch.setenv("BACKBONE_DB", target)
    monkeypatch.setenv("BACKBONE_DATA_PATH", str(tmp_path / "shared"))
    database.close_all()
    copy_store(str(demo_template / "database.duckdb"), target)
    database.close_all()
    signins.record("sign-in", "first@example.org", "password", db=target)

    def who_signed_in(at) -> list[str]:
        [record] = [frame.value for frame in at.dataframe if "who" in frame.value.columns]
        return record.who.tolist()

    at = app(PARTNERS)
    assert not at.exception
    assert who_signed_in(at) == ["first@example.org"]
    reads = []
    monkeypatch.setattr(signins, "recent", lambda *args, _read=signins.recent, **kwargs: reads.append(1) or _read(*args, **kwargs))
    at.run()
    assert who_signed_in(at) == ["first@example.org"] and reads == []
    signins.record("sign-in", "second@example.org", "password", db=target)
    at.run()
    assert who_signed_in(at) == ["second@example.org", "first@example.org"] and reads == [1]
