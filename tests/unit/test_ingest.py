"""Loading partner workbooks: all or nothing, duplicates, replacement, undo, and every validation rule."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from backbone.errors import BackboneError
from backbone.intake import ingest
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.intake.reader.sandbox import read_untrusted
from backbone.store import database
from backbone.store.export import TABLES
from tests.workbooks import data_workbook, write_workbook


def snapshot(db: str) -> dict[str, list]:
    """Every row of every table, to prove that something wrote nothing."""
    cur = database.cursor(db)
    return {table: sorted(map(repr, cur.execute(f"SELECT * FROM {table}").fetchall())) for table in TABLES}


def current_values(db: str) -> dict:
    rows = database.cursor(db).execute(
        "SELECT partner_code, metric_code, period_label, geography, group_value, value FROM current_observations").fetchall()
    return {tuple(r[:5]): r[5] for r in rows}


def test_a_clean_workbook_loads_and_keeps_the_original(catalog_db, tmp_path):
    book = data_workbook(tmp_path / "schools.xlsx", [
        ["Kindergarten readiness", 2022, "North", None, None, 40, 40, 100, "spring test"],
        ["KRA", "2022-23", "North", "Race/ethnicity", "Hispanic", None, 12, 30],
        ["children_served", 2022, None, None, None, "1,234"],
    ])
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert (result.status, result.rows_loaded, result.rows_new) == ("loaded", 3, 3)
    values = current_values(catalog_db)
    assert values[("SCHOOLS", "kindergarten_readiness", "2022", "North", "All")] == 40
    assert values[("SCHOOLS", "kindergarten_readiness", "2022-23", "North", "Hispanic")] == pytest.approx(40.0)  # 12/30
    assert values[("SCHOOLS", "children_served", "2022", "Community", "All")] == 1234
    upload = database.cursor(catalog_db).execute("SELECT stored_path, sha256, file_name FROM uploads WHERE kind='partner'").fetchone()
    assert upload[2] == "schools.xlsx"
    kept = tmp_path / "uploads" / (result.upload_id + ".xlsx")
    assert upload[0] == str(kept) and kept.read_bytes() == book.read_bytes()


def test_same_file_again_is_a_duplicate_and_changes_nothing(catalog_db, tmp_path):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]])
    first = ingest_file(book, "SCHOOLS", db=catalog_db)
    before = snapshot(catalog_db)
    again = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert (again.status, again.duplicate_of) == ("duplicate", first.upload_id)
    assert snapshot(catalog_db) == before


def test_a_corrected_workbook_replaces_values_and_undo_restores_them(catalog_db, tmp_path):
    key = ("SCHOOLS", "kindergarten_readiness", "2022", "North", "All")
    first = ingest_file(data_workbook(tmp_path / "v1.xlsx", [
        ["KRA", 2022, "North", None, None, 40, 40, 100], ["KRA", 2021, "North", None, None, 38, 38, 100]]), "SCHOOLS", db=catalog_db)
    fix = ingest_file(data_workbook(tmp_path / "v2.xlsx", [
        ["KRA", 2022, "North", None, None, 45, 45, 100], ["KRA", 2021, "North", None, None, 38, 38, 100],
        ["KRA", 2020, "North", None, None, 30, 30, 100]]), "SCHOOLS", db=catalog_db)
    assert (fix.rows_new, fix.rows_changed, fix.rows_unchanged) == (1, 1, 1)
    assert current_values(catalog_db)[key] == 45
    replaced = database.cursor(catalog_db).execute("SELECT replaced_uploads FROM uploads WHERE upload_id = ?", [fix.upload_id]).fetchone()
    assert replaced == (first.upload_id,)
    # the replaced value stays in history
    history = database.cursor(catalog_db).execute("SELECT value FROM observations WHERE period_label = '2022' ORDER BY value").fetchall()
    assert history == [(40.0,), (45.0,)]
    undone = undo_upload(fix.upload_id, db=catalog_db)
    assert undone["rows_restored"] == 2
    values = current_values(catalog_db)
    assert values[key] == 40
    assert ("SCHOOLS", "kindergarten_readiness", "2020", "North", "All") not in values
    with pytest.raises(BackboneError, match="already undone"):
        undo_upload(fix.upload_id, db=catalog_db)


def test_an_undone_file_can_be_loaded_again(catalog_db, tmp_path):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]])
    first = ingest_file(book, "SCHOOLS", db=catalog_db)
    undo_upload(first.upload_id, db=catalog_db)
    assert ingest_file(book, "SCHOOLS", db=catalog_db).status == "loaded"


def test_a_dry_run_counts_changes_and_writes_nothing(catalog_db, tmp_path):
    ingest_file(data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]]), "SCHOOLS", db=catalog_db)
    before = snapshot(catalog_db)
    result = ingest_file(data_workbook(tmp_path / "b.xlsx", [
        ["KRA", 2022, "North", None, None, 41, 41, 100], ["KRA", 2023, "North", None, None, 42, 42, 100]]),
        "SCHOOLS", dry_run=True, db=catalog_db)
    assert (result.status, result.rows_new, result.rows_changed, result.rows_unchanged) == ("dry-run", 1, 1, 0)
    assert snapshot(catalog_db) == before


def test_a_load_after_its_dry_run_reads_the_file_again_only_if_something_changed(catalog_db, tmp_path, monkeypatch):
    reads = []

    def counted(path: Path, **options) -> list:
        reads.append(path)
        return read_untrusted(path, **options)

    monkeypatch.setattr(ingest, "read_untrusted", counted)
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]])
    dry = ingest_file(book, "SCHOOLS", dry_run=True, db=catalog_db)
    loaded = ingest_file(book, "SCHOOLS", db=catalog_db, checked_before=dry)
    assert (loaded.status, loaded.rows_loaded, len(reads)) == ("loaded", 1, 1)  # the Load button reads nothing twice
    assert current_values(catalog_db)[("SCHOOLS", "kindergarten_readiness", "2022", "North", "All")] == 40

    # The file changed on disk since its dry run: read again.
    book = data_workbook(tmp_path / "b.xlsx", [["KRA", 2023, "North", None, None, 41, 41, 100]])
    dry = ingest_file(book, "SCHOOLS", dry_run=True, db=catalog_db)
    data_workbook(book, [["KRA", 2023, "North", None, None, 45, 45, 100]])
    assert ingest_file(book, "SCHOOLS", db=catalog_db, checked_before=dry).status == "loaded"
    assert len(reads) == 3 and current_values(catalog_db)[("SCHOOLS", "kindergarten_readiness", "2023", "North", "All")] == 45

    # The catalog changed since the dry run (the alias 'KRA' was dropped): checked again, against the catalog of now.
    book = data_workbook(tmp_path / "c.xlsx", [["KRA", 2024, "North", None, None, 42, 42, 100]])
    dry = ingest_file(book, "SCHOOLS", dry_run=True, db=catalog_db)
    assert dry.errors == []
    database.cursor(catalog_db).execute("DELETE FROM metric_aliases WHERE lower(alias) = 'kra'")
    again = ingest_file(book, "SCHOOLS", db=catalog_db, checked_before=dry)
    assert again.status == "rejected" and "unknown metric 'KRA'" in again.errors[0].message and len(reads) == 5


def test_one_bad_row_rejects_the_whole_workbook(catalog_db, tmp_path):
    before = snapshot(catalog_db)
    result = ingest_file(data_workbook(tmp_path / "a.xlsx", [
        ["KRA", 2022, "North", None, None, 40, 40, 100],
        ["KRA", 2022, "South", None, None, 55, 60, 50],
    ]), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("Data", 3, "numerator")]
    assert "greater than denominator" in result.errors[0].message
    assert snapshot(catalog_db) == before
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_a_crash_midway_leaves_the_store_exactly_as_it_was(catalog_db, tmp_path, monkeypatch):
    ingest_file(data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]]), "SCHOOLS", db=catalog_db)
    before = snapshot(catalog_db)

    kept_before = sorted((tmp_path / "uploads").iterdir())

    def disk_full(source, destination, **kwargs):
        Path(destination).write_bytes(Path(source).read_bytes()[:100])  # half a copy, then the disk is full
        raise OSError("No space left on device")

    # The original is copied after the rows are inserted and before COMMIT: fail there.
    monkeypatch.setattr(shutil, "copyfile", disk_full)
    with pytest.raises(OSError):
        ingest_file(data_workbook(tmp_path / "b.xlsx", [["KRA", 2023, "North", None, None, 50, 50, 100]]), "SCHOOLS", db=catalog_db)
    assert snapshot(catalog_db) == before
    # Nor is half a copy left behind among the kept originals.
    assert sorted((tmp_path / "uploads").iterdir()) == kept_before


@pytest.mark.parametrize(("row", "column", "words"), [
    (["Kindergarten readines", 2022, None, None, None, 40], "metric", "did you mean 'Kindergarten readiness'?"),
    (["KRA", "last year", None, None, None, 40], "period", "'last year' is not a period"),
    (["KRA", 2022, None, None, None, 140], "value", "above 100"),
    (["children_served", 2022, None, None, None, -3], "value", "negative"),
    (["KRA", 2022, None, None, None, "lots"], "value", "'lots' is not a number"),
    # ('x' alone is the UK's suppression mark, so the garbage here is 'xx')
    (["KRA", 2022, None, None, None, 40, 50, "xx"], "denominator", "'xx' is not a number"),
    (["infant_mortality", 2022, None, None, None, 7, 12, 1000], None, None),  # a rate per 1,000 may exceed 100... and is fine
])
def test_each_rule_names_its_row_and_column(catalog_db, tmp_path, row, column, words):
    result = ingest_file(data_workbook(tmp_path / "a.xlsx", [row]), "SCHOOLS", db=catalog_db)
    if column is None:
        assert result.status == "loaded", result.errors
        return
    assert result.status == "rejected"
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("Data", 2, column)]
    assert words in result.errors[0].message


def test_the_same_key_twice_with_different_values_is_an_error(catalog_db, tmp_path):
    result = ingest_file(data_workbook(tmp_path / "a.xlsx", [
        ["KRA", 2022, "North", None, None, 40], ["Kindergarten readiness", "2022", "North", None, None, 41]]), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert (result.errors[0].row, result.errors[0].message[:40]) == (3, "the same metric, period, place and group")
    assert "row 2" in result.errors[0].message


def test_suppression_marks_are_kept_never_zero(catalog_db, tmp_path):
    result = ingest_file(data_workbook(tmp_path / "a.xlsx", [
        ["KRA", 2022, "North", "Race/ethnicity", "Asian", "*"], ["KRA", 2022, "North", "Race/ethnicity", "White", "<10"],
        ["KRA", 2022, "North", "Race/ethnicity", "Black", 0, 0, 25]]), "SCHOOLS", db=catalog_db)
    assert (result.status, result.rows_suppressed) == ("loaded", 2)
    rows = database.cursor(catalog_db).execute(
        "SELECT group_value, value, suppressed, suppression_mark FROM current_observations ORDER BY group_value").fetchall()
    assert rows == [("Asian", None, True, "*"), ("Black", 0.0, False, None), ("White", None, True, "<10")]


def test_missing_values_are_counted_with_reasons_not_errors(catalog_db, tmp_path):
    # CSV keeps "#DIV/0!" as text; in .xlsx the calamine reader turns error cells into blanks (see issue 3).
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("metric,period,geography,value\nKRA,2022,North,N/A\nKRA,2022,South,#DIV/0!\nKRA,2022,East,50\n")
    result = ingest_file(csv_file, "SCHOOLS", db=catalog_db)
    assert (result.status, result.rows_loaded, result.rows_missing) == ("loaded", 1, 2)
    assert result.missing_reasons == {"not applicable (N/A)": 1, "spreadsheet error #DIV/0!": 1}


def test_an_unknown_partner_is_refused(catalog_db, tmp_path):
    with pytest.raises(BackboneError, match="Unknown partner code 'NOBODY'"):
        ingest_file(data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40]]), "nobody", db=catalog_db)


def test_a_workbook_without_the_template_header_says_how_to_fix_it(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "odd.xlsx", {"Sheet1": [["School", "Score"], ["A", 3]]})
    result = ingest_file(book, "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert "Download the template" in result.errors[0].message
    # It says what it did read (a place and the one column of numbers) and what it still needs.
    assert result.sheets_skipped == {"Sheet1": "header row 1 read 'School' as geography, 'Score' as value, but no column "
                                               "or mapping gives the metric or the period (map a column, or name a "
                                               "constant such as {\"metric\": \"=...\"})"}


def test_two_uploads_at_the_same_moment_both_land(catalog_db, tmp_path):
    books = {
        "SCHOOLS": data_workbook(tmp_path / "s.xlsx", [["KRA", year, "North", None, None, 40, 40, 100] for year in range(2000, 2040)]),
        "CLINIC": data_workbook(tmp_path / "c.xlsx", [["KRA", year, "South", None, None, 30, 30, 100] for year in range(2000, 2040)]),
    }
    results, start = {}, threading.Barrier(2)

    def load(partner):
        start.wait()
        results[partner] = ingest_file(books[partner], partner, db=catalog_db)

    threads = [threading.Thread(target=load, args=(p,)) for p in books]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {p: r.status for p, r in results.items()} == {"SCHOOLS": "loaded", "CLINIC": "loaded"}
    counts = database.cursor(catalog_db).execute("SELECT partner_code, count(*) FROM current_observations GROUP BY 1 ORDER BY 1").fetchall()
    assert counts == [("CLINIC", 40), ("SCHOOLS", 40)]
    seqs = database.cursor(catalog_db).execute("SELECT load_seq FROM uploads ORDER BY load_seq").fetchall()
    assert len({s for (s,) in seqs}) == len(seqs)  # no two loads share a number
