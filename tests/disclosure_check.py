"""An attacker's check, written apart from backbone/store/disclosure.py: which hidden cells can be worked out exactly
from published figures by adding and subtracting (places add up to the community, groups to their place's total), over
one or several published versions, as the public or as a partner who knows its own parts. Dense linear algebra
(numpy's SVD) on every sum that holds in the true data: slow, simple, independent."""

from __future__ import annotations

import numpy as np
import pandas as pd

CELL = ["geography", "dimension", "group_value"]
RATIO_UNITS = {"percent", "rate_per_1000", "rate_per_100000"}
# The published reasons of cells hidden only to protect others (they may be worked out: then they protect nothing).
PROTECTING_ONLY = {"hidden so that another small cell cannot be worked out", "hidden in an earlier version of this period"}


def _sums(cells: pd.DataFrame, quantity: str) -> list[dict]:
    """Every sum that exists in this table and holds for the quantity: {cell index: coefficient}."""
    number = cells[quantity].astype(float)
    total = cells.dimension.eq("All") & cells.group_value.eq("All")
    community = cells.geography.eq("Community")
    sums = []

    def add(total_index, members):
        if len(members) == 0:
            return
        values = number.loc[list(members) + [total_index]]
        if values.isna().any() or abs(number[total_index] - number.loc[list(members)].sum()) <= 1e-6 * max(1, abs(number[total_index])):
            sums.append({total_index: 1.0, **{m: -1.0 for m in members}})

    totals = {row.geography: i for i, row in cells[total].iterrows()}
    for (place, _), group in cells[~total & ~cells.dimension.eq("All")].groupby(["geography", "dimension"]):
        if place in totals:
            add(totals[place], list(group.index))
    for _, group in cells[~cells.dimension.eq("All")].groupby(["dimension", "group_value"]):
        top = group.index[group.geography.eq("Community")]
        if len(top):
            add(top[0], list(group.index[~group.geography.eq("Community")]))
    if "Community" in totals:
        add(totals["Community"], list(cells.index[total & ~community]))
    return sums


def worked_out(versions: list[tuple[pd.DataFrame, pd.DataFrame]], units: dict[str, str],
               own_parts: list[dict] | None = None) -> set:
    """The hidden cells (metric, period, geography, dimension, group, quantity) that `versions` together pin down.

    Each version is (public rows as shown, true rows: community_outcomes). Only cells hidden for their own sake count
    (the published reason says which); zeros are left out (the rules publish them). `units` gives each metric's unit. With
    `own_parts` (per version, {(metric, period, geography, dimension, group): {quantity: the observer's own part}}),
    the check is a partner's: a cell it alone sent is known to it, and a hidden cell's unknown is the others' part.
    """
    found = set()
    keys = sorted({tuple(k) for public, _ in versions for k in public[["metric_code", "period_label"]].drop_duplicates().values})
    for metric, period in keys:
        quantities = ["numerator", "denominator"] if units[metric] in RATIO_UNITS else ["value"]
        for quantity in quantities:
            labels: dict = {}
            rows = []
            tables = []
            must_hold: set = set()
            for i, (public, truth) in enumerate(versions):
                shown = public[(public.metric_code == metric) & (public.period_label == period)].set_index(CELL)
                cells = truth[(truth.metric_code == metric) & (truth.period_label == period)].reset_index(drop=True)
                if quantity != "value":
                    cells = cells[cells[quantity].notna() | cells.suppressed]
                    cells = cells.reset_index(drop=True)
                here = shown.loc[[tuple(k) for k in cells[CELL].values]] if len(cells) else shown.iloc[:0]
                hidden = here.suppressed.to_numpy(bool)
                # Cells hidden only to protect others say so; a small one, a partner's mark... must not be worked out.
                sensitive = hidden & ~here.suppression_reason.isin(PROTECTING_ONLY).to_numpy()
                own = own_parts[i] if own_parts else {}
                cell_labels = []
                for _, row in cells.iterrows():
                    key = (metric, period, row.geography, row.dimension, row.group_value)
                    part = own.get(key, {}).get(quantity)
                    number = row[quantity]
                    others = "?" if pd.isna(number) else round(float(number) - (part or 0.0), 9)
                    cell_labels.append(((*key, quantity, others), part is not None and row.n_partners == 1))
                tables.append((cells, hidden, cell_labels))
                must_hold |= {label for (label, _), flag in zip(cell_labels, sensitive, strict=True) if flag}
            # A number shown in any version is known in all of them (the observer's own cells too).
            known = {label for _, hidden, cell_labels in tables for (label, own), h in zip(cell_labels, hidden, strict=True)
                     if not h or own}
            for cells, hidden, cell_labels in tables:
                column = {j: labels.setdefault(label, len(labels)) for j, (label, _) in enumerate(cell_labels)
                          if hidden[j] and label not in known}
                for sum_ in _sums(cells, quantity):
                    row = {column[j]: c for j, c in sum_.items() if j in column}
                    if row:
                        rows.append(row)
            if not labels:
                continue
            matrix = np.zeros((max(len(rows), 1), len(labels)))
            for r, row in enumerate(rows):
                for j, c in row.items():
                    matrix[r, j] += c
            _, singular, vt = np.linalg.svd(matrix)
            rank = int((singular > 1e-9 * max(matrix.shape)).sum())
            null = vt[rank:].T
            free = np.linalg.norm(null, axis=1) > 1e-7 if null.size else np.zeros(len(labels), dtype=bool)
            # A zero worked out is no secret: the rules publish zeros as they are.
            found |= {label[:6] for label, j in labels.items() if not free[j] and label[6] != 0 and label in must_hold}
    return found


def as_published(public: pd.DataFrame, truth: pd.DataFrame, held: pd.DataFrame,
                 previous: tuple[pd.DataFrame, pd.DataFrame] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(public rows, the true values behind them): a held-back table (`held`: its metric_code and period_label) still
    shows its last published version, so its true values are that version's (from `previous`), not the store's now."""
    if not len(held) or previous is None:
        return public, truth
    tables = set(map(tuple, held[["metric_code", "period_label"]].values))

    def of_held(frame: pd.DataFrame) -> np.ndarray:
        return np.array([(m, p) in tables for m, p in zip(frame.metric_code, frame.period_label, strict=True)], dtype=bool)

    return public, pd.concat([truth[~of_held(truth)], previous[1][of_held(previous[1])]], ignore_index=True)


def all_new_hidden(version: tuple[pd.DataFrame, pd.DataFrame], earlier: list[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple:
    """`version` with every cell hidden that no earlier version showed with the same numbers: the most any suppression
    of this version could hide (reasons kept; a newly hidden cell only protects)."""
    public, truth = version
    numbers = ["value", "numerator", "denominator"]
    key = ["metric_code", "period_label", *CELL]
    shown_before = pd.concat([p.loc[~p.suppressed, key].merge(t[key + numbers], on=key) for p, t in earlier],
                             ignore_index=True).drop_duplicates()
    now = public[key].reset_index().merge(truth[key + numbers], on=key, how="left")
    same = now.merge(shown_before, on=key + numbers, how="left", indicator=True).drop_duplicates("index")
    new = same.set_index("index").reindex(public.index)["_merge"].ne("both")
    public = public.copy()
    reason = public.suppression_reason.where(public.suppressed, "hidden so that another small cell cannot be worked out")
    public["suppressed"] = public.suppressed | new
    public["suppression_reason"] = reason.where(public.suppressed, public.suppression_reason)
    return public, truth


def unavoidable(versions: list[tuple[pd.DataFrame, pd.DataFrame]], units: dict[str, str], cells: set) -> set:
    """Of `cells` (worked out from `versions` together), those that the first version giving each away would give
    away even with everything new in it hidden: the later data itself, set beside numbers published before, pins
    them down, so no choice of cells to hide in that version could have kept them."""
    left = set(cells)
    kept = set()
    for i in range(1, len(versions)):
        if not left:
            break
        found = worked_out(versions[: i + 1], units) & left
        if found:
            kept |= found & worked_out([*versions[:i], all_new_hidden(versions[i], versions[:i])], units)
            left -= found
    return kept
