"""The upload page's assistant, below the page: a dry run previewed as stored, and its impact on the public figures
(before -> after, flagged moves) in the dry run, in `ingest --dry-run --json` and in the load's record."""

from __future__ import annotations

import json

import pytest

from backbone.errors import Finding
from backbone.intake.ingest import ingest_file
from backbone.intake.preview import findings_frame, skipped_summary, stored_counts, stored_rows
from backbone.store import database
from tests.workbooks import data_workbook


def _rows(*rows):
    """Template rows: (metric, period, geography, value, numerator, denominator)."""
    return [[m, p, g, None, None, v, n, d, None] for m, p, g, v, n, d in rows]


def _load(db, tmp_path, partner, name, *rows, dry_run=False):
    return ingest_file(data_workbook(tmp_path / name, _rows(*rows)), partner, db=db, dry_run=dry_run)


def test_findings_are_blank_where_they_name_no_row_or_column():
    frame = findings_frame([Finding("Data", None, None, "no rows"), Finding("Data", 4, "value", "not a number")])
    assert frame.to_dict("records") == [
        {"sheet": "Data", "row": "", "column": "", "message": "no rows"},
        {"sheet": "Data", "row": "4", "column": "value", "message": "not a number"}]
    assert "None" not in frame.to_string()


def test_a_csv_is_named_after_the_partners_file_not_the_staged_one(catalog_db, tmp_path):
    staged = tmp_path / "8f3a2c1d9e.csv"
    staged.write_text("metric,period,geography,value\nchildren_served,2023,North,12\n")
    result = ingest_file(staged, "SCHOOLS", db=catalog_db, dry_run=True, original_name="Our export 2023.csv")
    assert result.sheets_used == ["Our export 2023"]
    assert list(result.headers_seen) == ["Our export 2023"]
    assert "8f3a2c1d9e" not in json.dumps(result.as_dict(), default=str)


def test_the_preview_shows_rows_as_they_will_be_stored(catalog_db, tmp_path):
    result = _load(catalog_db, tmp_path, "SCHOOLS", "k.xlsx",
                   ("Ready for K", "2023", "North", 61.5, 123, 200), ("kindergarten_readiness", "2023", "South", None, None, None),
                   ("children_served", "2022-23", "North", 40, None, None), dry_run=True)
    assert result.status == "dry-run", result.errors
    catalog = result.checked.basis.catalog
    rows = stored_rows(result.checked.rows, catalog)
    first = rows.iloc[0].to_dict()
    # The catalog's name (not the alias the file used), the period with its dates, the numbers as written.
    assert first["Metric"] == "Kindergarten readiness" and first["Period"] == "2023" and first["Place"] == "North"
    assert (first["From"], first["To"]) == ("2023-01-01", "2023-12-31")
    assert (first["Value"], first["Numerator"], first["Denominator"], first["Unit"]) == ("61.5", "123", "200", "percent")
    counts = stored_counts(result.checked.rows, catalog)
    assert counts[["Metric", "Period", "Place", "Values"]].values.tolist() == [
        ["Children served", "2022-23", "North", 1], ["Kindergarten readiness", "2023", "North", 1]]
    skipped = skipped_summary(result.sheets_skipped, result.skipped, result.missing_reasons)
    assert skipped.iloc[0]["What"] == "missing cells" and skipped.iloc[0]["How many"] == "1"


def test_a_suppressed_value_is_previewed_with_its_mark(catalog_db, tmp_path):
    result = _load(catalog_db, tmp_path, "SCHOOLS", "s.xlsx", ("children_served", "2023", "North", "*", None, None),
                   ("children_served", "2023", "South", 30, None, None), dry_run=True)
    rows = stored_rows(result.checked.rows, result.checked.basis.catalog)
    assert sorted(rows.Value) == ["30", "suppressed (*)"]
    assert stored_counts(result.checked.rows, result.checked.basis.catalog).Suppressed.sum() == 1


def test_impact_lists_before_and_after_and_flags_a_big_move(catalog_db, tmp_path):
    _load(catalog_db, tmp_path, "SCHOOLS", "a.xlsx", ("children_served", "2023", "North", 40, None, None),
          ("children_served", "2023", "South", 60, None, None))
    result = _load(catalog_db, tmp_path, "SCHOOLS", "b.xlsx", ("children_served", "2023", "North", 400, None, None),
                   dry_run=True)
    impact = result.impact
    community = [c for c in impact["changes"] if c["place"] == "Community"]
    assert [(c["before"], c["after"], c["change"]) for c in community] == [("100", "460", "changed")]
    assert community[0]["flag"] == "moves by +360% (more than 10%)"
    assert "Children served for Community, 2023: 100 → 460, moves by +360% (more than 10%)." in impact["flags"]
    north = next(c for c in impact["changes"] if c["place"] == "North")
    assert (north["before"], north["after"]) == ("40", "400")
    assert impact["figures_changed"] == 2 and impact["figures_new"] == 0
    # A dry run writes nothing: the dashboard still says 100.
    assert database.cursor(catalog_db).execute(
        "SELECT value FROM public_outcomes WHERE metric_code = 'children_served' AND geography = 'Community'").fetchall() == [(100.0,)]


def test_impact_of_a_small_change_is_listed_but_not_flagged(catalog_db, tmp_path):
    _load(catalog_db, tmp_path, "SCHOOLS", "a.xlsx", ("kindergarten_readiness", "2023", "North", 60, 120, 200),
          ("kindergarten_readiness", "2023", "South", 70, 140, 200))
    impact = _load(catalog_db, tmp_path, "SCHOOLS", "b.xlsx", ("kindergarten_readiness", "2023", "North", 62, 124, 200),
                   dry_run=True).impact
    community = next(c for c in impact["changes"] if c["place"] == "Community")
    assert (community["before"], community["after"]) == ("65.0%", "66.0%")
    assert (community["before_numerator"], community["after_numerator"], community["after_denominator"]) == ("260", "264", "400")
    assert community["flag"] == "" and impact["flags"] == []


def test_impact_flags_totals_that_would_be_summed_with_their_parts(catalog_db, tmp_path):
    result = _load(catalog_db, tmp_path, "SCHOOLS", "t.xlsx", ("children_served", "2023", "North", 10, None, None),
                   ("children_served", "2023", "South", 20, None, None), ("children_served", "2023", "East", 30, None, None),
                   ("children_served", "2023", "Whole city", 60, None, None), dry_run=True)
    assert result.impact["flags"] == [
        "Children served, 2023: what look like totals of other places in this file ('Whole city' beside 3 other places) "
        "would be added into the community's figure together with their parts. Map one level of place only (for example "
        "the district, not the school), or leave the total rows out."]


def test_impact_flags_a_place_named_as_a_total_beside_others(catalog_db, tmp_path):
    result = _load(catalog_db, tmp_path, "SCHOOLS", "d.xlsx",
                   ("kindergarten_readiness", "2023", "Lincoln", 50, 60, 120),
                   ("kindergarten_readiness", "2023", "County total (public schools)", 50, 100, 210), dry_run=True)
    assert any("'County total (public schools)' beside 1 other place" in f for f in result.impact["flags"]), result.impact["flags"]


def test_schools_joined_under_their_district_are_parts_not_totals(catalog_db, tmp_path):
    """'District / School' rows are parts of the district (never summed into the community): nothing to flag."""
    result = _load(catalog_db, tmp_path, "SCHOOLS", "d.xlsx",
                   ("kindergarten_readiness", "2023", "Adair / Adair County Schools", 50, 100, 200),
                   ("kindergarten_readiness", "2023", "Adair / Lincoln Elementary", 50, 60, 120),
                   ("kindergarten_readiness", "2023", "Adair / Oak Elementary", 50, 40, 80), dry_run=True)
    assert result.impact["flags"] == []


def test_separate_places_of_different_sizes_are_not_called_totals(catalog_db, tmp_path):
    result = _load(catalog_db, tmp_path, "SCHOOLS", "p.xlsx", ("children_served", "2023", "North", 10, None, None),
                   ("children_served", "2023", "South", 20, None, None), ("children_served", "2023", "East", 35, None, None),
                   dry_run=True)
    assert result.impact["flags"] == [] and result.impact["figures_new"] == 4


def test_impact_flags_a_latest_period_going_back_and_a_figure_disappearing(catalog_db, tmp_path):
    _load(catalog_db, tmp_path, "SCHOOLS", "a.xlsx", ("kindergarten_readiness", "2022", "North", 50, 100, 200),
          ("kindergarten_readiness", "2023", "North", 60, 120, 200))
    # A rate without its counts for another place: the community's 2023 rate can no longer be combined honestly.
    result = _load(catalog_db, tmp_path, "CLINIC", "c.xlsx", ("kindergarten_readiness", "2023", "South", 70, None, None),
                   dry_run=True)
    flags = result.impact["flags"]
    assert "Kindergarten readiness for Community, 2023: 60.0% → none, would disappear from the dashboard." in flags
    assert ("The latest Kindergarten readiness for Community would go back from 2023 to 2022: the newest figure would "
            "no longer be shown.") in flags
    gone = [c for c in result.impact["changes"] if c["change"] == "gone"]
    assert [(c["place"], c["period"], c["before_numerator"], c["before_denominator"]) for c in gone] == [
        ("Community", "2023", "120", "200")]


def test_the_load_keeps_its_impact_with_its_record(catalog_db, tmp_path):
    loaded = _load(catalog_db, tmp_path, "SCHOOLS", "a.xlsx", ("children_served", "2023", "North", 40, None, None))
    assert loaded.status == "loaded"
    stored = database.cursor(catalog_db).execute("SELECT impact_json FROM uploads WHERE upload_id = ?",
                                                 [loaded.upload_id]).fetchone()[0]
    impact = json.loads(stored)
    assert impact == loaded.impact
    assert {(c["place"], c["after"], c["change"]) for c in impact["changes"]} == {("North", "40", "new"), ("Community", "40", "new")}


def test_impact_shows_no_small_cell_the_dashboard_hides(catalog_db, tmp_path):
    result = _load(catalog_db, tmp_path, "SCHOOLS", "s.xlsx", ("children_served", "2023", "North", 3, None, None),
                   ("children_served", "2023", "South", 40, None, None), dry_run=True)
    after = {c["place"]: c["after"] for c in result.impact["changes"]}
    # North's 3 is hidden, and so is South (else the community's 43 less South's 40 would give it away).
    assert after == {"North": "hidden (small numbers)", "South": "hidden (small numbers)", "Community": "43"}


@pytest.mark.parametrize("flag", ["--dry-run"])
def test_the_command_line_dry_run_prints_the_impact(catalog_db, tmp_path, capsys, flag):
    from backbone.cli import main

    path = data_workbook(tmp_path / "a.xlsx", _rows(("children_served", "2023", "North", 40, None, None)))
    main(["ingest", str(path), "--partner", "SCHOOLS", flag, "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["impact"]["figures_new"] == 2 and printed["impact"]["flags"] == []


# --- the mapping assistant's logic ----------------------------------------------------------------------------------

def _catalog(db):
    from backbone.store.catalog import Catalog

    return Catalog.from_store(database.cursor(db))


def test_the_columns_editor_marks_guesses_and_the_partners_choices(catalog_db):
    from backbone.intake.assistant import GUESS, YOURS, column_rows

    rows = column_rows({"Data": ["Year", "Where", "KRA", "Notes"]},
                       {"Data": {"period": "Year", "geography": "Where", "value (metric KRA, group Black, non-Hispanic)": "KRA"}},
                       {"Notes": "ignore"}, _catalog(catalog_db))
    table = rows.set_index("Column")
    assert table.loc["Year", ["Read as", "Source"]].tolist() == ["period (year, school year…)", GUESS]
    # A wide column's metric by its catalog name (the file said 'KRA', an alias), its group whole despite the comma.
    assert table.loc["KRA", ["Read as", "Its metric", "Its group", "Source"]].tolist() == [
        "value", "Kindergarten readiness", "Black, non-Hispanic", GUESS]
    assert table.loc["Notes", ["Read as", "Source"]].tolist() == ["not read", YOURS]
    assert table.loc["Year", "Its metric"] == "(none)"  # a choice in the list, never an empty cell reading "None"


def test_only_the_rows_a_partner_changed_go_into_the_mapping(catalog_db):
    from backbone.intake.assistant import column_rows, with_columns

    before = column_rows({"Data": ["Year", "Score", "N"]}, {"Data": {"period": "Year"}}, {}, _catalog(catalog_db))
    after = before.copy()
    after.loc[1, ["Read as", "Its metric", "Its group"]] = ["value", "Kindergarten readiness", "Female"]
    after.loc[2, "Read as"] = "denominator (everyone counted)"
    assert with_columns({"metric": "=x"}, before, after) == {
        "metric": "=x", "Score": {"metric": "Kindergarten readiness", "group": "Female"}, "N": "denominator"}


def test_a_column_given_its_metric_is_read_as_values_though_read_as_was_left_alone(catalog_db):
    from backbone.intake.assistant import column_rows, with_columns

    before = column_rows({"Data": ["State", "Number eligible"]}, {}, {}, _catalog(catalog_db))
    after = before.copy()
    after.loc[1, "Its metric"] = "Kindergarten readiness"
    assert with_columns({}, before, after) == {"Number eligible": {"metric": "Kindergarten readiness"}}


def test_a_header_in_two_tables_is_mapped_for_its_own_sheet(catalog_db):
    from backbone.intake.assistant import column_rows, with_columns

    before = column_rows({"A": ["Rate"], "B": ["Rate"]}, {}, {}, _catalog(catalog_db))
    after = before.copy()
    after.loc[1, "Read as"] = "value"
    assert with_columns({}, before, after) == {"sheet:B": {"Rate": "value"}}


def test_columns_chosen_as_groups_are_values_of_their_own_group(catalog_db):
    from backbone.intake.assistant import column_rows, with_group_columns

    before = column_rows({"Entry Rate": ["State", "Asian", "Black or African American", "White"]}, {}, {}, _catalog(catalog_db))
    assert with_group_columns({}, before, ["Asian", "Black or African American"], " Race/ethnicity ") == {
        "Asian": {"dimension": "Race/ethnicity", "group": "Asian"},
        "Black or African American": {"dimension": "Race/ethnicity", "group": "Black or African American"}}


def test_a_table_whose_title_runs_inside_anothers_is_offered_by_its_sheet():
    from backbone.intake.assistant import table_references
    from backbone.intake.reader.mapping import parse_mapping

    # ACF's entry-rate workbook: table A's title row reads ' - fiscal year 2021', words that table B's title holds too.
    headers = {"Entry Rate": ["State"], "Rate of Disproportionality": ["State"]}
    titles = {"Entry Rate": "- fiscal year 2021",
              "Rate of Disproportionality": "Table B. Rate of Disproportionality for fiscal year 2021"}
    every = table_references(headers, titles, {})
    assert every == ["Entry Rate", "Table B. Rate of Disproportionality for fiscal year 2021"]
    chosen = parse_mapping({"tables": every[:1]})
    assert chosen.chooses("Entry Rate", titles["Entry Rate"])
    assert not chosen.chooses("Rate of Disproportionality", titles["Rate of Disproportionality"])


def test_constants_for_the_file_a_sheet_or_a_table_and_their_removal(catalog_db):
    from backbone.intake.assistant import constant_rows, scopes, with_constant, without
    from backbone.intake.reader.mapping import parse_mapping

    catalog = _catalog(catalog_db)
    where = scopes(["Data"], {"Data": "Table 1.4 Children by age", "Data, table at row 30": ""})
    assert where == {"the whole file": None, "sheet 'Data'": "sheet:Data",
                     "table 'Table 1.4 Children by age' (Data)": "table:Table 1.4 Children by age"}
    mapping = with_constant({}, None, "metric", "KRA", catalog)  # an alias: stored by the catalog's name
    mapping = with_constant(mapping, "table:Table 1.4 Children by age", "period", "2022", catalog)
    assert mapping == {"metric": "=Kindergarten readiness", "table:Table 1.4 Children by age": {"period": "=2022"}}
    assert parse_mapping(mapping).scoped("Data", "Table 1.4 Children by age").constants == {
        "metric": "Kindergarten readiness", "period": "2022"}
    rows = constant_rows(mapping, {"Data": {"group": "=Female"}}, where, catalog)
    assert rows[["Applies to", "Field", "Value", "Source"]].values.tolist() == [
        ["the whole file", "metric", "Kindergarten readiness", "your choice"],
        ["table 'Table 1.4 Children by age' (Data)", "period", "2022", "your choice"],
        ["'Data'", "group", "Female", "Backbone's guess"]]
    assert without(mapping, ("table:Table 1.4 Children by age", "period")) == {"metric": "=Kindergarten readiness"}


def test_tables_codes_and_the_fiscal_year_start(catalog_db):
    from backbone.intake.assistant import chosen_tables, code_rows, fiscal_start, with_codes, with_fiscal_start, with_tables
    from backbone.intake.reader.mapping import parse_mapping

    every = ["Table 1.1", "Table 1.2"]
    assert with_tables({}, every, every) == {} and chosen_tables({}, every) == every
    assert with_tables({}, ["Table 1.2"], every) == {"tables": ["Table 1.2"]}
    assert chosen_tables({"tables": ["table 1.2"]}, every) == ["Table 1.2"]
    codes = code_rows({"codes": {"NReq": "missing"}})
    codes.loc[1] = ["*", "suppressed"]
    codes.loc[2] = ["  ", "suppressed"]  # a blank row the partner added: dropped
    assert with_codes({}, codes) == {"codes": {"NReq": "missing", "*": "suppressed"}}
    assert fiscal_start(with_fiscal_start({}, 10)) == 10 and with_fiscal_start({"fiscal_year_start": 10}, None) == {}
    assert parse_mapping({"fiscal_year_start": 13}).problems == [
        "'fiscal_year_start': the fiscal year's first month is a number from 1 to 12, not '13'"]


def test_the_mappings_fiscal_year_start_dates_a_fiscal_year(catalog_db, tmp_path):
    path = tmp_path / "fy.csv"
    path.write_text("metric,period,geography,value\nchildren_served,FY 2021,North,40\n")
    july = ingest_file(path, "SCHOOLS", db=catalog_db, dry_run=True)
    october = ingest_file(path, "SCHOOLS", db=catalog_db, dry_run=True, column_map={"fiscal_year_start": 10})
    assert str(july.checked.rows.column("period_start")[0]) == "2020-07-01"
    assert str(october.checked.rows.column("period_start")[0]) == "2020-10-01"


# --- recipes --------------------------------------------------------------------------------------------------------

def _agency_file(tmp_path, year: str, value: float):
    """An agency's yearly export: the period only in its title, no metric column."""
    from tests.workbooks import write_workbook

    return write_workbook(tmp_path / f"readiness-{year}.xlsx", {f"Y{year}": [
        [f"School entry assessment by area and sex, {year}"], [], ["Area", "All students", "Female", "Male"],
        ["North", value, value + 1, value - 1], ["South", value + 10, value + 11, value + 9]]})


def test_a_saved_recipe_reads_next_years_file_of_the_same_shape_by_itself(catalog_db, tmp_path):
    recipe = {"metric": "=Kindergarten readiness"}
    first = ingest_file(_agency_file(tmp_path, "2022", 60), "SCHOOLS", db=catalog_db, column_map=recipe,
                        save_recipe="County readiness file")
    assert first.status == "loaded", first.errors
    # Next year: the same headers under another title and sheet name; no mapping given.
    nxt = ingest_file(_agency_file(tmp_path, "2023", 64), "SCHOOLS", db=catalog_db, dry_run=True)
    assert (nxt.status, nxt.mapping_source, nxt.recipe, nxt.mapping_used) == ("dry-run", "recipe", "County readiness file", recipe)
    assert set(nxt.checked.rows.column("period_label").to_pylist()) == {"2023"}
    loaded = ingest_file(_agency_file(tmp_path, "2023", 64), "SCHOOLS", db=catalog_db)
    assert loaded.status == "loaded" and loaded.recipe == "County readiness file"
    # Another partner's file of the same shape is not read with this partner's recipe.
    other = ingest_file(_agency_file(tmp_path, "2023", 64), "CLINIC", db=catalog_db, dry_run=True)
    assert other.recipe is None and other.status == "rejected"


def test_a_file_of_another_shape_is_not_read_with_a_recipe(catalog_db, tmp_path):
    from tests.workbooks import write_workbook

    ingest_file(_agency_file(tmp_path, "2022", 60), "SCHOOLS", db=catalog_db, column_map={"metric": "=Kindergarten readiness"},
                save_recipe="County readiness file")
    other = write_workbook(tmp_path / "other.xlsx", {"Data": [["Kindergarten readiness 2023"], [], ["Area", "All students", "Female"],
                                                              ["North", 60, 61]]})
    result = ingest_file(other, "SCHOOLS", db=catalog_db, dry_run=True)
    assert result.recipe is None and result.mapping_source != "recipe"


def test_a_recipe_is_saved_again_under_its_name_and_chosen_by_name(catalog_db, tmp_path):
    from backbone.errors import BackboneError
    from backbone.intake import recipes

    ingest_file(_agency_file(tmp_path, "2022", 60), "SCHOOLS", db=catalog_db, column_map={"metric": "=Kindergarten readiness"},
                save_recipe="County readiness file")
    ingest_file(_agency_file(tmp_path, "2023", 64), "SCHOOLS", db=catalog_db,
                column_map={"metric": "=Kindergarten readiness", "codes": {"NR": "missing"}}, save_recipe="county readiness  FILE")
    saved = recipes.for_partner(database.cursor(catalog_db), "SCHOOLS")
    assert [(r.name, r.mapping) for r in saved] == [
        ("county readiness FILE", {"metric": "=Kindergarten readiness", "codes": {"NR": "missing"}})]
    chosen = ingest_file(_agency_file(tmp_path, "2024", 66), "SCHOOLS", db=catalog_db, dry_run=True, recipe="County Readiness File")
    assert chosen.mapping_source == "recipe" and chosen.recipe == "county readiness FILE"
    with pytest.raises(BackboneError, match="SCHOOLS has no recipe named 'Nope'. Its recipes: 'county readiness FILE'"):
        ingest_file(_agency_file(tmp_path, "2024", 66), "SCHOOLS", db=catalog_db, dry_run=True, recipe="Nope")


def test_recipes_on_the_command_line_and_in_backups(catalog_db, tmp_path, capsys):
    from backbone.cli import main
    from backbone.store.export import backup, restore

    path = _agency_file(tmp_path, "2022", 60)
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"metric": "=Kindergarten readiness"}))
    assert main(["ingest", str(path), "--partner", "SCHOOLS", "--map", str(mapping), "--save-recipe", "County file"]) == 0
    capsys.readouterr()
    assert main(["recipes"]) == 0
    listed = capsys.readouterr().out
    assert "SCHOOLS" in listed and "County file" in listed and "Kindergarten readiness" in listed
    assert main(["ingest", str(_agency_file(tmp_path, "2023", 64)), "--partner", "SCHOOLS", "--recipe", "County file",
                 "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recipe"] == "County file"
    assert main(["ingest", str(path), "--partner", "SCHOOLS", "--recipe", "County file", "--map", str(mapping)]) == 2
    backup(tmp_path / "backup", db=catalog_db)
    database.cursor(catalog_db).execute("DELETE FROM recipes")
    restore(tmp_path / "backup", db=catalog_db)
    assert database.cursor(catalog_db).execute("SELECT name FROM recipes").fetchall() == [("County file",)]


def test_findings_lead_to_the_choice_that_answers_them():
    from backbone.intake.assistant import next_steps

    skipped = {"Data": "header row 3 read 'Area' as geography, but no column or mapping gives the metric or the value (map"}
    errors = [Finding("Data", 4, "Score", "not a number"), Finding("Data", 5, "Score", "not a number"),
              Finding("Data", 6, "period", "cannot read '2x'")]
    assert next_steps(errors, skipped, {"Data": ["Area", "Score"]}) == [
        ("Set the metric for every row", "Same for every row", "metric"), ("Choose the column of values", "Columns", None),
        ("Change how 'Score' is read", "Columns", None)]
