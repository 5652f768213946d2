"""Small-cell suppression on hand-built tables: primary, complementary, ends of percents, unstable rates."""

from __future__ import annotations

import pandas as pd
import pytest

from backbone.store.privacy import suppress

METRICS = pd.DataFrame([
    {"metric_code": "enrolled", "unit": "count", "suppression_threshold": None},
    {"metric_code": "ready", "unit": "percent", "suppression_threshold": None},
    {"metric_code": "infant_deaths", "unit": "rate_per_1000", "suppression_threshold": None},
    {"metric_code": "convenings", "unit": "count", "suppression_threshold": 0},
])


def cell(metric, value, geography="Community", dimension="All", group="All", numerator=None, denominator=None, period="2023"):
    return {"metric_code": metric, "period_label": period, "period_start": None, "period_end": None, "geography": geography,
            "dimension": dimension, "group_value": group, "value": value, "numerator": numerator, "denominator": denominator,
            "suppressed": False, "suppression_marks": None, "n_partners": 1, "value_basis": "sum", "last_updated": None}


def by_group(public: pd.DataFrame) -> dict:
    return {r.group_value: r for r in public.itertuples()}


def test_a_group_of_7_in_a_race_table_of_120_is_hidden_with_a_second_cell():
    table = pd.DataFrame([cell("enrolled", 120)] + [
        cell("enrolled", n, dimension="Race/ethnicity", group=g) for g, n in
        [("White", 60), ("Black", 40), ("Hispanic", 13), ("Asian", 7)]])
    public = by_group(suppress(table, METRICS))
    assert public["Asian"].suppressed and pd.isna(public["Asian"].value)
    assert public["Asian"].suppression_reason == "fewer than 11 people"
    # Without a second hidden cell, Asian = 120 - 60 - 40 - 13.
    assert public["Hispanic"].suppressed and pd.isna(public["Hispanic"].value)
    assert public["Hispanic"].suppression_reason == "hidden so that another small cell cannot be worked out"
    assert not public["White"].suppressed and public["White"].value == 60
    assert public["All"].value == 120
    hidden = [r for r in public.values() if r.group_value != "All" and r.suppressed]
    assert len(hidden) == 2  # the margin is safe: zero or at least two hidden cells


def test_places_adding_to_the_community_get_complementary_suppression_too():
    table = pd.DataFrame([cell("enrolled", 230), cell("enrolled", 200, geography="North"),
                          cell("enrolled", 25, geography="South"), cell("enrolled", 5, geography="East")])
    public = {r.geography: r for r in suppress(table, METRICS).itertuples()}
    assert public["East"].suppressed and public["South"].suppressed
    assert public["North"].value == 200 and public["Community"].value == 230


def test_a_lone_group_is_protected_by_hiding_the_total():
    table = pd.DataFrame([cell("enrolled", 9), cell("enrolled", 9 - 9, dimension="Gender", group="Female"),
                          cell("enrolled", 9, dimension="Gender", group="Male")])
    public = by_group(suppress(table, METRICS))
    assert public["Male"].suppressed
    assert public["Female"].value == 0 and not public["Female"].suppressed  # a zero is shown
    assert public["All"].suppressed  # 9 people is itself a small count


def test_a_group_equal_to_its_total_is_hidden():
    table = pd.DataFrame([cell("enrolled", 300), cell("enrolled", 300, dimension="Language", group="English"),
                          cell("enrolled", 0, dimension="Language", group="Spanish")])
    public = by_group(suppress(table, METRICS))
    assert public["English"].suppressed and public["English"].suppression_reason == "the whole group: equal to its total"
    assert public["All"].suppressed  # else English = 300 - 0


def test_38_of_40_reads_at_least_95_percent():
    table = pd.DataFrame([cell("ready", 95.0, numerator=38, denominator=40)])
    row = suppress(table, METRICS).iloc[0]
    assert row.suppressed and pd.isna(row.value) and pd.isna(row.numerator)
    assert row.display == "≥95%"


def test_2_of_40_reads_at_most_5_percent_and_5_of_40_is_hidden():
    public = suppress(pd.DataFrame([cell("ready", 5.0, numerator=2, denominator=40, geography="A"),
                                    cell("ready", 12.5, numerator=5, denominator=40, geography="B")]), METRICS)
    rows = {r.geography: r for r in public.itertuples()}
    assert rows["A"].display == "≤5%" and rows["A"].suppressed
    assert pd.isna(rows["B"].display) and rows["B"].suppressed


def test_a_rate_on_a_group_smaller_than_k_is_hidden():
    row = suppress(pd.DataFrame([cell("ready", 60.0, numerator=6, denominator=10)]), METRICS).iloc[0]
    assert row.suppressed and row.suppression_reason == "group of fewer than 11 people"


@pytest.mark.parametrize(("deaths", "suppressed", "unstable"), [(8, True, False), (15, False, True), (25, False, False)])
def test_infant_deaths_8_hidden_15_unstable_25_shown(deaths, suppressed, unstable):
    row = suppress(pd.DataFrame([cell("infant_deaths", deaths / 2000 * 1000, numerator=deaths, denominator=2000)]), METRICS).iloc[0]
    assert (row.suppressed, row.unstable) == (suppressed, unstable)
    if not suppressed:
        assert row.value == pytest.approx(deaths / 2)


def test_a_zero_count_is_shown_and_a_metric_with_threshold_0_is_never_suppressed():
    public = suppress(pd.DataFrame([cell("enrolled", 0), cell("convenings", 3)]), METRICS)
    assert public.suppressed.tolist() == [False, False]
    assert public.value.tolist() == [0, 3]


def test_a_partner_suppression_mark_stays_suppressed_with_its_reason():
    table = pd.DataFrame([cell("enrolled", None) | {"suppressed": True, "suppression_marks": "<10"}])
    row = suppress(table, METRICS).iloc[0]
    assert row.suppressed and row.suppression_reason == "suppressed by the partner (<10)"


def test_rates_published_without_counts_are_shown_as_published():
    row = suppress(pd.DataFrame([cell("infant_deaths", 9.7, geography="North")]), METRICS).iloc[0]
    assert not row.suppressed and row.value == 9.7 and not row.unstable


def test_between_equal_cells_the_same_one_is_hidden_whatever_order_the_rows_come_in():
    # Two rebuilds hiding different cells of one table would give both away: ties go to the first group by name.
    rows = [cell("enrolled", 100)] + [cell("enrolled", n, dimension="Race/ethnicity", group=g) for g, n in
                                      [("White", 43), ("Hispanic", 25), ("Black", 25), ("Asian", 7)]]
    for order in (rows, rows[::-1]):
        public = by_group(suppress(pd.DataFrame(order), METRICS))
        assert sorted(g for g, r in public.items() if r.suppressed) == ["Asian", "Black"]
