"""The command line beside a running app, and workbooks the app writes: nothing from outside runs as a formula."""

from __future__ import annotations

import subprocess
import sys

from openpyxl import load_workbook

from backbone.config import PROJECT_ROOT
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.template import write_template
from backbone.store import database
from backbone.text import neutralise_formulas
from tests.workbooks import METRICS_HEADER, metric_row, write_workbook

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def test_the_command_line_says_the_store_is_in_use_with_its_own_exit_code(db):
    database.connect(db)
    database.close_all()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; held = duckdb.connect({db!r}); print('open', flush=True);"
                               " time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        done = subprocess.run([sys.executable, "-m", "backbone", "--db", db, "uploads"], capture_output=True, text=True,
                              cwd=PROJECT_ROOT, timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert "is open in another program" in done.stderr and f"(process {holder.pid})" in done.stderr
    assert "Backup button on the Data and history page" in done.stderr


def test_the_template_written_from_the_catalog_carries_no_formula(db, tmp_path):
    rows = [metric_row(f"m{i}", name, "count", aliases=name, definition=name) for i, name in enumerate(HOSTILE_NAMES)]
    source = write_workbook(tmp_path / "catalog.xlsx", {
        "Metrics": [METRICS_HEADER, *rows], "Partners": [["code", "name", "sector", "contact"], ["P", "P", "x", "y"]]})
    book = load_workbook(source)
    neutralise_formulas(book)  # the catalog's author typed these names as text
    book.save(source)
    loaded = load_catalog_workbook(source, db=db)
    assert loaded.errors == []
    book = load_workbook(write_template(tmp_path / "template.xlsx", db))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = {cell.value for cell in book["Metrics"]["B"][1:]}
    assert set(HOSTILE_NAMES) <= names  # shown exactly as the catalog has them, as text
