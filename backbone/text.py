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
