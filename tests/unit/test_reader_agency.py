"""Agency files as published (issue 13), on small workbooks built here: every period form, the codes, totals and
summary rows, the community's own places and its comparison places, several tables per sheet, groups and years in
headers, nested row labels, header detection, mapping scope, duplicates, and text files in two encodings."""

from __future__ import annotations

from datetime import date

import pytest

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.intake.reader.cells import parse_number
from backbone.intake.reader.labels import is_summary, total_of
from backbone.intake.reader.periods import period_in_text, read_period, resolve_period
from backbone.store import database, queries
from tests.workbooks import METRICS_HEADER, metric_row, write_workbook


def agency_catalog(path, places: bool = True, **partner) -> object:
    """Three metrics, a partner, and (optionally) the community's places: two counties and the state to compare with."""
    sheets = {
        "Metrics": [METRICS_HEADER + ["frequency"],
                    metric_row("served", "Children served", "count", aliases="Served") + [None],
                    metric_row("entry_rate", "Entry rate", "rate per 1,000", "lower is better") + ["fiscal year"],
                    metric_row("ready", "Kindergarten readiness", "percent", aliases="Ready") + ["school year"]],
        "Partners": [["code", "name", "sector", "contact", "fiscal_year_start"],
                     ["AGENCY", "State agency", "government", "data@example.org", partner.get("fiscal_year_start")]],
    }
    if places:
        sheets["Places"] = [["place", "level", "role", "aliases"], ["Adams", "county", "community", "Adams County"],
                            ["Baker", "county", "community", None], ["Oregon", "state", "comparison", "OR"]]
    if "fiscal_year_start_month" in partner:
        sheets["Settings"] = [["setting", "value"], ["fiscal year start month", partner["fiscal_year_start_month"]]]
    return write_workbook(path, sheets)


@pytest.fixture
def agency_db(db, tmp_path) -> str:
    assert load_catalog_workbook(agency_catalog(tmp_path / "catalog.xlsx"), db=db).errors == []
    return db


def rows(db: str, *columns: str) -> list[tuple]:
    return database.cursor(db).execute(
        f"SELECT {', '.join(columns)} FROM current_observations ORDER BY ALL").fetchall()


def community(db: str, metric: str, period: str) -> tuple | None:
    return database.cursor(db).execute(
        """SELECT value, numerator, denominator FROM community_outcomes WHERE metric_code = ? AND period_label = ?
           AND geography = 'Community' AND group_value = 'All'""", [metric, period]).fetchone()


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(("written", "frequency", "fiscal_start", "label", "start", "end"), [
    ("201617", None, 7, "2016-17", date(2016, 7, 1), date(2017, 6, 30)),  # DfE's compact academic year
    ("2016/17", None, 7, "2016-17", date(2016, 7, 1), date(2017, 6, 30)),
    ("04/05", None, 7, "2004-05", date(2004, 7, 1), date(2005, 6, 30)),
    ("2011\u201312", "fiscal year", 7, "2011-12", date(2011, 7, 1), date(2012, 6, 30)),  # en dash, Australia
    ("2017/18", "fiscal year", 4, "2017-18", date(2017, 4, 1), date(2018, 3, 31)),  # UK financial year
    ("FY 2012", "fiscal year", 10, "FY2012", date(2011, 10, 1), date(2012, 9, 30)),  # US federal
    ("FY2012-13", "fiscal year", 7, "2012-13", date(2012, 7, 1), date(2013, 6, 30)),
    ("2017 (2)", None, 7, "2017", date(2017, 1, 1), date(2017, 12, 31)),  # footnote mark set aside
    ("2010/11*", None, 7, "2010-11", date(2010, 7, 1), date(2011, 6, 30)),
    ("Jan 2023", None, 7, "2023-01", date(2023, 1, 1), date(2023, 1, 31)),
    ("2023-01", None, 7, "2023-01", date(2023, 1, 1), date(2023, 1, 31)),
    ("Q2 2020", None, 7, "2020 Q2", date(2020, 4, 1), date(2020, 6, 30)),
    ("Jan 1 2023", None, 7, "2023-01-01", date(2023, 1, 1), date(2023, 1, 1)),
    ("31-Mar-23", "quarter", 7, "2023 Q1", date(2023, 1, 1), date(2023, 3, 31)),  # a quarter-end snapshot
    ("01/01/2023", "annual", 7, "2023", date(2023, 1, 1), date(2023, 12, 31)),
    ("44927", None, 7, "2023-01-01", date(2023, 1, 1), date(2023, 1, 1)),  # an Excel serial date
    ("2019-07-01 00:00:00", "fiscal year", 7, "2019-20", date(2019, 7, 1), date(2020, 6, 30)),  # a date cell
    ("07/01/2010 - 06/30/2011", None, 7, "2010-11", date(2010, 7, 1), date(2011, 6, 30)),
    ("1 April 2017 to 31 March 2018", "fiscal year", 4, "2017-18", date(2017, 4, 1), date(2018, 3, 31)),
    ("Year ending 31 March 2018", None, 7, "2017-18", date(2017, 4, 1), date(2018, 3, 31)),
    ("January to March 2017", None, 7, "2017 Q1", date(2017, 1, 1), date(2017, 3, 31)),
    ("2011-13", None, 7, "2011-2013", date(2011, 1, 1), date(2013, 12, 31)),  # three calendar years pooled
])
def test_every_agency_period_becomes_the_period_it_denotes(written, frequency, fiscal_start, label, start, end):
    period, _ = resolve_period(read_period(written), frequency, fiscal_start)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_an_ambiguous_span_is_decided_by_the_frequency_with_a_warning():
    pair = read_period("2011-12")
    as_year, warning = resolve_period(pair, "annual")
    assert (as_year.label, as_year.start, as_year.end) == ("2011-2012", date(2011, 1, 1), date(2012, 12, 31))
    assert "two calendar years" in warning
    assert resolve_period(pair, "school year") == (resolve_period(pair)[0], None)
    span, warning = resolve_period(read_period("2011-13"), "fiscal year")
    assert span.label == "2011-2013" and "not one fiscal year" in warning


def test_a_title_names_its_tables_period_but_not_a_run_of_years_or_a_publication_date():
    assert period_in_text("Chronic Absenteeism, 2018-19")[0] == "2018-19"
    assert period_in_text(" - fiscal year 2021")[1].kind == "fiscal"
    assert period_in_text("Table 1.1 Number of fatalities by financial year, 2004/05 to 2019/20") is None
    assert period_in_text("Poverty Status of Families: 1959 to 2022") is None
    assert period_in_text("Data As Of June 28, 2022") is None


# ---------------------------------------------------------------- codes


@pytest.mark.parametrize(("text", "kind"), [
    ("x", "suppressed"), ("c", "suppressed"), ("np", "suppressed"), ("(B)", "suppressed"), ("<11", "suppressed"),
    ("z", "missing"), ("..", "missing"), (". .", "missing"), ("N", "missing"), ("NReq", "missing"), ("\u2014", "missing"),
    ("na", "missing"), (" -", "missing"), ("176~", "number"), ("5^**", "number"), (" 17~", "number"), ("1,234", "number"),
])
def test_agency_codes_are_suppressed_or_missing_and_marks_glued_to_numbers_are_set_aside(text, kind):
    cell = parse_number(text)
    assert cell.kind == kind
    if kind == "number":
        assert cell.number in (176, 5, 17, 1234) and (cell.mark or text == "1,234")


def test_an_unknown_code_is_reported_once_with_its_count_and_first_cell_and_a_declared_code_is_kept(agency_db, tmp_path):
    book = write_workbook(tmp_path / "codes.xlsx", {"Data": [
        ["metric", "period", "geography", "value"],
        *[["Served", 2020, place, "q"] for place in ("Adams", "Baker")], ["Served", 2021, "Adams", "-"]]})
    first = ingest_file(book, "AGENCY", db=agency_db)
    assert first.status == "rejected"
    [error] = first.errors
    assert (error.row, error.column) == (2, "value") and "'q' is not a number" in error.message
    assert "(2 cells, the first here)" in error.message and '"codes"' in error.message
    loaded = ingest_file(book, "AGENCY", db=agency_db, column_map={"codes": {"q": "suppressed", "-": "suppressed"}})
    assert loaded.status == "loaded", loaded.errors
    assert rows(agency_db, "period_label", "geography", "suppressed", "suppression_mark") == [
        ("2020", "Adams", True, "q"), ("2020", "Baker", True, "q"), ("2021", "Adams", True, "-")]


def test_a_code_explained_in_the_files_own_notes_means_what_the_note_says(agency_db, tmp_path):
    book = write_workbook(tmp_path / "legend.xlsx", {"Entry Rate": [
        ["Table A. Entry rates per 1000 children - fiscal year 2021"], [],
        ["State", "County", "Rate"], ["Oregon", "Adams", "-"], ["Oregon", "Baker", "4.1"], [],
        ["Notes:"], ["1.  (-) Counties with low entry counts were excluded."]]})
    result = ingest_file(book, "AGENCY", db=agency_db)
    assert result.status == "loaded", result.errors
    assert rows(agency_db, "geography", "value", "suppressed", "suppression_mark") == [
        ("Adams", None, True, "-"), ("Baker", 4.1, False, None)]


# ---------------------------------------------------------------- totals, summary rows, places


def test_labels_that_are_totals_or_summaries_across_publishers():
    assert total_of("---District Total---") == (True, "district", None)
    assert total_of("National total(a)") == (True, "nation", None)
    assert total_of("Total England and Wales") == (True, None, "England and Wales")
    assert total_of("Statewide")[0] and total_of("ALL")[0] and not total_of("Alabama")[0]
    assert all(is_summary(s) for s in ("Median", "MEAN", "HP 2020 Target", "95% CI", "RSE", "Estimated total"))
    assert not is_summary("Median household income")


def test_the_community_is_its_own_places_and_totals_and_other_places_never_enter_it(agency_db, tmp_path):
    # A state-wide file: two community counties, another county, the state's total, a median row.
    book = write_workbook(tmp_path / "state.csv.xlsx", {"Served": [
        ["Numbers of children served, by county, 2020"], [],
        ["County", "Served"],
        ["Adams County", 100], ["Baker", 50], ["Carson", 400], ["State Total", 550], ["Median", 100]]})
    result = ingest_file(book, "AGENCY", db=agency_db)
    assert result.status == "loaded", result.errors
    assert rows(agency_db, "geography", "place_role", "value") == [
        ("Adams", "place", 100.0), ("Baker", "place", 50.0), ("Oregon", "comparison", 550.0)]
    assert community(agency_db, "served", "2020") == (150.0, None, None)  # never 700, never 1,100
    assert result.skipped == {"outside": 1, "summary": 1}
    assert result.cells["read"] == 5 and result.cells["reported"] == 2  # skipped rows are counted, never dropped
    assert any("outside the community" in w.message and "'Carson'" in w.message for w in result.warnings)


def test_the_total_of_a_list_of_states_is_no_state_even_the_one_compared_with(agency_db, tmp_path):
    # HUD's point-in-time counts by state: 'OR' is the catalog's comparison state; the 'Total' row is the nation's.
    # Read as the widest comparison place (Oregon), it was loaded beside the real 'OR' under its own name 'Total'.
    book = write_workbook(tmp_path / "pit.xlsx", {"2022": [
        ["State", "Served"], ["AK", 2320], ["OR", 17959], ["SD", 1389], ["WA", 25211], ["Total", 582462]]})
    result = ingest_file(book, "AGENCY", db=agency_db)
    assert result.status == "loaded", result.errors
    assert rows(agency_db, "geography", "place_role", "value") == [("Oregon", "comparison", 17959.0)]
    assert result.skipped == {"outside": 4}  # South Dakota among the states, not a standard deviation


def test_without_places_in_the_catalog_a_total_is_the_community_and_parts_are_not_summed(db, tmp_path):
    assert load_catalog_workbook(agency_catalog(tmp_path / "catalog.xlsx", places=False), db=db).errors == []
    book = write_workbook(tmp_path / "districts.xlsx", {"Data": [
        ["District", "School", "Year", "Served"],
        ["North", "---District Total---", 2020, 30], ["North", "Lincoln", 2020, 10], ["North", "Adams", 2020, 20],
        ["South", "--District Total--", 2020, 5], ["State", "---State Total---", 2020, 35]]})
    result = ingest_file(book, "AGENCY", db=db)
    assert result.status == "loaded", result.errors
    assert rows(db, "geography", "place_role", "value") == [
        ("Community", "community", 35.0), ("North", "place", 30.0), ("North / Adams", "part", 20.0),
        ("North / Lincoln", "part", 10.0), ("South", "place", 5.0)]
    assert community(db, "served", "2020") == (35.0, None, None)


# ---------------------------------------------------------------- layouts


def test_several_tables_on_one_sheet_each_with_its_title_header_and_total_row(agency_db, tmp_path):
    book = write_workbook(tmp_path / "stacked.xlsx", {"Served": [
        ["Children served"], [],
        ["Table 1 Children served by county, 2019"], ["County", "Served"], ["Adams", 10], ["Baker", 20], ["Total", 30], [],
        ["Table 2 Children served by county and sex, 2020"], ["County", "Female", "Male", "Total"],
        ["Adams", 6, 7, 13], ["Baker", 8, 9, 17]]})
    result = ingest_file(book, "AGENCY", db=agency_db)
    assert result.status == "loaded", result.errors
    got = {(r[0], r[1], r[2]): r[3] for r in rows(agency_db, "period_label", "geography", "group_value", "value")}
    assert got == {("2019", "Adams", "All"): 10, ("2019", "Baker", "All"): 20, ("2019", "Community", "All"): 30,
                   ("2020", "Adams", "Female"): 6, ("2020", "Adams", "Male"): 7, ("2020", "Adams", "All"): 13,
                   ("2020", "Baker", "Female"): 8, ("2020", "Baker", "Male"): 9, ("2020", "Baker", "All"): 17}
    assert rows(agency_db, "DISTINCT dimension") == [("All",), ("Gender",)]


def test_groups_years_and_footnotes_in_headers_and_a_label_for_the_rows_below_it(agency_db, tmp_path):
    book = write_workbook(tmp_path / "wide.xlsx", {"Sheet1": [
        ["Served, by county"],
        ["Area type", "County", "Served 2019", None, "Served 20201", "Served 2021"],
        ["Rural", "Adams", 5, "\\1\\", 6, 7], [None, "Baker", 8, None, 9, 10],
        ["Urban", "Carson", 1, None, 2, 3]]})
    result = ingest_file(book, "AGENCY", db=agency_db, dry_run=True)
    assert result.status == "dry-run", result.errors
    mapped = result.columns_mapped["Sheet1"]
    assert mapped["group"] == "Area type"  # filled only where its rows start: carried down to them
    assert mapped["ignore"] == "column D"  # the footnote-marker column between values
    assert mapped["value (metric Served, period 2019)"] == "Served 2019"
    assert result.cells == {"read": 9, "loaded": 6, "suppressed": 0, "missing": 0, "reported": 3}  # Carson: outside


def test_a_data_row_that_looks_like_years_and_a_title_naming_a_metric_are_never_the_header(agency_db, tmp_path):
    book = write_workbook(tmp_path / "years.xlsx", {"Data": [
        ["Children served"],
        ["County", "Year", "Served"],
        ["Adams", 2019, 2019], ["Adams", 2020, 2020], ["Baker", 2020, 2021]]})
    result = ingest_file(book, "AGENCY", db=agency_db, dry_run=True)
    assert result.status == "dry-run", result.errors
    assert result.headers_seen["Data"] == ["County", "Year", "Served"] and result.cells["loaded"] == 3


# ---------------------------------------------------------------- mapping scope, duplicates, text files


def test_a_mapping_scoped_to_a_table_and_a_choice_of_tables(agency_db, tmp_path):
    book = write_workbook(tmp_path / "two.xlsx", {"Report": [
        ["Table 1 Served in 2019"], ["County", "Count"], ["Adams", 10], [],
        ["Table 2 Waiting in 2019"], ["County", "Count"], ["Adams", 99]]})
    chosen = {"tables": ["Table 1"], "table:Table 1": {"metric": "=Served", "Count": "value"}}
    result = ingest_file(book, "AGENCY", db=agency_db, column_map=chosen)
    assert result.status == "loaded", result.errors
    assert rows(agency_db, "metric_code", "value") == [("served", 10.0)]
    assert "not among the tables the mapping chooses" in result.sheets_skipped["Report, table at row 6"]
    assert not [e for e in result.errors + result.warnings if e.row and e.row > 4]  # the other table: no findings


def test_a_mapped_header_over_a_row_of_periods_gives_each_column_its_period(agency_db, tmp_path):
    # NCES table 204.10: 'Number eligible' over '2000-01' and '2010-11', a header the catalog does not name. Mapped by
    # its top row, the key named two columns and was refused as ambiguous; the years below were then read as data.
    book = write_workbook(tmp_path / "frl.xlsx", {"Digest": [
        ["Table 204.10. Students eligible, by state"],
        ["County", "Number eligible", None, "Percent eligible", None],
        [None, "2000-01", "2010-11", "2000-01", "2010-11"],
        ["Adams", 1200, 1500, 40.1, 45.2], ["Baker", 300, 320, 30.0, 31.5]]})
    result = ingest_file(book, "AGENCY", db=agency_db, column_map={"Number eligible": {"metric": "Children served"}})
    assert result.status == "loaded", result.errors
    assert rows(agency_db, "period_label", "geography", "value") == [
        ("2000-01", "Adams", 1200.0), ("2000-01", "Baker", 300.0), ("2010-11", "Adams", 1500.0), ("2010-11", "Baker", 320.0)]


def test_the_same_file_with_a_new_mapping_is_read_again_not_a_duplicate(agency_db, tmp_path):
    book = write_workbook(tmp_path / "a.xlsx", {"Data": [["County", "Year", "Number"], ["Adams", 2020, 5]]})
    first = ingest_file(book, "AGENCY", db=agency_db, column_map={"metric": "=Served", "Number": "value"})
    assert first.status == "loaded", first.errors
    assert ingest_file(book, "AGENCY", db=agency_db, column_map={"metric": "=Served", "Number": "value"}).status == "duplicate"
    assert ingest_file(book, "AGENCY", db=agency_db).status == "duplicate"  # the remembered mapping is the same
    again = ingest_file(book, "AGENCY", db=agency_db, column_map={"metric": "=Served", "Number": "value",
                                                                   "period": "=2021"})
    assert (again.status, again.rows_new) == ("loaded", 1)


@pytest.mark.parametrize(("name", "encoding", "separator"), [
    ("export.tsv", "utf-8-sig", "\t"), ("export.txt", "cp1252", "\t"), ("export.csv", "cp1252", ";")])
def test_text_files_in_utf8_with_a_bom_or_windows_1252(agency_db, tmp_path, name, encoding, separator):
    path = tmp_path / name
    lines = [["County", "Year", "Served", "Note"], ["Adams", "2020", "12", "±2 (estimate)"]]
    path.write_bytes("\r\n".join(separator.join(line) for line in lines).encode(encoding))
    result = ingest_file(path, "AGENCY", db=agency_db)
    assert result.status == "loaded", result.errors
    assert rows(agency_db, "geography", "value", "note") == [("Adams", 12.0, "±2 (estimate)")]


# ---------------------------------------------------------------- the catalog


def test_the_catalog_workbook_takes_places_settings_frequency_and_a_partners_fiscal_year(db, tmp_path):
    book = agency_catalog(tmp_path / "c.xlsx", fiscal_year_start="October", fiscal_year_start_month="April")
    assert load_catalog_workbook(book, db=db).errors == []
    cur = database.cursor(db)
    assert cur.execute("SELECT place, level, role FROM places ORDER BY 1").fetchall() == [
        ("Adams", "county", "community"), ("Baker", "county", "community"), ("Oregon", "state", "comparison")]
    assert cur.execute("SELECT value FROM catalog_settings").fetchall() == [("4",)]
    assert cur.execute("SELECT fiscal_year_start FROM partners").fetchall() == [(10,)]
    assert cur.execute("SELECT frequency FROM metrics WHERE metric_code = 'entry_rate'").fetchall() == [("fiscal_year",)]
    bad = write_workbook(tmp_path / "bad.xlsx", {"Places": [["place", "role"], ["Adams", "ours maybe"]],
                                                 "Settings": [["setting", "value"], ["fiscal year start month", "13"]]})
    errors = load_catalog_workbook(bad, db=db).errors
    assert [(e.sheet, e.row, e.column) for e in errors] == [("Places", 2, "role"), ("Settings", 2, "value")]


def test_a_partners_fiscal_year_decides_its_fiscal_periods(db, tmp_path):
    assert load_catalog_workbook(agency_catalog(tmp_path / "c.xlsx", fiscal_year_start=10), db=db).errors == []
    book = write_workbook(tmp_path / "fy.xlsx", {"Data": [["County", "Period", "Entry rate"], ["Adams", "FY 2021", 3.2]]})
    assert ingest_file(book, "AGENCY", db=db).status == "loaded"
    assert rows(db, "period_label", "period_start", "period_end") == [("FY2021", date(2020, 10, 1), date(2021, 9, 30))]


def test_comparison_places_are_shown_beside_the_community_never_in_it(agency_db, tmp_path):
    book = write_workbook(tmp_path / "state.xlsx", {"Served": [
        ["County", "Year", "Served"], ["Adams", 2019, 100], ["Baker", 2019, 50], ["Statewide", 2019, 900],
        ["Adams", 2020, 110], ["Baker", 2020, 60], ["Statewide", 2020, 950]]})
    assert ingest_file(book, "AGENCY", db=agency_db).status == "loaded"
    cur = database.cursor(agency_db)
    got = cur.execute("""SELECT geography, role, place_level, period_label, value FROM community_comparisons
                         WHERE metric_code = 'served' ORDER BY ALL""").fetchall()
    assert got == [("Community", "community", None, "2019", 150.0), ("Community", "community", None, "2020", 170.0),
                   ("Oregon", "comparison", "state", "2019", 900.0), ("Oregon", "comparison", "state", "2020", 950.0)]
    public = cur.execute("SELECT DISTINCT geography, role FROM public_community_comparisons ORDER BY 1").fetchall()
    assert public == [("Community", "community"), ("Oregon", "comparison")]
    assert queries.comparison_places("served", db=agency_db) == ["Oregon"]
    # a benchmark is never ranked among the community's places
    assert queries.places_latest("served", db=agency_db).geography.tolist() == ["Adams", "Baker"]


def test_a_comparison_place_never_enters_the_median_place(agency_db, tmp_path):
    """A rate known only by place (no counts): the median of the community's places, never of the state beside them."""
    cur = database.cursor(agency_db)
    cur.execute("INSERT INTO places VALUES ('Carter', 'county', 'community')")  # a third place, so a median is drawn
    book = write_workbook(tmp_path / "rates.xlsx", {"Rates": [
        ["County", "Year", "Entry rate"], ["Adams", 2020, 2.0], ["Baker", 2020, 4.0], ["Carter", 2020, 9.0],
        ["Oregon", 2020, 50.0]]})
    assert ingest_file(book, "AGENCY", db=agency_db).status == "loaded"
    median = cur.execute("""SELECT value, high_value, high_place, n_places FROM place_medians
                            WHERE metric_code = 'entry_rate' AND group_value = 'All'""").fetchall()
    assert median == [(4.0, 9.0, "Carter", 3)]  # Oregon's 50.0 would make it 6.5 of 4 places


def test_a_unit_column_picks_the_metric_per_row_and_scales_percents_written_as_fractions(db, tmp_path):
    """KIDS COUNT's layout: DataFormat says per row whether Data is a number or a percent (as a fraction)."""
    book = write_workbook(tmp_path / "c.xlsx", {
        "Metrics": [METRICS_HEADER, metric_row("poverty", "Children in poverty", "count"),
                    metric_row("poverty_pct", "Children in poverty (percent)", "percent")],
        "Partners": [["code", "name", "sector", "contact"], ["KC", "KIDS COUNT", "nonprofit", "kc@example.org"]]})
    assert load_catalog_workbook(book, db=db).errors == []
    path = tmp_path / "Children in poverty.csv"
    path.write_text("Location,TimeFrame,DataFormat,Data\nAdams,2020,Number,120\nAdams,2020,Percent,0.153\n"
                    "Adams,2020,Currency,5\n")
    result = ingest_file(path, "KC", db=db)
    assert result.status == "loaded", result.errors
    assert rows(db, "metric_code", "value") == [("poverty", 120.0), ("poverty_pct", 15.3)]
    assert result.skipped == {"other unit": 1} and result.cells["reported"] == 1


def test_a_district_offices_address_is_not_personal_data_and_a_cohort_column_gives_the_period(agency_db, tmp_path):
    book = write_workbook(tmp_path / "offices.xlsx", {"Data": [
        ["County", "Street Address", "Phone", "Cohort", "Ready"],
        ["Adams", "1 Main St", "555-0100", "Class of 2021", 51], ["Baker", "2 Oak Ave", "555-0101", "Class of 2021", 48]]})
    result = ingest_file(book, "AGENCY", db=agency_db)
    assert result.status == "loaded", result.errors
    # 'Class of 2021' is the school year ending in 2021 for a metric reported by school year.
    assert rows(agency_db, "geography", "period_label", "value") == [("Adams", "2020-21", 51.0), ("Baker", "2020-21", 48.0)]
    assert any("'Class of 2021' read as the school year ending in 2021" in w.message for w in result.warnings)
