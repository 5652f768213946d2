"""Every cell rule on small generated workbooks: numbers as text, percents, suppression marks, missing values with
their reasons, spreadsheet errors, formulas, and every period form."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from backbone.intake.ingest import ingest_file
from backbone.store import database
from tests.workbooks import TEMPLATE_HEADER, data_workbook


def rows_of(db: str) -> dict[str, tuple]:
    """geography -> (value, suppressed, mark, period_label, period_start, period_end)."""
    return {r[0]: r[1:] for r in database.cursor(db).execute(
        "SELECT geography, value, suppressed, suppression_mark, period_label, period_start, period_end"
        " FROM current_observations").fetchall()}


def template_book(path: Path, rows: list[list], formats: dict[str, str] | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(TEMPLATE_HEADER)
    for row in rows:
        sheet.append(row)
    for ref, fmt in (formats or {}).items():
        sheet[ref].number_format = fmt
    book.save(path)
    return path


def test_numbers_written_as_text_are_numbers(catalog_db, tmp_path):
    result = ingest_file(data_workbook(tmp_path / "a.xlsx", [
        ["children_served", 2022, "A", None, None, "1,234"], ["children_served", 2022, "B", None, None, " 45 "],
        ["KRA", 2022, "C", None, None, "45%"], ["children_served", 2022, "D", None, None, "(12)"],
    ]), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"  # (12) is an accountant's negative: a negative count is an error
    assert [(e.row, e.column) for e in result.errors] == [(5, "value")] and "negative" in result.errors[0].message
    result = ingest_file(data_workbook(tmp_path / "b.xlsx", [
        ["children_served", 2022, "A", None, None, "1,234"], ["children_served", 2022, "B", None, None, " 45 "],
        ["KRA", 2022, "C", None, None, "45%"]]), "SCHOOLS", db=catalog_db)
    assert result.status == "loaded"
    values = {k: v[0] for k, v in rows_of(catalog_db).items()}
    assert values == {"A": 1234.0, "B": 45.0, "C": 45.0}


def test_a_fraction_in_a_percent_metric_converts_only_when_the_format_or_header_says_so(catalog_db, tmp_path):
    book = template_book(tmp_path / "pct.xlsx", [
        ["KRA", 2022, "Formatted", None, None, 0.45], ["KRA", 2022, "Bare", None, None, 0.45]], {"F2": "0.0%"})
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert result.status == "loaded"
    values = {k: v[0] for k, v in rows_of(catalog_db).items()}
    assert values == {"Formatted": pytest.approx(45.0), "Bare": 0.45}
    [warning] = [w for w in result.warnings if "fraction" in w.message]
    assert (warning.row, warning.column) == (3, "value")
    # A header that says the values are proportions converts them too.
    csv_file = tmp_path / "share.csv"
    csv_file.write_text("Indicator,Year,Place,Proportion ready\nKRA,2023,Header,0.5\n")
    result = ingest_file(csv_file, "SCHOOLS", column_map={"Proportion ready": "value"}, db=catalog_db)
    assert result.status == "loaded" and not [w for w in result.warnings if "fraction" in w.message]
    assert rows_of(catalog_db)["Header"][0] == pytest.approx(50.0)


MARKS = ["*", "***", "<10", "< 5.0%", "> 95.0%", "--", "Suppressed", "DS", "‡"]


def test_suppression_marks_are_kept_with_the_mark_never_zero(catalog_db, tmp_path):
    rows = [["KRA", 2022, f"Place {i}", None, None, mark] for i, mark in enumerate(MARKS)]
    result = ingest_file(data_workbook(tmp_path / "s.xlsx", rows), "SCHOOLS", db=catalog_db)
    assert (result.status, result.rows_suppressed, result.cells["suppressed"]) == ("loaded", len(MARKS), len(MARKS))
    got = rows_of(catalog_db)
    assert {got[f"Place {i}"][:3] for i in range(len(MARKS))} == {(None, True, mark) for mark in MARKS}


def test_a_suppression_flag_column_suppresses_its_rows_with_the_flag_as_mark(catalog_db, tmp_path):
    flagged = tmp_path / "flagged.csv"
    flagged.write_text("Indicator,Year,Place,Suppressed,Rate\n"
                       "KRA,2022,Shown,N,45\nKRA,2022,Flagged,Y,\nKRA,2022,Flagged with a number,yes,12\n"
                       "KRA,2022,Blank,,\n")
    result = ingest_file(flagged, "SCHOOLS", db=catalog_db)
    assert result.status == "loaded", result.errors
    assert result.columns_mapped["flagged"]["suppressed"] == "Suppressed"
    assert result.cells == {"read": 4, "loaded": 1, "suppressed": 2, "missing": 1, "reported": 0}
    got = rows_of(catalog_db)
    assert got["Shown"][:3] == (45.0, False, None)
    # The flag wins over a number left in the value cell: never shown, never 0.
    assert got["Flagged"][:3] == (None, True, "Suppressed: Y")
    assert got["Flagged with a number"][:3] == (None, True, "Suppressed: yes")
    assert "Blank" not in got and result.missing_reasons == {"blank": 1}
    # A flag that is neither Y nor N is reported where it is, and nothing loads.
    flagged.write_text("Indicator,Year,Place,Suppressed,Rate\nKRA,2023,Odd,maybe,45\n")
    result = ingest_file(flagged, "SCHOOLS", db=catalog_db)
    assert result.status == "rejected" and result.cells["reported"] == 1
    assert [(e.row, e.column) for e in result.errors] == [(2, "Suppressed")] and "'maybe'" in result.errors[0].message


def test_missing_values_are_counted_with_their_reasons(catalog_db, tmp_path):
    book = data_workbook(tmp_path / "m.xlsx", [
        ["KRA", 2022, "A", None, None, None], ["KRA", 2022, "B", None, None, "N/A"], ["KRA", 2022, "C", None, None, "NA"],
        ["KRA", 2022, "D", None, None, "LNE"], ["KRA", 2022, "E", None, None, "-"], ["KRA", 2022, "F", None, None, "#DIV/0!"],
        ["KRA", 2022, "G", None, None, "#VALUE!"], ["KRA", 2022, "H", None, None, 50]])
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert (result.status, result.rows_loaded, result.rows_missing, result.errors) == ("loaded", 1, 7, [])
    # openpyxl writes '#DIV/0!' as a real error cell (t="e"): read from the sheet XML, not as a blank.
    assert result.missing_reasons == {
        "blank": 1, "not applicable (N/A)": 1, "not available (NA)": 1, "low numbers excluded (LNE)": 1,
        "no value (-)": 1, "spreadsheet error #DIV/0!": 1, "spreadsheet error #VALUE!": 1}
    assert result.cells == {"read": 8, "loaded": 1, "suppressed": 0, "missing": 7, "reported": 0}


def with_sheet_xml(path: Path, change) -> Path:
    target = path.with_name("f_" + path.name)
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return target


def test_formulas_use_their_saved_value_and_one_without_is_an_error_naming_the_cell(catalog_db, tmp_path):
    book = data_workbook(tmp_path / "f.xlsx", [["KRA", 2022, "A", None, None, 1], ["KRA", 2022, "B", None, None, 2]])
    # Cell F2 becomes =40 with the saved result 40; F3 becomes a formula Excel never calculated.
    saved = with_sheet_xml(book, lambda xml: xml.replace(b'<c r="F2" t="n"><v>1</v></c>', b'<c r="F2"><f>20*2</f><v>40</v></c>')
                           .replace(b'<c r="F3" t="n"><v>2</v></c>', b'<c r="F3"><f>F2/0</f></c>'))
    assert b"<f>F2/0</f>" in zipfile.ZipFile(saved).read("xl/worksheets/sheet1.xml")
    result = ingest_file(saved, "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("Data", 3, "value")]
    assert "formula with no saved result" in result.errors[0].message
    fixed = with_sheet_xml(book, lambda xml: xml.replace(b'<c r="F2" t="n"><v>1</v></c>', b'<c r="F2"><f>20*2</f><v>40</v></c>'))
    assert ingest_file(fixed, "SCHOOLS", db=catalog_db).status == "loaded"
    assert rows_of(catalog_db)["A"][0] == 40


@pytest.mark.parametrize(("written", "label", "start", "end"), [
    (2019, "2019", date(2019, 1, 1), date(2019, 12, 31)),
    ("2019-20", "2019-20", date(2019, 7, 1), date(2020, 6, 30)),
    ("2019-2020", "2019-20", date(2019, 7, 1), date(2020, 6, 30)),
    ("SY 2019-20", "2019-20", date(2019, 7, 1), date(2020, 6, 30)),
    ("FY2020", "FY2020", date(2019, 7, 1), date(2020, 6, 30)),
    ("2019 Q3", "2019 Q3", date(2019, 7, 1), date(2019, 9, 30)),
    ("2015-2019", "2015-2019", date(2015, 1, 1), date(2019, 12, 31)),
    (datetime(2019, 7, 1), "2019-07-01", date(2019, 7, 1), date(2019, 7, 1)),
])
def test_every_period_form_has_a_start_an_end_and_a_label(catalog_db, tmp_path, written, label, start, end):
    result = ingest_file(data_workbook(tmp_path / "p.xlsx", [["KRA", written, "A", None, None, 40]]), "SCHOOLS", db=catalog_db)
    assert result.status == "loaded", result.errors
    assert rows_of(catalog_db)["A"][3:] == (label, start, end)
