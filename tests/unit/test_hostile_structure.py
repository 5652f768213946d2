"""Files built to hold the server: patterns that backtrack, structure that costs the app's own process, values from
other programs, numbers no count can be, staged files left behind. Each is answered quickly and in plain words, and
nothing of its read is left running."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from backbone.intake.ingest import ingest_file
from backbone.intake.reader import sandbox
from tests.processes import sandbox_readers
from tests.unit.test_reader_hostile import good_book, rewrite_part
from tests.workbooks import data_workbook

SHEET = "xl/worksheets/sheet1.xml"


def readers_running() -> set[int]:
    """Processes running the sandboxed reader for this test."""
    return sandbox_readers(os.environ["BACKBONE_UPLOADS"])


def regex_bomb(tmp_path: Path) -> Path:
    # An XML comment holding an unclosed cell tag 6,000 times, and a formula in the sheet data: a scan that retries an
    # open-ended pattern from every '<c' runs for minutes on these 2 KB.
    comment = b"<!--" + b'<c r="A1" ' * 6000 + b"-->"
    return rewrite_part(good_book(tmp_path), tmp_path / "regex-bomb.xlsx", SHEET,
                        lambda data: data.replace(b"<sheetData>", b"<sheetData>" + comment + b"<f"))


def merge_bomb(tmp_path: Path) -> Path:
    # 20,000 copies of one merged range 1,000 columns wide over the header rows: 12 KB that kept header finding (in the
    # app's own process) busy for minutes.
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet["A1"], sheet["ALL1"] = "metric", "note"
    book.save(tmp_path / "wide.xlsx")
    merges = b'<mergeCells count="20000">' + b'<mergeCell ref="A1:ALL40"/>' * 20000 + b"</mergeCells>"
    return rewrite_part(tmp_path / "wide.xlsx", tmp_path / "merge-bomb.xlsx", SHEET,
                        lambda data: data.replace(b"</sheetData>", b"</sheetData>" + merges))


@pytest.mark.parametrize(("make", "words"), [(regex_bomb, "contains XML comments"), (merge_bomb, "overlap or repeat")],
                         ids=["regex_bomb", "merge_bomb"])
def test_a_file_built_to_hold_the_server_is_answered_in_seconds_and_leaves_nothing_running(catalog_db, tmp_path, make, words):
    path = make(tmp_path)
    assert path.stat().st_size < 15_000
    before = readers_running()
    started = time.perf_counter()
    result = ingest_file(path, "SCHOOLS", db=catalog_db)
    assert time.perf_counter() - started < 5
    assert result.status == "rejected" and any(words in e.message for e in result.errors), result.errors
    time.sleep(0.3)
    assert readers_running() - before == set()


def test_at_the_deadline_the_whole_read_is_stopped_scanner_and_all(db, tmp_path, monkeypatch):
    # 300,000 formula cells: the forked scanner is still at work when the one-second deadline comes.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(["metric", "period", "geography", "dimension", "group", "value"])
    for i in range(150_000):
        sheet.append(["KRA", 2022, f"Place {i}", None, None, f"={i}+1"])
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    monkeypatch.setenv("BACKBONE_READ_TIMEOUT_S", "1")
    before = readers_running()
    with pytest.raises(Exception, match="took longer than 1 seconds"):
        sandbox.read_untrusted(path)
    time.sleep(0.3)
    assert readers_running() - before == set()


def external_link(tmp_path: Path) -> Path:
    path = rewrite_part(good_book(tmp_path), tmp_path / "linked.xlsx", "", lambda data: data)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/externalLinks/externalLink1.xml",
                         '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         '<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships"/></externalLink>')
        archive.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships/externalLinkPath" Target="file:///C:/Budget/Enrollment%202023.xlsx" '
                         'TargetMode="External"/></Relationships>')
    return path


def dde_link(tmp_path: Path) -> Path:
    path = rewrite_part(good_book(tmp_path), tmp_path / "dde-link.xlsx", "", lambda data: data)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/externalLinks/externalLink1.xml",
                         '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         '<ddeLink ddeService="cmd" ddeTopic=" /C calc"/></externalLink>')
    return path


def dde_formula(tmp_path: Path) -> Path:
    # The cached value 40 would load silently as the partner's number.
    return rewrite_part(good_book(tmp_path), tmp_path / "dde-formula.xlsx", SHEET,
                        lambda data: data.replace(b"<v>40</v>", b"<f>cmd|' /C calc'!A0</f><v>40</v>", 1))


@pytest.mark.parametrize(("make", "words"), [
    (external_link, "a link to 'file:///C:/Budget/Enrollment%202023.xlsx'"),
    (dde_link, "a DDE link to the program 'cmd'"),
    (dde_formula, "on sheet 'Data' is a DDE formula (cmd|' /C calc'!A0)"),
], ids=["external_link", "dde_link", "dde_formula"])
def test_values_from_other_files_or_programs_are_refused_naming_the_link(catalog_db, tmp_path, make, words):
    result = ingest_file(make(tmp_path), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert any(words in e.message for e in result.errors), result.errors


def test_a_good_workbook_with_a_formula_and_its_saved_value_still_loads(catalog_db, tmp_path):
    path = rewrite_part(good_book(tmp_path), tmp_path / "formula.xlsx", SHEET,
                        lambda data: data.replace(b"<v>40</v>", b"<f>20*2</f><v>40</v>", 1))
    assert ingest_file(path, "SCHOOLS", db=catalog_db).status == "loaded"


def test_merged_header_cells_are_still_read_as_one_label(catalog_db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["metric", "period", "geography", "Ready", None])
    sheet.append([None, None, None, "Percent", "Count"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("C1:C2")
    sheet.append(["KRA", 2022, "North", 40, 40])
    book.save(tmp_path / "merged.xlsx")
    result = ingest_file(tmp_path / "merged.xlsx", "SCHOOLS", db=catalog_db, dry_run=True)
    assert result.status == "dry-run", result.errors
    assert os.path.exists(tmp_path / "merged.xlsx")


def test_a_count_no_community_can_hold_is_refused_where_it_stands(catalog_db, tmp_path, monkeypatch):
    # 1e308 from each of two partners made the community's total infinite, and its status "better".
    rows = [["Children served", 2023, "North", None, None, 1e308], ["Children served", 2023, "South", None, None, 40],
            ["Kindergarten readiness", 2023, "North", None, None, None, 40, 2e12]]
    result = ingest_file(data_workbook(tmp_path / "huge.xlsx", rows), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    found = {(e.sheet, e.row, e.column): e.message for e in result.errors}
    assert "BACKBONE_MAX_VALUE_COUNT" in found[("Data", 2, "value")]
    assert "1e+308 is beyond any count" in found[("Data", 2, "value")]
    assert "more people than any denominator can count" in found[("Data", 4, "denominator")]
    monkeypatch.setenv("BACKBONE_MAX_VALUE_COUNT", "30")
    result = ingest_file(data_workbook(tmp_path / "small.xlsx", rows[1:2]), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected" and "up to 30" in result.errors[0].message


def test_text_that_reads_as_infinity_is_not_a_number(catalog_db, tmp_path):
    rows = [["Children served", 2023, "North", None, None, "inf"], ["Children served", 2023, "South", None, None, "NaN"]]
    result = ingest_file(data_workbook(tmp_path / "inf.xlsx", rows), "SCHOOLS", db=catalog_db)
    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(2, "value"), (3, "value")]


def test_a_staged_file_is_gone_when_its_check_ends_and_messages_name_the_partners_file(catalog_db, tmp_path):
    from backbone.intake.staging import staged

    incoming = Path(os.environ["BACKBONE_UPLOADS"]) / "incoming"
    with staged(merge_bomb(tmp_path).read_bytes(), "Our enrolment.xlsx", catalog_db) as path:
        result = ingest_file(path, "SCHOOLS", original_name="Our enrolment.xlsx", db=catalog_db)
    assert list(incoming.iterdir()) == []
    message = result.errors[0].message
    assert "'Our enrolment.xlsx'" in message
    assert path.name not in message and str(path.parent) not in message and "/" not in message.split("sheet")[0]


def test_the_start_up_sweep_removes_what_a_killed_process_left_and_nothing_else(catalog_db, tmp_path):
    from backbone.intake.staging import stage_upload, sweep
    from backbone.store import database

    kept = ingest_file(good_book(tmp_path), "SCHOOLS", db=catalog_db)
    uploads = Path(os.environ["BACKBONE_UPLOADS"])
    original = Path(database.query("SELECT stored_path FROM uploads WHERE upload_id = ?", [kept.upload_id],
                                   path=catalog_db).stored_path[0])
    left = stage_upload(b"PK hostile", "x.xlsx", catalog_db)  # a check killed before it ended
    orphan = uploads / "0123456789abcdef.xlsx"  # a load killed between copying its original and COMMIT
    orphan.write_bytes(b"PK")
    fresh = stage_upload(b"PK", "y.xlsx", catalog_db)  # another process's check, still running
    old = time.time() - 7200
    for path in (left, orphan, original):
        os.utime(path, (old, old))
    assert sweep(catalog_db) == 2
    assert not left.exists() and not orphan.exists()
    assert original.exists() and fresh.exists()


def test_a_backup_carries_no_staged_file(catalog_db, tmp_path):
    from backbone.intake.staging import stage_upload
    from backbone.store.export import backup

    ingest_file(good_book(tmp_path), "SCHOOLS", db=catalog_db)
    stage_upload(b"PK hostile", "x.xlsx", catalog_db)
    backup(tmp_path / "backup", catalog_db)
    assert not (tmp_path / "backup" / "uploads" / "incoming").exists()
    assert len(list((tmp_path / "backup" / "uploads").glob("*.xlsx"))) == 1
