"""Hostile files, generated here at run time: each refused in plain words, quickly, without hurting the app process."""

from __future__ import annotations

import os
import re
import resource
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from backbone.errors import BackboneError
from backbone.intake.ingest import ingest_file
from backbone.intake.reader import sandbox
from backbone.intake.reader.sandbox import read_untrusted
from backbone.intake.reader.workbook import limits_help, read_limits
from tests.workbooks import data_workbook

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rewrite_part(source: Path, target: Path, part: str, change) -> Path:
    """Copy an .xlsx, passing one part's bytes through `change` (and optionally adding parts)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, change(data) if info.filename == part else data)
    return target


def good_book(tmp_path: Path) -> Path:
    return data_workbook(tmp_path / "good.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]])


def zip_bomb(tmp_path: Path) -> Path:
    # 60 MB of one repeated row compresses to ~60 KB: far beyond the 200x unpack ratio of any real workbook.
    filler = b"<row><c><v>1</v></c></row>" * 2_300_000
    return rewrite_part(good_book(tmp_path), tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml",
                        lambda data: data.replace(b"</sheetData>", filler + b"</sheetData>"))


def far_cell(tmp_path: Path) -> Path:
    book = Workbook()
    book.active["A1"] = "metric"
    book.active["XFD1048576"] = 1
    book.save(tmp_path / "far.xlsx")
    return tmp_path / "far.xlsx"


def far_cell_undeclared(tmp_path: Path) -> Path:
    # No <dimension> and the last row under the row limit: only the sandbox stands between calamine and the app.
    source = far_cell(tmp_path)
    return rewrite_part(source, tmp_path / "far2.xlsx", "xl/worksheets/sheet1.xml",
                        lambda data: re.sub(rb"<dimension [^>]*/>", b"", data).replace(b"XFD1048576", b"XFD999999")
                        .replace(b'r="1048576"', b'r="999999"'))


def macros(tmp_path: Path) -> Path:
    target = tmp_path / "macros.xlsm"
    rewrite_part(good_book(tmp_path), target, "", lambda data: data)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 64)
    return target


def macro_content_type(tmp_path: Path) -> Path:
    # An .xlsm whose macro part is gone still declares itself macro-enabled.
    return rewrite_part(good_book(tmp_path), tmp_path / "book.xlsm", "[Content_Types].xml",
                        lambda data: data.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"))


def password(tmp_path: Path) -> Path:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(OLE2_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024)
    return path


def entities(tmp_path: Path) -> Path:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
           b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    return rewrite_part(good_book(tmp_path), tmp_path / "laughs.xlsx", "xl/workbook.xml",
                        lambda data: lol + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data))


def picture(tmp_path: Path) -> Path:
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    return path


def word_document(tmp_path: Path) -> Path:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    return path


HOSTILE = [
    (zip_bomb, "zip bomb"),
    (far_cell, "1,048,576 rows x 16,384 columns"),
    (far_cell_undeclared, "could not be read safely"),
    (macros, "contains macros"),
    (macro_content_type, "contains macros"),
    (password, "protected with a password"),
    (entities, "XML entity declarations"),
    (picture, "is not a spreadsheet"),
    (word_document, "is not a spreadsheet"),
]


@pytest.mark.parametrize(("make", "words"), HOSTILE, ids=[make.__name__ for make, _ in HOSTILE])
def test_each_hostile_file_is_refused_with_its_own_message(catalog_db, tmp_path, make, words):
    path = make(tmp_path)
    before_rss, before_peak = rss_mb(), peak_mb()
    started = time.perf_counter()
    result = ingest_file(path, "SCHOOLS", db=catalog_db)
    elapsed = time.perf_counter() - started
    assert result.status == "rejected"
    assert len(result.errors) == 1 and words in result.errors[0].message, result.errors
    assert result.errors[0].sheet == "(whole file)"
    assert elapsed < 2, f"{elapsed:.2f} s"
    # The app process is alive (we are it) and its memory did not grow by more than 200 MB.
    assert rss_mb() - before_rss < 200
    assert peak_mb() - before_peak < 200
    os.kill(os.getpid(), 0)


def test_a_good_file_still_loads_after_the_hostile_ones(catalog_db, tmp_path):
    assert ingest_file(good_book(tmp_path), "SCHOOLS", db=catalog_db).status == "loaded"


def test_limits_are_settings(tmp_path, monkeypatch):
    book = data_workbook(tmp_path / "rows.xlsx", [["KRA", 2000 + i, "North", None, None, 40] for i in range(30)])
    monkeypatch.setenv("BACKBONE_MAX_ROWS", "10")
    assert read_limits()["MAX_ROWS"] == 10
    assert "up to 50 MB" in limits_help() and "10 rows" in limits_help()
    with pytest.raises(BackboneError, match="31 rows"):
        read_untrusted(book)
    monkeypatch.setenv("BACKBONE_MAX_FILE_MB", "0")
    with pytest.raises(BackboneError, match="more than Backbone accepts"):
        read_untrusted(book)


def test_the_reader_started_ahead_reads_once_and_a_dead_one_is_replaced(tmp_path):
    book = good_book(tmp_path)
    sandbox.prepare(wait=True)
    waiting = sandbox._spare
    assert read_untrusted(book)[0].head(2)[1][:3] == ["KRA", "2022", "North"]
    assert waiting.wait(timeout=5) == 0  # it read this file and exited: a child never reads a second file
    sandbox.prepare()
    os.kill(sandbox._spare.pid, 9)  # the waiting reader died (killed, out of memory): the next read starts its own
    time.sleep(0.2)
    assert read_untrusted(book)[0].head(2)[1][:3] == ["KRA", "2022", "North"]
    sandbox.prepare(wait=True)  # a reader waiting for a hostile file is refused in the same plain words
    with pytest.raises(BackboneError, match="could not be read safely"):
        read_untrusted(far_cell_undeclared(tmp_path))


def test_a_file_read_ahead_is_read_by_that_reader_and_read_again_once_saved_again(tmp_path):
    book = good_book(tmp_path)
    sandbox.read_ahead(book)  # as the command line does, before it has imported what checks the file
    (ahead,) = [child for child, *_ in sandbox._ahead.values()]
    assert read_untrusted(book)[0].head(2)[1][:3] == ["KRA", "2022", "North"]
    assert ahead.returncode == 0 and not sandbox._ahead  # the read took that reader's result, and it has exited
    sandbox.read_ahead(book)
    data_workbook(book, [["KRA", 2023, "South", None, None, 41, 41, 100], ["KRA", 2024, "South", None, None, 42, 42, 100]])
    # Saved again in between: what was read ahead is stale, so the file is read as it is now.
    assert [row[:3] for row in read_untrusted(book)[0].head(3)[1:]] == [["KRA", "2023", "South"], ["KRA", "2024", "South"]]


def test_a_read_ahead_that_no_read_takes_is_ended(tmp_path):
    sandbox.read_ahead(good_book(tmp_path))
    (ahead,) = [child for child, *_ in sandbox._ahead.values()]
    sandbox.end_reads_ahead()
    assert ahead.returncode is not None and not sandbox._ahead


def test_a_reader_that_runs_too_long_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKBONE_READ_TIMEOUT_S", "0")
    with pytest.raises(BackboneError, match="took longer than 0 seconds"):
        read_untrusted(good_book(tmp_path))


def test_a_hostile_catalog_workbook_cannot_take_the_app_down_either(catalog_db, tmp_path):
    from backbone.intake.catalog_workbook import load_catalog_workbook

    with pytest.raises(BackboneError, match="could not be read safely"):
        load_catalog_workbook(far_cell_undeclared(tmp_path), db=catalog_db)
    with pytest.raises(BackboneError, match="zip bomb"):
        load_catalog_workbook(zip_bomb(tmp_path), db=catalog_db)
