"""The submission matrix at any size: submissions filtered (partner group, late and missing, search) and split into
pages of whole partners, each small enough to draw (a chart sends at most 5,000 rows, and a tall matrix is unread)."""

from __future__ import annotations

import pandas as pd

from backbone.text import fold_label

# The most cells one page of the matrix draws: under Altair's 5,000-row limit, and about 15 partners of 6 metrics over
# 10 periods, which a screen can still take in.
CELLS_PER_PAGE = 1000
PROBLEMS = ("missing", "received late")


def filtered(status: pd.DataFrame, sector: str | None = None, problems_only: bool = False,
             search: str = "") -> pd.DataFrame:
    """The submissions of partners in `sector` (None: all), only the late and missing if asked, of partners or metrics
    whose name holds `search` (any case and spacing)."""
    keep = pd.Series(True, index=status.index)
    if sector:
        keep &= status.partner_sector.eq(sector)
    if problems_only:
        keep &= status.submission.isin(PROBLEMS)
    words = fold_label(search)
    if words:
        names = (status.partner_name.fillna(status.partner_code) + " " + status.partner_code + " "
                 + status.metric_name.fillna(status.metric_code))
        keep &= names.map(fold_label).str.contains(words, regex=False)
    return status[keep]


def pages(status: pd.DataFrame, most_cells: int = CELLS_PER_PAGE) -> list[list[str]]:
    """The partners (codes, in the order given) split into pages of at most `most_cells` cells; a partner is never
    split across pages (one with more cells than that fills a page of its own)."""
    sizes = status.groupby("partner_code", sort=False).size()
    result: list[list[str]] = []
    cells = 0
    for code, size in sizes.items():
        if not result or cells + size > most_cells:
            result.append([])
            cells = 0
        result[-1].append(code)
        cells += size
    return result


def page_label(status: pd.DataFrame, partners: list[str]) -> str:
    """A page of the matrix as its first and last partner's names."""
    names = status.drop_duplicates("partner_code").set_index("partner_code").partner_name
    first, last = (names.get(partners[0]) or partners[0]), (names.get(partners[-1]) or partners[-1])
    return first if len(partners) == 1 else f"{first} – {last}"
