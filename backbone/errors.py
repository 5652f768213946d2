"""The one error type for a user's mistakes, and the located finding that workbooks produce."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """A problem or remark about one place in a workbook: sheet, spreadsheet row number, column header."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        """The JSON shape the command line and the upload page use."""
        return asdict(self)

    def __str__(self) -> str:
        where = [f"sheet '{self.sheet}'"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class BackboneError(Exception):
    """A mistake a person can fix (bad argument, unknown partner, unreadable file): shown without a traceback."""


class StoreInUse(BackboneError):
    """The store's file is held by another program (the app, most often): DuckDB lets one program open a file at a time."""
