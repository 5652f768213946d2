"""The submission matrix's filters and pages (backbone/show/submissions.py)."""

from __future__ import annotations

import pandas as pd

from backbone.show import submissions


def _status(partners: int, metrics: int = 3, periods: int = 4) -> pd.DataFrame:
    rows = [{"partner_code": f"P{p:02d}", "partner_name": f"Partner {p:02d}", "partner_sector": "Health" if p % 2 else "Schools",
             "metric_code": f"m{m}", "metric_name": f"Metric {m}", "period_label": str(2020 + y),
             "submission": "missing" if (p + m + y) % 3 == 0 else "received"}
            for p in range(partners) for m in range(metrics) for y in range(periods)]
    return pd.DataFrame(rows)


def test_pages_hold_whole_partners_and_never_more_cells_than_allowed():
    status = _status(100)  # 12 cells a partner
    found = submissions.pages(status, most_cells=100)
    assert [code for page in found for code in page] == list(status.partner_code.unique())
    assert all(status.partner_code.isin(page).sum() <= 100 for page in found)
    assert len(found) == 13  # 8 partners (96 cells) a page


def test_one_page_when_everything_fits():
    assert submissions.pages(_status(3)) == [["P00", "P01", "P02"]]


def test_filters_by_group_problems_and_search():
    status = _status(10)
    assert set(submissions.filtered(status, sector="Health").partner_sector) == {"Health"}
    assert set(submissions.filtered(status, problems_only=True).submission) == {"missing"}
    assert set(submissions.filtered(status, search="  partner-03 ").partner_code) == {"P03"}
    assert set(submissions.filtered(status, search="METRIC 2").metric_code) == {"m2"}
    assert submissions.filtered(status, search="nobody").empty


def test_page_label_names_the_first_and_last_partner():
    status = _status(5)
    assert submissions.page_label(status, ["P01", "P03"]) == "Partner 01 – Partner 03"
    assert submissions.page_label(status, ["P02"]) == "Partner 02"
