"""Complementary suppression across linked tables: hide more cells until no hidden cell can be worked out exactly, by
the public or by any partner who knows its own cells, in counts or in a rate's numerators and denominators, from this
version alone or together with every version of the table published before (disclosure.py does the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from backbone.store import disclosure, published
from backbone.store.disclosure import LinkedCells

COMPLEMENT_REASON = "hidden so that another small cell cannot be worked out"
# Rounds of "stack the versions, hide one more cell near each determined one" for a table that changed.
MAX_VERSION_ROUNDS = 30


@dataclass
class LinkedRows:
    """The rows of community_outcomes that take part in the sums (counts; rates with their counts; partner-hidden
    cells), with what the rules decided so far; every array has one entry per row."""

    tables: list[tuple[str, str]]  # per table code: (metric_code, period_label)
    table: np.ndarray
    place: np.ndarray  # the geography's code (codes follow names in sorted order)
    dimension: np.ndarray  # -1 for everyone
    group: np.ndarray  # -1 for everyone
    names: dict  # "geography", "dimension", "group_value": the names by code
    quantities: dict  # "value", "numerator", "denominator": the true numbers (NaN where no one but a partner knows)
    ratio: np.ndarray  # the metric is a percent or rate: its sums are of numerators and denominators
    size: np.ndarray  # what a cell costs to hide (its count or its group's size); NaN: cannot be chosen
    hidden: np.ndarray
    reason: np.ndarray  # why each hidden row is hidden
    can_hide: np.ndarray
    sole_partner: np.ndarray | None = None  # the partner whose values alone make the cell
    history: published.History | None = None  # known: per row, whether each quantity was shown before

    def column(self, name: str) -> np.ndarray:
        """A CELL_KEY column as names."""
        if name == "geography":
            return self.names["geography"][self.place]
        codes = self.dimension if name == "dimension" else self.group
        return np.where(codes < 0, "All", self.names[name][np.maximum(codes, 0)]).astype(object)


@dataclass
class _View:
    """One observer's view of one quantity: the cells with that quantity's values, what the observer knows besides
    the shown cells, and whose view it is (a partner knows its own cells; None is the public)."""

    quantity: str  # "value" (a count's value or a rate's numerator) or "denominator"
    cells: LinkedCells
    known: np.ndarray
    partner: str | None = None


@dataclass
class Outcome:
    """What the linked suppression decided: the hidden mask (per row), the new versions to record, and how many hidden
    cells some view still determines (0 unless a table ran out of cells to hide)."""

    hidden: np.ndarray
    versions: list[dict]
    determined: int


def protect_linked(rows: LinkedRows) -> Outcome:
    """Hide more of `rows` until no view of any table determines a hidden cell; see the module docstring."""
    community = rows.column("geography") == "Community"
    cells = LinkedCells(rows.table, rows.place, community, rows.dimension, rows.group)
    # Preference among cells to hide: non-zero before zero, the smallest, then the first by name.
    order = np.lexsort((rows.group, rows.dimension, rows.place, np.nan_to_num(rows.size, nan=np.inf), rows.size == 0))
    preference = np.empty(len(order), dtype=np.int64)
    preference[order] = np.arange(len(order))
    views = _views(rows, cells)
    hidden, determined = disclosure.protect(cells, rows.hidden, [(v.cells, v.known) for v in views], rows.can_hide,
                                            preference, rows.size == 0)
    fingerprints = _Fingerprints(rows)
    hidden, left_across_versions = _across_versions(rows, views, hidden, preference, fingerprints)
    return Outcome(hidden, _versions(rows, views, hidden, fingerprints), determined + left_across_versions)


def _quantity_values(rows: LinkedRows, quantity: str) -> np.ndarray:
    """Per row, the quantity's numbers: for "value", a count's value and a rate's numerator."""
    if quantity == "denominator":
        return rows.quantities["denominator"]
    return np.where(rows.ratio, rows.quantities["numerator"], rows.quantities["value"])


def _known(rows: LinkedRows, quantity: str) -> np.ndarray:
    """Per row: the quantity was shown before with the same number (so hiding it now hides nothing)."""
    known = rows.history.known if rows.history is not None else None
    if known is None:
        return np.zeros(len(rows.table), dtype=bool)
    if quantity == "denominator":
        return known["denominator"]
    return np.where(rows.ratio, known["numerator"], known["value"])


def _views(rows: LinkedRows, cells: LinkedCells) -> list[_View]:
    """Who may try to work a cell out, per quantity: the public (knowing what was shown before), and each partner that
    alone sent some hidden cell of a table others sent to as well (knowing its own cells too)."""
    partner = rows.sole_partner
    views = []
    for quantity, applies in (("value", np.ones(len(rows.table), dtype=bool)), ("denominator", rows.ratio)):
        if not applies.any():
            continue
        known = _known(rows, quantity) | ~applies
        with_values = replace(cells, value=_quantity_values(rows, quantity))
        views.append(_View(quantity, with_values, known))
        if partner is None:
            continue
        for code in pd.unique(partner[rows.hidden & pd.notna(partner)]):
            own = partner == code
            tables = np.intersect1d(np.unique(rows.table[rows.hidden & own]), np.unique(rows.table[rows.hidden & ~own]))
            if len(tables):
                views.append(_View(quantity, with_values, known | own | ~np.isin(rows.table, tables), code))
    return views


class _Fingerprints:
    """Order-independent fingerprints per table, of its cells' numbers and of which cells are hidden: a table whose
    fingerprints match its last published version has nothing new to record or to weigh against the past."""

    def __init__(self, rows: LinkedRows):
        self.rows = rows
        key = np.zeros(len(rows.table), dtype=np.uint64)
        for name in published.CELL_KEY:
            key = _mix(key, pd.util.hash_array(rows.column(name)))
        numbers = key
        for quantity in published.QUANTITIES:
            numbers = _mix(numbers, pd.util.hash_array(rows.quantities[quantity]))
        self.key, self.numbers = key, numbers

    def of_values(self, table: int) -> str:
        return _per_table(self.numbers, self.rows.table == table)

    def of_hidden(self, table: int, hidden: np.ndarray) -> str:
        return _per_table(self.key, (self.rows.table == table) & hidden)


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (a * np.uint64(0x9E3779B97F4A7C15)) ^ b


def _per_table(hashes: np.ndarray, rows: np.ndarray) -> str:
    return format(int(hashes[rows].sum(dtype=np.uint64)), "x") if rows.any() else "0"


def _across_versions(rows: LinkedRows, views: list[_View], hidden: np.ndarray, preference: np.ndarray,
                     fingerprints: _Fingerprints) -> tuple[np.ndarray, int]:
    """For each table published before with other values: stack its versions with this one and hide more until the
    versions together determine no hidden cell."""
    history = rows.history
    if history is None or not history.versions:
        return hidden, 0
    hidden = hidden.copy()
    left = 0
    for table in np.unique(rows.table[hidden]):
        earlier = history.versions.get(rows.tables[table], [])
        values = fingerprints.of_values(table)
        if not any(v.values_fingerprint != values for v in earlier):
            continue  # never published with other values: this version's own audit covers it
        mine = np.flatnonzero(rows.table == table)
        for _ in range(MAX_VERSION_ROUNDS):
            labels: set = set()
            for view in views:
                if not _applies(rows, view, mine):
                    continue
                current = published.Version(0, "", "", _hidden_cells(rows, mine[hidden[mine]]),
                                            _sums(rows, view, hidden, mine))
                systems = [_system(current, view)] + [_system(v, view) for v in earlier]
                labels |= disclosure.determined_across_versions(systems)
            if not labels:
                break
            extra = _near(rows, mine, hidden, labels, preference)
            if not len(extra):
                left += len(labels)
                break
            hidden[extra] = True
            rows.reason[extra] = COMPLEMENT_REASON
    return hidden, left


def _applies(rows: LinkedRows, view: _View, mine: np.ndarray) -> bool:
    """Whether a view concerns a table: denominators only for rates; a partner only where it sent something."""
    if view.quantity == "denominator" and not rows.ratio[mine].any():
        return False
    return view.partner is None or bool((rows.sole_partner[mine] == view.partner).any())


def _hidden_cells(rows: LinkedRows, which: np.ndarray) -> pd.DataFrame:
    """The given rows as published.HIDDEN_COLUMNS (true numbers, reason, whose, known before)."""
    frame = pd.DataFrame({name: rows.column(name)[which] for name in published.CELL_KEY})
    for quantity in published.QUANTITIES:
        frame[quantity] = rows.quantities[quantity][which]
    frame["suppression_reason"] = rows.reason[which]
    frame["sole_partner"] = rows.sole_partner[which] if rows.sole_partner is not None else None
    known = rows.history.known if rows.history is not None else None
    for quantity in published.QUANTITIES:
        frame[f"known_{quantity}"] = known[quantity][which] if known is not None else np.zeros(len(frame), dtype=bool)
    return frame


def _sums(rows: LinkedRows, view: _View, hidden: np.ndarray, which: np.ndarray | None = None) -> pd.DataFrame:
    """The sums that hold (for the view's quantity) and touch a hidden cell, by name, with each one's table code; of
    the rows `which` (a table's), or of all."""
    cells = view.cells if which is None else view.cells.subset(which)
    hidden = hidden if which is None else hidden[which]
    sums = disclosure.holding_sums(cells)
    table, place, dim, grp = cells.table.astype(np.int64), cells.place, cells.dimension, cells.group
    total = dim < 0
    n_place, n_dim, n_group = int(place.max(initial=0)) + 1, int(dim.max(initial=0)) + 2, int(grp.max(initial=0)) + 2
    r, k, t = sums["R"], sums["K"], sums["T"][:, 0]
    row_key = (table * n_place + place) * n_dim + dim + 1
    touches_r = np.isin((r[:, 0] * n_place + r[:, 1]) * n_dim + r[:, 2] + 1, row_key[hidden & ~total]) | \
        np.isin(r[:, 0] * n_place + r[:, 1], (table * n_place + place)[hidden & total])
    column_key = (table * n_dim + dim + 1) * n_group + grp + 1
    touches_k = np.isin((k[:, 0] * n_dim + k[:, 1] + 1) * n_group + k[:, 2] + 1, column_key[hidden & ~total])
    touches_t = np.isin(t, table[hidden & total])
    geography, dimension, group = (rows.names[c] for c in published.CELL_KEY)
    parts = [
        pd.DataFrame({"table": r[touches_r, 0], "kind": "R", "geography": geography[r[touches_r, 1]],
                      "dimension": dimension[r[touches_r, 2]], "group_value": None}),
        pd.DataFrame({"table": k[touches_k, 0], "kind": "K", "geography": None, "dimension": dimension[k[touches_k, 1]],
                      "group_value": group[k[touches_k, 2]]}),
        pd.DataFrame({"table": t[touches_t], "kind": "T", "geography": None, "dimension": None, "group_value": None}),
    ]
    found = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame(columns=["table", "kind", "geography", "dimension", "group_value"])
    found.insert(0, "quantity", view.quantity)
    return found


def _system(version: published.Version, view: _View) -> tuple[np.ndarray, list]:
    """One version's sums over the hidden cells the view does not know, with each unknown's label (cell and number)."""
    cells, sums = version.hidden, version.sums
    sums = sums[sums.quantity == view.quantity] if len(sums) else sums
    ratio = cells.numerator.notna() | cells.denominator.notna()
    if view.quantity == "denominator":
        number, known = cells.denominator, cells.known_denominator.to_numpy(bool)
    else:
        number = cells.numerator.where(ratio, cells.value)
        known = np.where(ratio, cells.known_numerator, cells.known_value).astype(bool)
    unknown = ~known
    if view.partner is not None:
        unknown &= cells.sole_partner.to_numpy(object) != view.partner
    # A number only its partner knows (suppressed at source) is labelled the same in every version: the stricter guess.
    number = number.astype(float).round(9).astype(object).where(number.notna(), "?")[unknown]
    cells = cells.loc[unknown]
    labels = list(zip(cells.geography, cells.dimension, cells.group_value, number, strict=True))
    geography, dimension, group = (cells[c].to_numpy(object) for c in published.CELL_KEY)
    total = (dimension == "All") & (group == "All")
    community = geography == "Community"
    matrix = np.zeros((len(sums), len(cells)))
    for i, (kind, p, d, g) in enumerate(zip(sums.kind, sums.geography, sums.dimension, sums.group_value, strict=True)):
        if kind == "R":
            matrix[i] = np.where((geography == p) & total, 1.0, 0.0) - np.where((geography == p) & (dimension == d), 1.0, 0.0)
        elif kind == "K":
            member = (dimension == d) & (group == g)
            matrix[i] = np.where(member & community, 1.0, 0.0) - np.where(member & ~community, 1.0, 0.0)
        else:
            matrix[i] = np.where(total & community, 1.0, 0.0) - np.where(total & ~community, 1.0, 0.0)
    return matrix, labels


def _near(rows: LinkedRows, mine: np.ndarray, hidden: np.ndarray, labels: set, preference: np.ndarray) -> np.ndarray:
    """For each determined label, the preferred cell of this table still shown that shares a sum with it."""
    geography, dimension, group = (rows.column(c)[mine] for c in published.CELL_KEY)
    total = (dimension == "All") & (group == "All")
    open_cells = rows.can_hide[mine] & ~hidden[mine]
    chosen = []
    for p, d, g, _ in sorted(labels, key=str):
        if d == "All" and g == "All":
            near = (geography == p) | total
        else:
            near = ((geography == p) & ((dimension == d) | total)) | ((dimension == d) & (group == g))
        candidates = np.flatnonzero(open_cells & near)
        if not len(candidates):
            candidates = np.flatnonzero(open_cells)
        if len(candidates):
            best = candidates[np.argmin(preference[mine][candidates])]
            chosen.append(mine[best])
            open_cells[best] = False
    return np.array(chosen, dtype=np.int64)


def _versions(rows: LinkedRows, views: list[_View], hidden: np.ndarray, fingerprints: _Fingerprints) -> list[dict]:
    """The history rows of the tables whose published state is new."""
    changed = []
    for table in np.unique(rows.table[hidden]):
        latest = rows.history.latest(rows.tables[table]) if rows.history else None
        state = (fingerprints.of_values(table), fingerprints.of_hidden(table, hidden))
        if latest is None or (latest.values_fingerprint, latest.hidden_fingerprint) != state:
            changed.append((table, state, latest.version + 1 if latest else 1))
    if not changed:
        return []
    tables = np.array([t for t, _, _ in changed])
    which = np.flatnonzero(hidden & np.isin(rows.table, tables))
    cells = _hidden_cells(rows, which).assign(table=rows.table[which])
    public = [v for v in views if v.partner is None and (v.quantity == "value" or rows.ratio.any())]
    ratio_tables = np.unique(rows.table[rows.ratio])
    sums = pd.concat([found[found.table.isin(ratio_tables)] if v.quantity == "denominator" else found
                      for v in public for found in [_sums(rows, v, hidden)]], ignore_index=True)
    cells_by_table = dict(tuple(cells.groupby("table", sort=False)))
    sums_by_table = dict(tuple(sums.groupby("table", sort=False))) if len(sums) else {}
    empty_sums = sums.iloc[:0]
    return [published.record(rows.tables[table], version, state, cells_by_table[table],
                             sums_by_table.get(table, empty_sums)) for table, state, version in changed]
