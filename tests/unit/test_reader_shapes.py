"""Every shape a partner's file arrives in: long tables with other header names, wide tables, agency exports with
title rows, merged multi-row headers, notes and several sheets; column mappings (simple, rich, remembered); and
columns of personal data."""

from __future__ import annotations

from openpyxl import Workbook

from backbone.intake.ingest import ingest_file
from backbone.store import database
from tests.workbooks import write_workbook


def current(db: str) -> dict[tuple, float | None]:
    rows = database.cursor(db).execute(
        "SELECT metric_code, period_label, geography, dimension, group_value, value FROM current_observations").fetchall()
    return {tuple(r[:5]): r[5] for r in rows}


def test_a_long_table_with_other_header_names(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "long.xlsx", {"Export": [
        ["INDICATOR", "School_Year", "Neighborhood", "Race/Ethnicity", "Numerator", "Denominator", "Percent"],
        ["Ready for K", "2022-23", "North", "Hispanic", 12, 30, 40],
        ["kindergarten readiness", "2022-23", "North", "White", 20, 40, 50],
    ]})
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert result.status == "loaded", result.errors
    assert result.columns_mapped["Export"]["period"] == "School_Year"
    assert current(catalog_db) == {
        ("kindergarten_readiness", "2022-23", "North", "Race/ethnicity", "Hispanic"): 40.0,
        ("kindergarten_readiness", "2022-23", "North", "Race/ethnicity", "White"): 50.0,
    }


def test_a_wide_table_with_years_as_columns_title_rows_and_notes_below(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "wide.xlsx", {"Report": [
        ["Community indicators, 2018-2020"],
        [],
        ["Indicator", "Neighborhood", 2018, "2019", "2020"],
        ["Kindergarten readiness", "North", 41, "*", "N/A"],
        ["Children served", "North", 120, 130, 140],
        [],
        ["Source: City Schools. * fewer than 10 children."],
    ]})
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert result.status == "loaded", result.errors
    assert result.cells == {"read": 6, "loaded": 4, "suppressed": 1, "missing": 1, "reported": 0}
    assert result.rows_not_data == 1  # the source note below the data (the title above the header is not data)
    got = current(catalog_db)
    assert got[("kindergarten_readiness", "2018", "North", "All", "All")] == 41
    assert got[("kindergarten_readiness", "2019", "North", "All", "All")] is None  # suppressed, not 0
    assert got[("children_served", "2020", "North", "All", "All")] == 140
    assert any("Source: City Schools" in w.message and w.row == 7 for w in result.warnings)


def test_a_wide_table_with_a_column_per_metric(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "metrics.xlsx", {"Sheet1": [
        ["Place", "Year", "Kindergarten readiness", "Children served"],
        ["North", 2021, 40, 100], ["South", 2021, 45, 80],
    ]})
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert result.status == "loaded", result.errors
    assert current(catalog_db)[("children_served", "2021", "South", "All", "All")] == 80


def test_each_value_column_takes_the_suppression_flag_beside_it(catalog_db, tmp_path):
    # Kentucky's layout: a Y/N flag before each cohort's columns (SUPPRESSED4YR ... GRADRATE4YR SUPPRESSED5YR ...).
    book = write_workbook(tmp_path / "flags.xlsx", {"Export": [
        ["Place", "Year", "SUPPRESSED4YR", "Ready", "SUPPRESSED5YR", "Served"],
        ["North", 2021, "N", 40, "Y", None],
        ["South", 2021, "Y", None, "N", 80],
    ]})
    mapping = {"Ready": {"metric": "Kindergarten readiness"}, "Served": {"metric": "Children served"}}
    result = ingest_file(book, "SCHOOLS", db=catalog_db, column_map=mapping)
    assert result.status == "loaded", result.errors
    assert result.columns_mapped["Export"]["suppressed"] == "SUPPRESSED4YR + SUPPRESSED5YR"
    assert result.cells == {"read": 4, "loaded": 2, "suppressed": 2, "missing": 0, "reported": 0}
    marks = {r[:2]: r[2:] for r in database.cursor(catalog_db).execute(
        "SELECT metric_code, geography, value, suppression_mark FROM current_observations").fetchall()}
    assert marks == {("kindergarten_readiness", "North"): (40.0, None), ("children_served", "North"): (None, "SUPPRESSED5YR: Y"),
                     ("kindergarten_readiness", "South"): (None, "SUPPRESSED4YR: Y"), ("children_served", "South"): (80.0, None)}


def agency_export(path, lincoln: int = 40):
    """An agency's workbook: a cover sheet, title rows, a header merged over two rows, footnotes, an empty sheet."""
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["About this file"])
    cover.append(["Prepared by the state for partners."])
    data = book.create_sheet("2022-23")
    data.append(["Readiness by school"])  # (a title naming a catalog metric would give the metric: test_reader_agency)
    data.append(["2022-23"])
    data.append(["District", "School", "Student group", "Ready", None])
    data.append([None, None, None, "Number", "Percent"])
    data.merge_cells("D3:E3")
    data.append(["Central", "Lincoln", "All Students", lincoln, f"{lincoln}%"])
    data.append(["Central", "Lincoln", "Hispanic", "<10", "*"])
    data.append(["Central", "Adams", "All Students", 30, "LNE"])
    data.append([])
    data.append(["* Fewer than 10 students."])
    book.create_sheet("Empty")
    book.save(path)
    return path


def test_an_agency_export_says_what_it_could_not_decide_and_a_mapping_settles_it(catalog_db, tmp_path):
    book = agency_export(tmp_path / "agency.xlsx")
    first = ingest_file(book, "SCHOOLS", db=catalog_db, dry_run=True)
    assert first.status == "rejected"
    reason = first.sheets_skipped["2022-23"]
    # It names its guesses, the row of the header and what it needs.
    assert "header row 4" in reason and "'Student group' as group" in reason and "metric" in reason
    assert first.sheets_skipped["Empty"] == "empty"
    assert "Ready Percent" in first.headers_seen["2022-23"]  # the merged 'Ready' over 'Number' and 'Percent'
    mapping = {"metric": "=Kindergarten readiness", "District": "geography", "School": "geography",
               "Ready Percent": "value", "Ready Number": "ignore"}
    loaded = ingest_file(book, "SCHOOLS", db=catalog_db, column_map=mapping)
    assert loaded.status == "loaded", loaded.errors
    assert loaded.sheets_used == ["2022-23"] and "Cover" in loaded.sheets_skipped
    assert loaded.cells == {"read": 3, "loaded": 1, "suppressed": 1, "missing": 1, "reported": 0}
    assert any(w.row == 2 and "from the title" in w.message for w in loaded.warnings)  # period from title row 2
    assert current(catalog_db) == {
        ("kindergarten_readiness", "2022-23", "Central / Lincoln", "All", "All"): 40.0,
        ("kindergarten_readiness", "2022-23", "Central / Lincoln", "Student group", "Hispanic"): None,
    }


def test_a_confirmed_mapping_is_remembered_for_the_partners_next_upload(catalog_db, tmp_path):
    mapping = {"metric": "=Kindergarten readiness", "District": "geography", "School": "geography",
               "Ready Percent": "value", "Ready Number": "ignore"}
    assert ingest_file(agency_export(tmp_path / "a.xlsx"), "SCHOOLS", db=catalog_db, column_map=mapping).status == "loaded"
    book = agency_export(tmp_path / "next_year.xlsx", lincoln=42)  # different bytes: not a duplicate
    again = ingest_file(book, "SCHOOLS", db=catalog_db, dry_run=True)  # no mapping given this time
    assert again.status == "dry-run", again.errors
    assert (again.mapping_source, again.mapping_used) == ("remembered", mapping)
    assert "column mapping confirmed for SCHOOLS" in again.warnings[0].message
    # Another partner does not inherit it.
    assert ingest_file(book, "CLINIC", db=catalog_db, dry_run=True).status == "rejected"


def test_the_simple_mapping_form_still_works_and_a_bad_one_is_explained(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "odd.xlsx", {"Sheet1": [["What", "When", "Score"], ["KRA", 2022, 40]]})
    result = ingest_file(book, "SCHOOLS", db=catalog_db, column_map={"What": "metric", "When": "period", "Score": "value"})
    assert result.status == "loaded", result.errors
    other = write_workbook(tmp_path / "odd2.xlsx", {"Sheet1": [["What", "When", "Score"], ["KRA", 2023, 41]]})
    bad = ingest_file(other, "SCHOOLS", db=catalog_db, dry_run=True, column_map={"Score": "amount please"})
    assert bad.status == "rejected"
    assert bad.errors[0].sheet == "(column mapping)" and "'amount please' is not a field" in bad.errors[0].message
    typo = ingest_file(other, "SCHOOLS", db=catalog_db, dry_run=True,
                       column_map={"What": "metric", "When": "period", "Score": "value", "Scroe": "note"})
    assert typo.status == "dry-run"
    assert [(w.sheet, w.column) for w in typo.warnings if "no sheet has" in w.message] == [("(column mapping)", "Scroe")]


def test_columns_of_personal_data_are_refused(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "people.xlsx", {"Data": [
        ["metric", "period", "value", "Student Name", "Date of Birth", "Contact"],
        ["KRA", 2022, 40, "Ann Smith", "2017-03-02", "ann@example.org"],
    ]})
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(1, "Student Name"), (1, "Date of Birth"), (1, "Contact")]
    assert all("aggregates only" in e.message for e in result.errors)
    assert "email addresses" in result.errors[2].message


def ods_file(path, rows: list[list]) -> object:
    """A minimal OpenDocument spreadsheet, written by hand (what LibreOffice saves, without styles)."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value) -> str:
        if isinstance(value, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="Data">{body}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'))
    return path


def test_the_format_is_decided_by_content_not_name(catalog_db, tmp_path):
    ods = ods_file(tmp_path / "really_ods.xlsx", [["metric", "period", "value"], ["KRA", 2022, 40], ["KRA", 2023, "*"]])
    result = ingest_file(ods, "SCHOOLS", db=catalog_db)
    assert (result.status, result.rows_loaded, result.rows_suppressed) == ("loaded", 2, 1), result.errors
    text = tmp_path / "export.xls"
    text.write_text("metric;period;value\nKRA;2021;38\n")  # a semicolon CSV with an Excel name
    assert ingest_file(text, "SCHOOLS", db=catalog_db).status == "loaded"
    assert current(catalog_db)[("kindergarten_readiness", "2021", "Community", "All", "All")] == 38
