"""Open an untrusted file by what its bytes are (not its name) and return every sheet as a grid of cells."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from backbone import config
from backbone.errors import BackboneError
from backbone.intake.reader import xlsxparts

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def read_limits() -> dict[str, int]:
    """Every reading limit, from the settings (config.READ_LIMIT_DEFAULTS)."""
    return {name: config.read_limit(name) for name in config.READ_LIMIT_DEFAULTS}


@dataclass
class Sheet:
    """One sheet: its name and its rows of raw cell values (row 0 is spreadsheet row 1)."""

    name: str
    rows: list[list[object]]


def sniff(path: Path, limits: dict[str, int] | None = None) -> str:
    """The file's real format: 'xlsx', 'xls', 'ods' or 'csv'; a clear refusal for anything else."""
    limits = limits or read_limits()
    size = path.stat().st_size
    if size > limits["MAX_FILE_MB"] * 1024 * 1024:
        raise BackboneError(
            f"'{path.name}' is {size / 1e6:,.0f} MB, more than Backbone accepts ({limits['MAX_FILE_MB']} MB). "
            "Save only the sheets with your data into a new workbook and upload that."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(path, limits)
    if head.startswith(OLE2_MAGIC):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise BackboneError(
                f"'{path.name}' is protected with a password. Open it in Excel, remove the password "
                "(File > Info > Protect Workbook), save it and upload it again."
            )
        if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
            raise BackboneError(f"'{path.name}' is not a spreadsheet (an Office file of another kind). "
                                "Upload an Excel workbook (.xlsx) or a CSV file.")
        if "_VBA_PROJECT".encode("utf-16-le") in data:
            raise BackboneError(
                f"'{path.name}' contains macros, which Backbone does not accept. Save it as "
                "'Excel Workbook (.xlsx)' (File > Save As) and upload that copy."
            )
        return "xls"
    with path.open("rb") as handle:
        sample = handle.read(4096)
    if b"\x00" in sample:
        raise BackboneError(f"'{path.name}' is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file.")
    return "csv"


def _sniff_zip(path: Path, limits: dict[str, int]) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BackboneError(f"'{path.name}' is damaged (not a readable workbook). Save it again from Excel.") from exc
    with archive:
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
        ratio = unpacked / max(path.stat().st_size, 1)
        if unpacked > limits["MAX_UNPACKED_MB"] * 1024 * 1024 or ratio > limits["MAX_UNPACK_RATIO"]:
            raise BackboneError(
                f"'{path.name}' unpacks to {unpacked / 1e6:,.0f} MB ({ratio:,.0f} times its size), far more than a data "
                "workbook needs (this is how a zip bomb looks). "
                "Save only the sheets with your data into a new workbook and upload that."
            )
        types = b""
        if "[Content_Types].xml" in names and archive.getinfo("[Content_Types].xml").file_size < 1_000_000:
            types = archive.read("[Content_Types].xml")
        # An .xlsm says so in its content types even when its macro part is missing or renamed.
        if any(name.lower().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in types:
            raise BackboneError(
                f"'{path.name}' contains macros, which Backbone does not accept. Save it as "
                "'Excel Workbook (.xlsx)' (File > Save As) and upload that copy."
            )
        if "xl/workbook.xml" in names:
            if "xl/workbook.bin" in names or any(n.lower().endswith(".bin") and "macrosheets" in n.lower() for n in names):
                raise BackboneError(f"'{path.name}' is a binary or macro workbook. Save it as 'Excel Workbook (.xlsx)'.")
            return "xlsx"
        if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
            return "ods"
    raise BackboneError(f"'{path.name}' is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file.")


def read_workbook_here(path: Path, limits: dict[str, int] | None = None) -> list[Sheet]:
    """Every sheet as raw cell values (text, numbers, dates) exactly as stored: the catalog workbook's shape.

    Only the sandboxed child calls it (sandbox.read_untrusted(path, rows=True)): a catalog file must not be able to take
    the app down either.
    """
    kind = sniff(path, limits)
    if kind == "csv":
        return [Sheet(path.stem, read_csv_rows(path))]
    from python_calamine import CalamineWorkbook  # here: the sandboxed reader does not need it

    if kind == "xlsx":
        xlsxparts.precheck(path, limits or read_limits())  # entity declarations and huge used ranges, before calamine

    try:
        book = CalamineWorkbook.from_path(str(path))
        return [Sheet(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
    except Exception as exc:  # calamine raises its own types for damaged files
        raise BackboneError(f"'{path.name}' could not be read as a {kind} workbook ({exc}). Save it again from Excel.") from exc


def read_csv_rows(path: Path) -> list[list[object]]:
    """A text file's rows: UTF-8 (with or without BOM) or Windows-1252; comma, tab or semicolon separated."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]


def limits_help(limits: dict[str, int] | None = None) -> str:
    """The reading limits in one plain sentence, for the upload page's help."""
    limits = limits or read_limits()
    return (f"Files up to {limits['MAX_FILE_MB']} MB (.xlsx, .xls, .ods, .csv, .tsv, .txt); a sheet may use up to "
            f"{limits['MAX_ROWS']:,} rows, {limits['MAX_COLUMNS']:,} columns and {limits['MAX_CELLS']:,} cells. "
            "Workbooks with macros or a password, and files that unpack to far more than their size, are refused.")
