"""The Upload page as an assistant (issue 15): findings that wrap with blanks and the partner's file name, the file
previewed as it will be stored, and what it changes on the dashboard before it lands, confirmed when flagged."""

from __future__ import annotations

import json

import pandas as pd

from backbone.store import database
from tests.app.test_pages import (
    HISTORY,
    KY,
    KY_NAME,
    UPLOAD,
    button,
    choose_file,
    graduation_2020_21,
    metric_values,
    no_exception,
    plain,
    texts,
    uploads_in_store,
)
from tests.workbooks import data_workbook

__all__ = ["graduation_2020_21"]  # the fixture, shared with the page tests


def tables(at) -> list[pd.DataFrame]:
    """Every static table (st.table) as the partner reads it (the app escapes Markdown in cells)."""
    return [frame.value.map(plain) for frame in at.table]


def flags_shown(at) -> list[str]:
    """The impact's flags: a warning each."""
    return [plain(w.value) for w in at.warning if w.icon == ":material/warning:"]


def frames(at) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe]


def with_columns(found: list[pd.DataFrame], *columns: str) -> pd.DataFrame:
    matching = [frame for frame in found if set(columns) <= set(frame.columns)]
    assert len(matching) == 1, [list(frame.columns) for frame in found]
    return matching[0]


def test_a_csv_is_named_as_the_partner_named_it_and_findings_show_blanks_not_none(writable_demo_store, app):
    data = b"metric,period,geography,value\ngrad_rate_4yr,2020-21,Jefferson County,N/A\n"
    at = app(UPLOAD)
    at.selectbox(key="partner").set_value(KY_NAME).run()
    at.file_uploader(key="workbook").set_value(("Our 2021 export.csv", data, "text/csv")).run()
    no_exception(at)
    assert "Sheets read: **Our 2021 export**" in texts(at.markdown)
    problems = pd.concat([t for t in tables(at) if "What to do" in t.columns])
    assert set(problems.Sheet) == {"Our 2021 export"}
    assert problems.values.tolist() == [["Our 2021 export", "", "", "no rows with values to load"]]


def test_the_file_is_previewed_as_it_will_be_stored_with_its_effect_on_the_dashboard(writable_demo_store, app,
                                                                                  graduation_2020_21):
    at = choose_file(app(UPLOAD), KY_NAME, "grad-2020-21.xlsx", graduation_2020_21)
    stored = with_columns(frames(at), "Metric", "Period", "From", "To", "Place", "Group", "Value", "Unit")
    assert stored[["Metric", "Period", "From", "To", "Place", "Group", "Value", "Numerator", "Denominator", "Unit"]
                  ].values.tolist() == [["4-year graduation rate", "2020-21", "2020-07-01", "2021-06-30",
                                         "Jefferson County, KY", "All", "84.2", "842", "1,000", "percent"]]
    counts = with_columns(frames(at), "Metric", "Period", "Place", "Values", "Suppressed")
    assert counts[["Period", "Place", "Values"]].values.tolist() == [["2020-21", "Jefferson County, KY", 1]]
    assert ("On the dashboard (community, places and groups, small numbers hidden): 2 figures would appear, 0 would "
            "change, 0 would disappear.") in texts(at.markdown)
    changes = with_columns(frames(at), "Metric", "Period", "Place", "Before", "After", "Look twice")
    community = changes[changes.Place == "Community"].iloc[0]
    assert (community.Period, community.Before, community.After, community["After: numerator"]) == ("2020-21", "", "84.2%", "842")
    assert not flags_shown(at) and not at.checkbox  # nothing flagged: nothing to confirm
    button(at, "Load 1 value").click().run()
    no_exception(at)
    # The load's record keeps what it changed, shown on Data and history.
    history = app(HISTORY)
    no_exception(history)
    kept = with_columns(frames(history), "Metric", "Period", "Place", "Before", "After")
    assert kept[kept.Place == "Community"].After.tolist() == ["84.2%"]


def test_a_load_that_would_take_away_the_latest_figure_is_flagged_and_must_be_confirmed(writable_demo_store, app, tmp_path):
    # A rate for another of the community's places, without its counts: the community's 2019-20 rate can no longer be
    # combined, so the dashboard would fall back to 2018-19.
    data = data_workbook(tmp_path / "canton.xlsx", [["grad_rate_4yr", "2019-20", "Canton", None, None, 90, None, None, None]])
    at = choose_file(app(UPLOAD), KY_NAME, "canton.xlsx", data.read_bytes())
    flags = flags_shown(at)
    assert ("The latest 4-year graduation rate for Community would go back from 2019-20 to 2018-19: the newest figure "
            "would no longer be shown.") in flags
    assert any(flag.startswith("4-year graduation rate for Community, 2019-20: 83.5% → none, would disappear") for flag in flags)
    assert not [b for b in at.button if b.label.startswith("Load ")], "a flagged load needs the partner's confirmation"
    at.checkbox(key="confirm-flags").check().run()
    button(at, "Load 1 value").click().run()
    no_exception(at)
    ours = uploads_in_store(writable_demo_store, KY).iloc[-1]
    assert ours.file_name == "canton.xlsx"
    assert any("would go back from 2019-20 to 2018-19" in flag for flag in json.loads(ours.impact_json)["flags"])
    assert database.query("SELECT count(*) AS n FROM community_outcomes WHERE metric_code = 'grad_rate_4yr' AND "
                          "period_label = '2019-20' AND geography = 'Community' AND group_value = 'All'",
                          path=writable_demo_store).n.iloc[0] == 0


def test_what_is_read_but_not_stored_is_listed_with_its_reason(writable_demo_store, app, tmp_path):
    data = data_workbook(tmp_path / "two.xlsx", [
        ["grad_rate_4yr", "2020-21", "Jefferson County, KY", None, None, 84.2, 842, 1000, None],
        ["grad_rate_4yr", "2020-21", "Jefferson County, KY", "Race/ethnicity", "Asian", "N/A", None, None, None]])
    at = choose_file(app(UPLOAD), KY_NAME, "two.xlsx", data.read_bytes())
    assert metric_values(at)["Rows to load"] == "1"
    skipped = with_columns(tables(at), "What", "How many", "Why")
    assert skipped.values.tolist()[0][:2] == ["missing cells", "1"]


# --- the mapping assistant ------------------------------------------------------------------------------------------

def agency_book(tmp_path, sheets: dict | None = None):
    """An agency's export: title rows, a place column, groups as columns; no metric and no period column."""
    from tests.workbooks import write_workbook

    return write_workbook(tmp_path / "agency.xlsx", sheets or {"Graduation": [
        ["Four-year cohort graduation, by district and sex"], ["Kentucky Department of Education, 2021 release"], [],
        ["District", "All students", "Female", "Male"],
        ["Jefferson County", 84.6, 88.0, 81.3]]}).read_bytes()


def set_constant(at, field: str, value: str, applies_to: str = "the whole file"):
    at.selectbox(key="constant-field").set_value(field).run()
    if field == "metric":
        at.selectbox(key="constant-metric").set_value(value).run()
    else:
        at.text_input(key="constant-value").set_value(value).run()
    at.selectbox(key="constant-scope").set_value(applies_to).run()
    button(at, "Set it for every row").click().run()
    no_exception(at)
    return at


def stored_preview(at) -> pd.DataFrame:
    return with_columns(frames(at), "Metric", "Period", "From", "To", "Place", "Group", "Value", "Unit")


def test_an_agency_file_is_mapped_with_constants_chosen_from_lists_then_loaded(writable_demo_store, app, tmp_path):
    from tests.app.test_pages import GRADUATION, curve, outcomes

    at = choose_file(app(UPLOAD), KY_NAME, "agency.xlsx", agency_book(tmp_path))
    assert at.error, "a file with no metric and no period cannot load as it is"
    # The catalog's metrics are offered by name.
    at.selectbox(key="constant-field").set_value("metric").run()
    assert GRADUATION in at.selectbox(key="constant-metric").options
    assert "grad_rate_4yr" not in at.selectbox(key="constant-metric").options
    set_constant(at, "metric", GRADUATION)
    set_constant(at, "period", "2020-21")
    assert at.session_state["upload"]["mapping"] == {"metric": "=4-year graduation rate", "period": "=2020-21"}
    assert not at.error, texts(at.error)
    # The constants are listed as the partner's; the groups-as-columns reading as Backbone's guesses.
    assert "**metric** is *4-year graduation rate* for the whole file (your choice)" in texts(at.markdown)
    preview = stored_preview(at)
    assert preview[["Metric", "Period", "Place", "Group", "Value"]].values.tolist() == [
        [GRADUATION, "2020-21", "Jefferson County, KY", "All", "84.6"],
        [GRADUATION, "2020-21", "Jefferson County, KY", "Female", "88"],
        [GRADUATION, "2020-21", "Jefferson County, KY", "Male", "81.3"]]
    button(at, "Load 3 values").click().run()
    no_exception(at)
    assert curve(outcomes(app, metric=GRADUATION, geography="Community")).set_index("period_label").value["2020-21"] == 84.6


def test_a_constant_can_be_scoped_to_one_table_and_removed(writable_demo_store, app, tmp_path):
    from backbone.intake.assistant import WHOLE_FILE

    def sheet(year: str, value: float) -> list:
        return [[f"Graduation, school year {year}"], [], ["District", "Rate"], ["Jefferson County", value]]

    at = choose_file(app(UPLOAD), KY_NAME, "two.xlsx", agency_book(tmp_path, {"Y2021": sheet("2020-21", 84.6),
                                                                                "Y2022": sheet("2021-22", 85.1)}))
    set_constant(at, "metric", "4-year graduation rate")
    scopes = at.selectbox(key="constant-scope").options
    assert WHOLE_FILE in scopes and "sheet 'Y2021'" in scopes
    table = next(s for s in scopes if s.startswith("table 'Graduation, school year 2021-22'"))
    set_constant(at, "period", "2021-22", applies_to=table)
    mapping = at.session_state["upload"]["mapping"]
    assert mapping["table:Graduation, school year 2021-22"] == {"period": "=2021-22"}
    assert sorted(stored_preview(at).Period) == ["2020-21", "2021-22"]  # the other table's period still read from its title
    removes = [b for b in at.button if b.label == "Remove"]
    assert len(removes) == 2, [t for t in texts(at.markdown) if t.startswith("**")]
    removes[-1].click().run()
    no_exception(at)
    assert "table:Graduation, school year 2021-22" not in at.session_state["upload"]["mapping"]


def test_a_value_column_is_given_its_metric_in_the_columns_editor(writable_demo_store, app, tmp_path):
    from tests.workbooks import write_workbook

    book = write_workbook(tmp_path / "export.xlsx", {"Export": [
        ["School Year", "Place", "Score", "Students"], ["2020-21", "Jefferson County, KY", 84.2, 1000]]})
    at = choose_file(app(UPLOAD), KY_NAME, "export.xlsx", book.read_bytes())
    rows = at.session_state["upload"]["result"].headers_seen["Export"]
    at.session_state["mapping-editor"] = {"edited_rows": {rows.index("Score"): {"Read as": "value", "Its metric": "4-year graduation rate"},
                                                          rows.index("Students"): {"Read as": "denominator (everyone counted)"}},
                                          "added_rows": [], "deleted_rows": []}
    at.run()
    button(at, "Read again with these columns").click().run()
    no_exception(at)
    assert at.session_state["upload"]["mapping"] == {"Score": {"metric": "4-year graduation rate"}, "Students": "denominator"}
    preview = stored_preview(at)
    assert preview[["Metric", "Period", "Value", "Denominator"]].values.tolist() == [["4-year graduation rate", "2020-21", "84.2", "1,000"]]


def test_columns_that_are_groups_are_chosen_in_one_go(writable_demo_store, app, tmp_path):
    from tests.workbooks import write_workbook

    # Groups across the columns whose names the reader does not know as groups: three choices, not nine cells.
    book = write_workbook(tmp_path / "rates.xlsx", {"Entry Rate": [
        ["Table A. Graduation by district and language spoken at home"], ["school year 2020-21"], [],
        ["District", "Hmong", "Somali", "Karen"],
        ["Jefferson County", 91.0, 80.5, 84.0]]})
    at = choose_file(app(UPLOAD), KY_NAME, "rates.xlsx", book.read_bytes())
    set_constant(at, "metric", "4-year graduation rate")
    assert at.error, "the reader does not take these headers for groups by itself"
    at.multiselect(key="group-columns").set_value(["Hmong", "Somali", "Karen"]).run()
    at.text_input(key="group-dimension").set_value("Home language").run()
    button(at, "Read these columns as groups").click().run()
    no_exception(at)
    assert at.session_state["upload"]["mapping"]["Karen"] == {"dimension": "Home language", "group": "Karen"}
    assert not at.error, texts(at.error)
    preview = with_columns(frames(at), "Place", "Dimension", "Group", "Value")
    assert preview[["Place", "Dimension", "Group", "Value"]].values.tolist() == [["Jefferson County, KY", "Home language", "Hmong", "91"],
                                       ["Jefferson County, KY", "Home language", "Somali", "80.5"],
                                       ["Jefferson County, KY", "Home language", "Karen", "84"]]


def test_a_partners_own_code_is_declared_and_the_tables_to_load_chosen(writable_demo_store, app, tmp_path):
    def sheet(year: str, female: object) -> list:
        return [[f"Graduation, school year {year}"], [], ["District", "All students", "Female"],
                ["Jefferson County", 84.6, female]]

    at = choose_file(app(UPLOAD), KY_NAME, "codes.xlsx", agency_book(tmp_path, {"Y2021": sheet("2020-21", "NReq"),
                                                                                  "Y2022": sheet("2021-22", 88.0)}))
    set_constant(at, "metric", "4-year graduation rate")
    at.session_state["codes-editor"] = {"edited_rows": {}, "added_rows": [{"Code": "NReq", "Means": "suppressed"}],
                                        "deleted_rows": []}
    at.selectbox(key="fiscal-start").set_value(10).run()
    button(at, "Read again with these codes and fiscal year").click().run()
    no_exception(at)
    mapping = at.session_state["upload"]["mapping"]
    assert mapping["codes"] == {"NReq": "suppressed"} and mapping["fiscal_year_start"] == 10
    preview = stored_preview(at)
    assert "suppressed (NReq)" in set(preview.Value)
    tables_chosen = at.multiselect(key="tables-chosen")
    assert len(tables_chosen.options) == 2
    tables_chosen.set_value([o for o in tables_chosen.options if "2021-22" in o]).run()
    button(at, "Read again with these tables").click().run()
    no_exception(at)
    assert set(stored_preview(at).Period) == {"2021-22"}
    assert at.session_state["upload"]["mapping"]["tables"] == ["Graduation, school year 2021-22"]


# --- recipes --------------------------------------------------------------------------------------------------------

def yearly_export(tmp_path, year: str, value: float) -> bytes:
    """The district's yearly export: the school year only in its title, groups as columns, no metric column."""
    return agency_book(tmp_path, {f"SY{year}": [
        [f"Cohort outcomes by district and sex, school year {year}"], [], ["District", "All students", "Female", "Male"],
        ["Jefferson County", value, value + 3, value - 3]]})


def test_a_confirmed_reading_is_saved_as_a_recipe_and_reads_next_years_file_with_no_choices(writable_demo_store, app, tmp_path):
    at = choose_file(app(UPLOAD), KY_NAME, "sy2020-21.xlsx", yearly_export(tmp_path, "2020-21", 84.6))
    set_constant(at, "metric", "4-year graduation rate")
    assert at.text_input(key="recipe-name").value == "County School District (KY): sy2020-21"
    at.text_input(key="recipe-name").set_value("KDE cohort file").run()
    button(at, "Load 3 values").click().run()
    no_exception(at)

    # Next year's file: the same shape, read with the recipe by itself; loaded without touching the assistant.
    at = choose_file(app(UPLOAD), KY_NAME, "sy2021-22.xlsx", yearly_export(tmp_path, "2021-22", 85.0))
    assert any("Read with your recipe **KDE cohort file**" in text for text in texts(at.info)), texts(at.info)
    assert not at.error, texts(at.error)
    assert set(stored_preview(at).Period) == {"2021-22"}
    button(at, "Load 3 values").click().run()
    no_exception(at)
    loaded = uploads_in_store(writable_demo_store, KY).iloc[-1]
    assert loaded.file_name == "sy2021-22.xlsx" and json.loads(loaded.mapping_json) == {"metric": "=4-year graduation rate"}

    history = app(HISTORY)
    no_exception(history)
    listed = with_columns(frames(history), "Partner", "Recipe", "Saved", "Last used")
    assert listed[["Partner", "Recipe"]].values.tolist() == [[KY_NAME, "KDE cohort file"]]


def test_a_finding_links_to_the_choice_that_answers_it(writable_demo_store, app, tmp_path):
    at = choose_file(app(UPLOAD), KY_NAME, "agency.xlsx", agency_book(tmp_path))
    labels = [b.label for b in at.button if b.key and b.key.startswith("step-")]
    assert labels == ["Set the metric for every row", "Set the period for every row", "Say what your columns hold"]
    at.selectbox(key="constant-field").set_value("group").run()
    button(at, "Set the period for every row").click().run()
    no_exception(at)
    assert at.session_state["assistant-tab"] == "Same for every row"
    # The choice is open at the field the finding asks for.
    assert at.selectbox(key="constant-field").value == "period"
    assert at.text_input(key="constant-value") is not None
