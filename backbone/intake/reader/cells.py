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
    re.compile(r"^[*‡†]+$"),  # *, ***, ‡ (NAEP: reporting standards not met)
    re.compile(r"^[<>≤≥]=?\s*\d+(\.\d+)?\s*%?$"),  # <10, < 5.0%, > 95.0%, <11 (NDIS), <0.1
    re.compile(r"^(suppressed|supp\.?|ds|s|n<\d+|fewer than \d+|less than \d+|too small|confidential)$", re.IGNORECASE),
    re.compile(r"^--$"),
    # UK: x (not shown to protect confidentiality), c (confidential); Australia: np (not published); Census: (B) (base
    # too small); (S) and (D) (withheld to avoid disclosure).
    re.compile(r"^(x|c|np|n\.p\.|\(b\)|\(s\)|\(d\)|\(x\)|\(c\))$", re.IGNORECASE),
]
# Cells that say "no value here", with the reason reported back to the partner.
_MISSING_REASONS = {
    "": "blank",
    "n/a": "not applicable (N/A)",
    "na": "not available (NA)",
    "n.a.": "not available (n.a.)",
    "lne": "low numbers excluded (LNE)",
    "-": "no value (-)",
    ".": "no value (.)",
    "..": "not applicable (..)",
    ". .": "not applicable (. .)",
    "...": "not available (...)",
    "\u2026": "not available (\u2026)",
    ":": "not available (:)",
    "\u2014": "nil or rounded to zero (\u2014)",
    "\u2013": "nil or rounded to zero (\u2013)",
    "z": "not applicable (z)",
    "n": "not available (N)",
    "nr": "not reported (NR)",
    "n/r": "not reported (N/R)",
    "nreq": "not required (NReq)",
    "nd": "no data (ND)",
    "no data": "no data",
    "not available": "not available",
    "not applicable": "not applicable",
    "not reported": "not reported",
    "#div/0!": "spreadsheet error #DIV/0!",
    "#value!": "spreadsheet error #VALUE!",
    "#n/a": "spreadsheet error #N/A",
    "#ref!": "spreadsheet error #REF!",
    "#num!": "spreadsheet error #NUM!",
    "#name?": "spreadsheet error #NAME?",
    "#null!": "spreadsheet error #NULL!",
    "null": "no value (null)",
}
# What a Y/N suppression-flag column beside the values says (Kentucky's SUPPRESSED 4 YEAR); blank means not flagged.
_FLAG_SUPPRESSED = {"y", "yes", "true", "1", "x", "suppressed"}
_FLAG_SHOWN = {"", "n", "no", "false", "0"}
_NUMBER = re.compile(r"^\(?[-+]?\$?\s*(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\)?$")
# Footnote marks glued to a number ('176~', '5^**', ' 17~', '12(r)', '234 R'): the number stands, the mark is kept.
_GLUED_MARK = re.compile(r"^(.*?\d)\s*([~^*†‡#\"¹²³⁴⁵⁶⁷⁸⁹⁰]+|\((?:[a-z]|\d{1,2})\)|\[(?:[a-z]|\d{1,2})\]|[rpeRPE])$")
SUPPRESSED, MISSING = "suppressed", "missing"


@dataclass(frozen=True)
class Cell:
    """One parsed cell. kind is 'number', 'suppressed', 'missing' or 'invalid'."""

    kind: str
    number: float | None = None
    mark: str | None = None
    reason: str | None = None
    percent_sign: bool = False


def parse_number(raw: object, declared: dict[str, str] | None = None) -> Cell:
    """Read a numeric cell as a partner meant it: '1,234' and ' 45 ' are numbers, '45%' is 45 percent, '176~' is 176
    marked '~'. `declared` holds the partner's own codes (folded text -> 'suppressed' or 'missing'), which come first."""
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
    text = "" if raw is None else " ".join(str(raw).replace("\xa0", " ").split())
    folded = text.lower()
    if declared and folded in declared:
        if declared[folded] == SUPPRESSED:
            return Cell("suppressed", mark=text)
        return Cell("missing", reason=f"declared missing ({text})")
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
    if (glued := _GLUED_MARK.match(text)) and not glued.group(1).endswith("%"):
        cell = parse_number(glued.group(1))
        if cell.kind == "number":
            return Cell("number", number=cell.number, mark=glued.group(2), percent_sign=cell.percent_sign)
    return Cell("invalid", reason=f"'{text}' is not a number")


def declared_codes(raw: object) -> tuple[dict[str, str], list[str]]:
    """A mapping's "codes" entry ({"NReq": "missing", "-": "suppressed"}) as folded code -> kind, and its problems."""
    if not isinstance(raw, dict):
        return {}, ['"codes" is an object such as {"NReq": "missing", "-": "suppressed"}']
    codes, problems = {}, []
    for code, kind in raw.items():
        folded = " ".join(str(code).split()).lower()
        kind = str(kind).strip().lower()
        if kind in (SUPPRESSED, MISSING):
            codes[folded] = kind
        else:
            problems.append(f"code '{code}': say \"suppressed\" or \"missing\", not '{kind}'")
    return codes, problems


def parse_flag(raw: object) -> str:
    """A suppression-flag cell: 'suppressed' (Y), 'shown' (N or blank) or 'invalid' (anything else)."""
    folded = text_of(raw).lower()
    if folded in _FLAG_SUPPRESSED:
        return "suppressed"
    return "shown" if folded in _FLAG_SHOWN else "invalid"


