"""An untrusted workbook -> one grid of text cells per sheet (Arrow), positioned exactly as in the spreadsheet.

fastexcel (calamine inside) reads every cell as text straight into Arrow, about twice as fast as building Python
objects and nothing is coerced away: a '*' or 'N/A' in a number column stays what it is. Numbers come back as Excel
shows them (up to 15 significant digits), dates as 'YYYY-MM-DD HH:MM:SS'. For .xlsx, error cells, formulas with no
saved value, % formats and merged header cells come from the sheet XML (xlsxparts).
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from backbone.errors import BackboneError
from backbone.intake.reader import xlsxparts
from backbone.intake.reader.workbook import read_csv_rows, sniff

# fastexcel's names for spreadsheet errors -> what the sheet shows.
_ERROR_CODES = {"Div0": "#DIV/0!", "NA": "#N/A", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?", "Num": "#NUM!",
                "Null": "#NULL!", "GettingData": "#GETTING_DATA"}


@dataclass
class Grid:
    """One sheet: column j is spreadsheet column j (A = 0), row i is spreadsheet row i + 1; every cell text or null."""

    name: str
    table: pa.Table
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def height(self) -> int:
        return self.table.num_rows

    @property
    def width(self) -> int:
        return self.table.num_columns

    def head(self, count: int) -> list[list[str | None]]:
        """The first `count` rows as lists of cells."""
        return self.rows(0, count)

    def rows(self, start: int, count: int) -> list[list[str | None]]:
        """`count` rows from 0-based row `start` as lists of cells."""
        part = self.table.slice(start, max(count, 0))
        columns = [part.column(j).to_pylist() for j in range(part.num_columns)]
        return [[column[i] for column in columns] for i in range(part.num_rows)]


def read_grids(path: Path, limits: dict[str, int], fork_scan: bool = False) -> list[Grid]:
    """Every sheet of an untrusted file as a Grid; refusals (BackboneError) in plain words.

    `fork_scan` (the sandboxed child only) scans the .xlsx XML in a forked process while fastexcel parses: a thread
    saves nothing (fastexcel holds the GIL), a second process saves the scan's ~0.3 s on 200,000 rows.
    """
    kind = sniff(path, limits)
    if kind == "csv":
        return [_grid_from_rows(path.stem, read_csv_rows(path), limits)]
    import fastexcel  # imported here: only the sandboxed child needs it

    extras: dict[str, xlsxparts.SheetExtras] = {}
    pending = None
    if kind == "xlsx":
        parts, percent = xlsxparts.precheck(path, limits)  # refusals first: cheap, and before any parser runs
        if fork_scan:
            pending = _fork(_xlsx_scan, path, parts, percent, limits)
        else:
            extras = _xlsx_scan(path, parts, percent, limits)
    try:
        # fastexcel picks the format by the file's extension; given the bytes it looks at the content instead, which
        # is what decides here (an .ods saved as .xlsx, an .xls named .Xls or .XLS).
        same_name = path.suffix.lower() == f".{kind}"
        reader = fastexcel.read_excel(str(path) if same_name else path.read_bytes())
        loaded = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            if sheet.height > limits["MAX_ROWS"] or sheet.width > limits["MAX_COLUMNS"]:
                xlsxparts.check_used_range_numbers(sheet.height, sheet.width, name, path.name, limits)
            batch, errors = sheet.to_arrow_with_errors()
            loaded.append((name, batch, errors, min((c.absolute_index for c in sheet.available_columns()), default=0)))
        if pending is not None:
            extras, pending = _join(pending), None
        grids = []
        for name, batch, errors, offset in loaded:
            sheet_extras = extras.get(name) or xlsxparts.SheetExtras()
            # Error cells (#DIV/0!, #VALUE!...) come back as nulls plus a list of "errors": write their text back, so
            # they are counted as missing with their reason rather than as blanks (works for .xlsx, .xls and .ods).
            for error in errors.errors if errors else []:
                code = _ERROR_CODES.get(error.detail.rsplit("Error(", 1)[-1].rstrip(")'"))
                if code:
                    sheet_extras.overrides.setdefault((error.position[0], error.position[1] + offset), code)
            grids.append(_place(name, pa.Table.from_batches([batch]), offset, sheet_extras))
        return grids
    except BackboneError:
        raise
    except Exception as exc:  # fastexcel raises its own types for damaged files
        raise BackboneError(f"'{path.name}' could not be read as a {kind} workbook ({exc}). Save it again from Excel.") from exc


def _fork(function, *args) -> tuple[int, int]:
    """Run function(*args) in a forked process; its result (or BackboneError) comes back through a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked scanner (the sandboxed child is single-threaded here, so forking is safe)
        try:
            os.close(read_end)
            try:
                payload = ("ok", function(*args))
            except BackboneError as exc:
                payload = ("refused", str(exc))
            except Exception:  # noqa: BLE001 - a scan that fails leaves the grids as fastexcel read them
                payload = ("ok", {})
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(payload))
        finally:
            os._exit(0)  # never return into the caller's code
    os.close(write_end)
    return pid, read_end


def _join(pending: tuple[int, int]) -> dict:
    pid, read_end = pending
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    if not data:
        return {}  # the scanner died (memory limit): the grids stand without extras
    status, payload = pickle.loads(data)
    if status == "refused":
        raise BackboneError(payload)
    return payload


def _xlsx_scan(path: Path, parts: dict[str, str], percent: set[int], limits: dict[str, int]) -> dict[str, xlsxparts.SheetExtras]:
    with zipfile.ZipFile(path) as archive:
        return {sheet: xlsxparts.scan_sheet(archive.read(part), percent, sheet, path.name, limits)
                for sheet, part in parts.items()}


def _place(name: str, table: pa.Table, offset: int, extras: xlsxparts.SheetExtras | None) -> Grid:
    """Pad leading empty columns so column indexes are the spreadsheet's; write error / formula cells back in."""
    columns = [pa.nulls(table.num_rows, pa.string())] * offset + [table.column(j).combine_chunks() for j in range(table.num_columns)]
    if extras and extras.overrides:
        patched: dict[int, list] = {}
        for (row, col), text in extras.overrides.items():
            if row >= table.num_rows or col >= len(columns):
                continue
            if col not in patched:
                patched[col] = columns[col].to_pylist()
            patched[col][row] = text
        for col, values in patched.items():
            columns[col] = pa.array(values, pa.string())
    names = [f"c{j}" for j in range(len(columns))]
    grid = Grid(name, pa.table(columns, names=names) if columns else pa.table({}))
    if extras:
        grid.percent_cells, grid.merges = extras.percent_cells, extras.merges
    return grid


def _grid_from_rows(name: str, rows: list[list[str]], limits: dict[str, int]) -> Grid:
    width = max((len(r) for r in rows), default=0)
    if len(rows) > limits["MAX_ROWS"] or width > limits["MAX_COLUMNS"]:
        xlsxparts.check_used_range_numbers(len(rows), width, name, name, limits)
    columns = [pa.array([(r[j] if j < len(r) and r[j] != "" else None) for r in rows], pa.string()) for j in range(width)]
    return Grid(name, pa.table(columns, names=[f"c{j}" for j in range(width)]) if columns else pa.table({}))
