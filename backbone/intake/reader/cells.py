"""What one cell holds: a number, a partner's suppression mark, or a value missing for a stated reason."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from backbone.intake.reader.xlsxparts import NO_CACHED_VALUE
from backbone.text import text_of

# Marks that agencies print in place of a small number: kept as suppressed, never read as 0.
_SUPPRESSION_PATTERNS = [
    re.compile(r"^[*‡†]+$"),  # *, ***, ‡
    re.compile(r"^[<>≤≥]=?\s*\d+(\.\d+)?\s*%?$"),  # <10, < 5.0%, > 95.0%
    re.compile(r"^(suppressed|ds|s|n<\d+|fewer than \d+)$", re.IGNORECASE),
    re.compile(r"^--$"),
]
# Cells that say "no value here", with the reason reported back to the partner.
_MISSING_REASONS = {
    "": "blank",
    "n/a": "not applicable (N/A)",
    "na": "not available (NA)",
    "lne": "low numbers excluded (LNE)",
    "-": "no value (-)",
    ".": "no value (.)",
    "#div/0!": "spreadsheet error #DIV/0!",
    "#value!": "spreadsheet error #VALUE!",
    "#n/a": "spreadsheet error #N/A",
    "#ref!": "spreadsheet error #REF!",
    "#num!": "spreadsheet error #NUM!",
    "#name?": "spreadsheet error #NAME?",
    "null": "no value (null)",
}
# What a Y/N suppression-flag column beside the values says (Kentucky's SUPPRESSED 4 YEAR); blank means not flagged.
_FLAG_SUPPRESSED = {"y", "yes", "true", "1", "x", "suppressed"}
_FLAG_SHOWN = {"", "n", "no", "false", "0"}
_NUMBER = re.compile(r"^\(?[-+]?\$?\s*(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\)?$")


@dataclass(frozen=True)
class Cell:
    """One parsed cell. kind is 'number', 'suppressed', 'missing' or 'invalid'."""

    kind: str
    number: float | None = None
    mark: str | None = None
    reason: str | None = None
    percent_sign: bool = False



def parse_number(raw: object) -> Cell:
    """Read a numeric cell as a partner meant it: '1,234' and ' 45 ' are numbers, '45%' is 45 percent."""
    if raw == NO_CACHED_VALUE:
        return Cell("invalid", reason="a formula with no saved result; open the file in Excel, let it calculate, save it "
                                      "and upload it again")
    if isinstance(raw, bool):
        return Cell("invalid", reason=f"'{raw}' is true/false, not a number")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and math.isnan(raw):
            return Cell("missing", reason="blank")
        return Cell("number", number=float(raw))
    if isinstance(raw, (datetime, date)):
        return Cell("invalid", reason=f"'{raw}' is a date, not a number")
    text = "" if raw is None else str(raw).strip()
    folded = text.lower()
    if folded in _MISSING_REASONS:
        return Cell("missing", reason=_MISSING_REASONS[folded])
    if any(p.match(text) for p in _SUPPRESSION_PATTERNS):
        return Cell("suppressed", mark=text)
    percent_sign = text.endswith("%")
    body = text[:-1].strip() if percent_sign else text
    if body and _NUMBER.match(body) and any(ch.isdigit() for ch in body):
        negative = body.startswith("(") and body.endswith(")")
        number = float(body.strip("()").replace(",", "").replace("$", "").replace(" ", ""))
        return Cell("number", number=-number if negative else number, percent_sign=percent_sign)
    return Cell("invalid", reason=f"'{text}' is not a number")


def parse_flag(raw: object) -> str:
    """A suppression-flag cell: 'suppressed' (Y), 'shown' (N or blank) or 'invalid' (anything else)."""
    folded = text_of(raw).lower()
    if folded in _FLAG_SUPPRESSED:
        return "suppressed"
    return "shown" if folded in _FLAG_SHOWN else "invalid"


