"""Cell values as clean text, and labels folded for forgiving matches: shared by the reader and the catalog."""

from __future__ import annotations

import re
from datetime import datetime


def text_of(raw: object) -> str:
    """A cell as clean text: whole floats without '.0', everything stripped."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime) and raw.time() == datetime.min.time():
        return raw.date().isoformat()
    return str(raw).strip()


def is_blank(raw: object) -> bool:
    """True for an empty cell (None, '' or only spaces)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def fold_label(text: object) -> str:
    """A header or name as words: lower case, punctuation and line breaks as single spaces (case and punctuation do not count)."""
    return re.sub(r"[^a-z0-9%]+", " ", text_of(text).lower()).strip()


def neutralise_formulas(book) -> int:
    """Make every formula cell of an openpyxl workbook plain text, and return how many there were.

    openpyxl writes any text starting with '=' as a formula, so a catalog name such as `=HYPERLINK(...)` or
    `=cmd|' /C calc'!A0` would run in the partner's Excel; as a text cell it is shown, never run. For workbooks whose
    text comes from outside (the template, exports), which hold no formula of their own.
    """
    count = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    count += 1
    return count

