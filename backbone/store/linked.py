"""Complementary suppression across linked tables: hide more cells until no hidden cell can be worked out exactly, by
the public or by any partner who knows its own cells, in counts or in a rate's numerators and denominators, from this
version alone or together with every version of the table published before (disclosure.py does the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from backbone.store import disclosure, published
from backbone.store.disclosure import LinkedCells

COMPLEMENT_REASON = "hidden so that another small cell cannot be worked out"
# The contributor rule's reason: a partner taking its own part from the cell would be left with another's small number.
CONTRIBUTOR_REASON = "another partner's part is fewer than {} people"
# Why a cell is hidden that was hidden in an earlier version of its period, with another number then.
STICKY_REASON = "hidden in an earlier version of this period"
# A sum whose parts fall short of its total (a group or a place a partner did not send) has a remainder: the people
# in no listed part. Anyone can work it out where everything else is shown, and a later version that lists the part
# gives it a name, so the audit counts it as a cell of its own, never shown: a "(not listed)" group or place.
UNLISTED = "(not listed)"
REMAINDER_REASON = "the people in no listed group or place"
SMALL_REMAINDER_REASON = "fewer than {} people in no listed group or place"
# Cells hidden for these reasons protect others; they may themselves be worked out (then they protect nothing, and the
# audit, which tests every cell, does not count on them).
NOT_SENSITIVE = {COMPLEMENT_REASON, STICKY_REASON, REMAINDER_REASON}
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
    sensitive: np.ndarray  # hidden for its own sake (small, a partner's mark...), not only to protect another
    sole_partner: np.ndarray | None = None  # the partner whose values alone make the cell
    exposed_to: np.ndarray | None = None  # the partners the contributor rule hides the cell from (tuples), or None
    partner_tables: dict | None = None  # per partner, the tables it sent to that other partners sent to as well
    history: published.History | None = None  # known: per row, whether each quantity was shown before
    real: int | None = None  # rows after this many are "(not listed)" remainders (with_remainders)

    def column(self, name: str) -> np.ndarray:
        """A CELL_KEY column as names."""
        if name == "geography":
            return self.names["geography"][self.place]
        codes = self.dimension if name == "dimension" else self.group
        return np.where(codes < 0, "All", self.names[name][np.maximum(codes, 0)]).astype(object)


def with_remainders(rows: LinkedRows, threshold: np.ndarray) -> LinkedRows:
    """`rows`, and after them a "(not listed)" cell for every sum whose parts fall short of its total: per place and
    dimension (groups short of the place's total, the community being a place here), and per group and for everyone
    (places short of the community's figure). A remainder that is unknown (a partner's mark) is NaN: an unknown of the
    sums like any hidden cell. One that is negative (groups that overlap, places counted twice) is infinite: its sum
    does not hold, so the audit does not use it (nor the "(not listed)" row's and column's own sums, which then do
    not hold either). Remainders are hidden (a 0 is known), never shown or chosen, and sensitive when small (1 to k-1
    in a count, numerator, denominator or their difference); `threshold` is k per row."""
    n_place, n_group = len(rows.names["geography"]), len(rows.names["group_value"])
    n_dim = int(rows.dimension.max(initial=0)) + 2
    community_code = np.flatnonzero(rows.names["geography"] == "Community")
    cells = {"table": rows.table.astype(np.int64), "place": rows.place, "dimension": rows.dimension, "group": rows.group,
             "ratio": rows.ratio, "k": threshold, **{f"q_{q}": v for q, v in rows.quantities.items()},
             "partner": rows.sole_partner if rows.sole_partner is not None else np.full(len(rows.table), None, dtype=object)}

    def key(*parts: np.ndarray) -> np.ndarray:
        out = np.zeros(len(parts[0]), dtype=np.int64)
        for part, size in zip(parts, (1 << 40, n_place + 2, n_dim + 1, n_group + 2), strict=False):
            out = out * size + part + 1
        return out

    total = cells["dimension"] < 0
    by_place = _shortfalls(cells, ~total, key(cells["table"], cells["place"], cells["dimension"]),
                           key(cells["table"], cells["place"]), total, key(cells["table"], cells["place"]))
    by_place["group"] = np.full(len(by_place["table"]), n_group)
    # Places short of the community's figure are worked out from the cells as sent (the "(not listed)" group's own
    # column sum is then checked like any other: it holds only when it does).
    community = np.isin(cells["place"], community_code)
    column = key(cells["table"], np.zeros_like(cells["table"]), cells["dimension"], cells["group"])
    by_column = _shortfalls(cells, ~community, column, column, community, column)
    by_column["place"] = np.full(len(by_column["table"]), n_place)
    extra = {c: np.concatenate([by_place[c], by_column[c]]) for c in by_place}
    count = len(extra["table"])
    values = {q: extra[f"q_{q}"] for q in rows.quantities}
    small = np.zeros(count, dtype=bool)
    with np.errstate(invalid="ignore"):  # inf - inf: a remainder of two sums that both do not hold
        rest = values["denominator"] - values["numerator"]
    for part in (np.where(extra["ratio"], values["numerator"], values["value"]), np.where(extra["ratio"], values["denominator"], np.nan),
                 np.where(extra["ratio"], rest, np.nan)):
        small |= (part >= 1) & (part < extra["k"])
    nonzero = np.zeros(count, dtype=bool)
    for v, applies in ((values["value"], ~extra["ratio"]), (values["numerator"], extra["ratio"]), (values["denominator"], extra["ratio"])):
        nonzero |= applies & (np.isnan(v) | (v != 0))
    known = rows.history.known if rows.history is not None and rows.history.known is not None else None
    history = rows.history or published.History()
    # A remainder protects nothing: a later version that lists its part (a partner sending the missing group or place)
    # gives its number away, so the audit counts every remainder but a small one as known. Only an unknown one (a
    # partner's mark) stays an unknown.
    sensitive = small & nonzero
    given = {q: np.isfinite(values[q]) & ((values[q] == 0) | ~sensitive) for q in values}
    known = {q: np.concatenate([known[q] if known is not None else np.zeros(len(rows.table), bool), given[q]]) for q in values}
    history = published.History(history.versions, history.sticky, known)
    reason = np.full(count, REMAINDER_REASON, dtype=object)
    for k in np.unique(extra["k"][small]):
        reason[small & (extra["k"] == k)] = SMALL_REMAINDER_REASON.format(k)
    return LinkedRows(
        tables=rows.tables, table=np.concatenate([rows.table, extra["table"]]),
        place=np.concatenate([rows.place, extra["place"]]), dimension=np.concatenate([rows.dimension, extra["dimension"]]),
        group=np.concatenate([rows.group, extra["group"]]),
        names={**rows.names, "geography": np.append(rows.names["geography"], UNLISTED),
               "group_value": np.append(rows.names["group_value"], UNLISTED)},
        quantities={q: np.concatenate([rows.quantities[q], values[q]]) for q in rows.quantities},
        ratio=np.concatenate([rows.ratio, extra["ratio"]]), size=np.concatenate([rows.size, np.full(count, np.nan)]),
        hidden=np.concatenate([rows.hidden, nonzero]), reason=np.concatenate([rows.reason, reason]),
        can_hide=np.concatenate([rows.can_hide, np.zeros(count, dtype=bool)]),
        sensitive=np.concatenate([rows.sensitive, sensitive]),
        sole_partner=np.concatenate([cells["partner"][: len(rows.table)], extra["partner"]]),
        exposed_to=np.concatenate([rows.exposed_to if rows.exposed_to is not None else np.full(len(rows.table), None, object),
                                   np.full(count, None, dtype=object)]),
        partner_tables=rows.partner_tables, history=history, real=len(rows.table))


def _shortfalls(cells: dict, member: np.ndarray, group_key: np.ndarray, top_key_of_member: np.ndarray, top: np.ndarray,
                top_key: np.ndarray) -> dict:
    """For every set of members (same group_key) whose total exists: a cell like its total, holding the total less the
    members' sum in each quantity (NaN when unknown, infinite when negative: that sum does not hold), owned by the one
    partner who sent them all if so."""
    members = np.flatnonzero(member)
    keys, first, at = np.unique(group_key[members], return_index=True, return_inverse=True)
    tops = np.flatnonzero(top)
    order = np.argsort(top_key[tops], kind="stable")
    sorted_keys = top_key[tops][order]
    wanted = top_key_of_member[members[first]]
    where = np.minimum(np.searchsorted(sorted_keys, wanted), max(len(sorted_keys) - 1, 0))
    found = (sorted_keys[where] == wanted) if len(sorted_keys) else np.zeros(len(keys), dtype=bool)
    total_row = tops[order][where[found]] if len(sorted_keys) else np.zeros(0, dtype=np.int64)
    out = {c: cells[c][total_row].copy() for c in cells}
    out["dimension"] = cells["dimension"][members[first][found]]
    out["group"] = cells["group"][members[first][found]]
    for name in [c for c in cells if c.startswith("q_")]:
        sums = np.zeros(len(keys))
        np.add.at(sums, at, cells[name][members])
        left = cells[name][total_row] - sums[found]
        out[name] = np.where(left < -1e-9, np.inf, np.maximum(left, 0.0))
    # Whose: the partner of the total, when every member is that partner's too.
    partner = cells["partner"][members]
    codes, partner_code = pd.factorize(pd.Series(partner, dtype=object), use_na_sentinel=True)
    lowest = np.full(len(keys), np.iinfo(np.int64).max)
    highest = np.full(len(keys), -2)
    np.minimum.at(lowest, at, codes)
    np.maximum.at(highest, at, codes)
    one = (lowest == highest) & (lowest >= 0)
    owner = np.where(one, partner_code.to_numpy(object)[np.maximum(lowest, 0)] if len(partner_code) else None, None)[found]
    out["partner"] = np.where(owner == cells["partner"][total_row], owner, None).astype(object)
    return out


@dataclass
class _View:
    """One observer's view of one quantity: the cells with that quantity's values, what the observer knows besides
    the shown cells, and whose view it is (a partner knows its own cells; None is the public)."""

    quantity: str  # "value" (a count's value or a rate's numerator) or "denominator"
    cells: LinkedCells
    known: np.ndarray
    sensitive: np.ndarray  # the hidden cells this observer must not work out
    partner: str | None = None


@dataclass
class Outcome:
    """What the linked suppression decided: the hidden mask (per row), the new versions to record, and how many hidden
    cells of the tables published some view still determines, each once (0 unless a table ran out of cells to hide)."""

    hidden: np.ndarray
    versions: list[dict]
    determined: int
    # Tables (metric, period) whose new version, beside the versions published before, would let this many hidden
    # cells be worked out whatever else is hidden in it: held back, their published version stays (holdback.py).
    held: dict = field(default_factory=dict)
    # Per row, why it is hidden (None where shown): a version published again hides what it hid then, and no more.
    reason: np.ndarray | None = None


def protect_linked(rows: LinkedRows) -> Outcome:
    """Hide more of `rows` until no view of any table determines a hidden cell; see the module docstring."""
    community = np.isin(rows.place, np.flatnonzero(np.asarray(rows.names["geography"]) == "Community"))
    cells = LinkedCells(rows.table, rows.place, community, rows.dimension, rows.group)
    # Preference among cells to hide: non-zero before zero, the smallest, then the first by name.
    order = np.lexsort((rows.group, rows.dimension, rows.place, np.nan_to_num(rows.size, nan=np.inf), rows.size == 0))
    preference = np.empty(len(order), dtype=np.int64)
    preference[order] = np.arange(len(order))
    views = _views(rows, cells)
    left: list = []
    hidden, determined = disclosure.protect(cells, rows.hidden, [(v.cells, v.known, v.sensitive) for v in views],
                                            rows.can_hide, preference, rows.size == 0, left=left)
    rows.reason[hidden & ~rows.hidden] = COMPLEMENT_REASON
    fingerprints = _Fingerprints(rows)
    # A table this version's own audit could not protect (its protecting cells shown before) is weighed like a changed
    # one, so that it too is held back rather than published.
    hidden, held, checked = _across_versions(rows, views, hidden, preference, fingerprints, recheck=determined > 0)
    # The check across versions hid more or held the table back: what stays determined is in the tables it did not
    # weigh (each cell once, not once per observer).
    left_cells = np.asarray(left, dtype=np.int64)
    published_left = int((~np.isin(rows.table[left_cells], list(checked))).sum())
    return Outcome(hidden, _versions(rows, views, hidden, fingerprints, held), published_left,
                   {rows.tables[table]: count for table, count in held.items()}, rows.reason)


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
    sent to a table others sent to as well (knowing its own cells too). Every observer must not work out a cell hidden
    for its own sake; a cell the contributor rule hides is kept from the partners it names."""
    count = len(rows.table)
    exposed = rows.exposed_to if rows.exposed_to is not None else np.full(count, None, dtype=object)
    contributor_only = np.zeros(count, dtype=bool)
    if rows.exposed_to is not None:
        # Only cells the contributor rule names partners for can carry its reason: test those few.
        named = np.flatnonzero(pd.notna(exposed) & rows.hidden)
        prefix = CONTRIBUTOR_REASON.split("{")[0]
        contributor_only[named] = [isinstance(r, str) and r.startswith(prefix) for r in rows.reason[named]]
    public_sensitive = rows.sensitive & ~contributor_only
    views = []
    for quantity, applies in (("value", np.ones(count, dtype=bool)), ("denominator", rows.ratio)):
        if not applies.any():
            continue
        known = _known(rows, quantity) | ~applies
        with_values = replace(cells, value=_quantity_values(rows, quantity))
        views.append(_View(quantity, with_values, known, public_sensitive))
        for partner, tables in sorted((rows.partner_tables or {}).items()):
            own = rows.sole_partner == partner if rows.sole_partner is not None else np.zeros(count, dtype=bool)
            kept_from_it = np.zeros(count, dtype=bool)
            named = np.flatnonzero(contributor_only)
            kept_from_it[named] = [partner in exposed[i] for i in named]
            views.append(_View(quantity, with_values, known | own | ~np.isin(rows.table, tables),
                               public_sensitive | (contributor_only & kept_from_it), partner))
    return views


class _Fingerprints:
    """Order-independent fingerprints per table, of its cells' numbers and of which cells are hidden: a table whose
    fingerprints match its last published version has nothing new to record or to weigh against the past."""

    def __init__(self, rows: LinkedRows):
        self.rows = rows
        self.real = np.arange(len(rows.table)) < (rows.real if rows.real is not None else len(rows.table))
        key = np.zeros(len(rows.table), dtype=np.uint64)
        for name, codes in (("geography", rows.place), ("dimension", rows.dimension), ("group_value", rows.group)):
            # Each name hashed once, then looked up by code ("All" for the -1 of everyone).
            hashes = pd.util.hash_array(np.append(np.asarray(rows.names[name], dtype=object), "All"))
            key = _mix(key, hashes[np.where(codes < 0, len(rows.names[name]), codes)])
        numbers = key
        for quantity in published.QUANTITIES:
            numbers = _mix(numbers, pd.util.hash_array(rows.quantities[quantity]))
        self.key, self.numbers = key, numbers

    def of_values(self, table: int) -> str:
        return _per_table(self.numbers, (self.rows.table == table) & self.real)

    def of_hidden(self, table: int, hidden: np.ndarray) -> str:
        return _per_table(self.key, (self.rows.table == table) & hidden & self.real)


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (a * np.uint64(0x9E3779B97F4A7C15)) ^ b


def _per_table(hashes: np.ndarray, rows: np.ndarray) -> str:
    return format(int(hashes[rows].sum(dtype=np.uint64)), "x") if rows.any() else "0"


def _across_versions(rows: LinkedRows, views: list[_View], hidden: np.ndarray, preference: np.ndarray,
                     fingerprints: _Fingerprints, recheck: bool = False) -> tuple[np.ndarray, dict, set]:
    """For each table published before with other values (with `recheck`, also each with values shown before): stack
    its versions with this one and hide more until the versions together determine no hidden cell. Returns the hidden
    mask; the tables (by code) where hiding more could not stop it, with how many cells they would give away: those
    are held back; and the tables weighed."""
    history = rows.history
    if not recheck and (history is None or not history.versions):
        return hidden, {}, set()
    history = history or published.History()
    # Published before: a real cell's value shown in an earlier version (a remainder's "known" is the audit's caution).
    shown = (_known(rows, "value") | _known(rows, "denominator")) & fingerprints.real
    shown_before = np.unique(rows.table[shown]) if recheck else []
    hidden = hidden.copy()
    held, checked = {}, set()
    for table in np.unique(rows.table[(hidden & fingerprints.real) | rows.sensitive]):
        earlier = history.versions.get(rows.tables[table], [])
        values = fingerprints.of_values(table)
        if table not in shown_before and not any(v.values_fingerprint != values for v in earlier):
            continue  # never published with other values: this version's own audit covers it
        checked.add(table)
        mine = np.flatnonzero(rows.table == table)
        before = [_VersionCells(v) for v in earlier]
        shown = _shown_labels(history.shown, rows.tables[table])
        now_labels = _labels_of(*(rows.column(c)[mine] for c in published.CELL_KEY),
                                {q: rows.quantities[q][mine] for q in published.QUANTITIES})
        applying = [view for view in views if _applies(rows, view, mine)]
        for round_ in range(MAX_VERSION_ROUNDS + 1):
            labels: set = set()
            tested: set = set()
            sums = pd.concat([_sums(rows, v, hidden, mine) for v in applying if v.partner is None], ignore_index=True)
            now = _VersionCells(published.Version(0, "", "", published.plain(_hidden_cells(rows, mine[hidden[mine]])), sums))
            versions = [now, *before]
            # A cell shown in any version, this one included, is known in every version that has its number; so is one
            # any version counts as known though hidden (a remainder that is not small: see with_remainders).
            known = {q: shown[q] | {label for label, hid in zip(now_labels[q], hidden[mine], strict=True) if not hid}
                     | set().union(*(v.known_labels(q) for v in versions)) for q in ("value", "denominator")}
            for view in applying:
                # Most partners own none of the hidden cells: their view is the public's, and needs no second test.
                same = (view.quantity, b"".join(m.tobytes() for v in versions for m in v.masks(view)))
                if same in tested:
                    continue
                tested.add(same)
                systems = [v.system(view) for v in versions]
                labels |= disclosure.determined_across_versions([_without(s, known[view.quantity]) for s in systems])
            if not labels:
                break
            # The last round only checks: a table still giving cells away then is held back too.
            extra = _near(rows, mine, hidden, labels, preference) if round_ < MAX_VERSION_ROUNDS else []
            if not len(extra):
                again = [v for v in earlier if v.values_fingerprint == values]
                if again:
                    # The numbers the sums are over are a published version's (an undo brought them back, or the change
                    # was to figures outside the sums, such as rates sent without counts): hidden exactly as then, they
                    # tell no one anything the published versions do not already tell.
                    _as_in(rows, mine, hidden, again[-1])
                else:
                    held[table] = len(labels)
                break
            hidden[extra] = True
            rows.reason[extra] = COMPLEMENT_REASON
    return hidden, held, checked


def _as_in(rows: LinkedRows, mine: np.ndarray, hidden: np.ndarray, version: published.Version) -> None:
    """Hide exactly the cells of `mine` (one table's rows) that `version` hid, each for the reason it gave then."""
    then = version.hidden
    reasons = dict(zip(zip(*(then.column(c).to_pylist() for c in published.CELL_KEY), strict=True),
                       then.column("suppression_reason").to_pylist(), strict=True))
    now = list(zip(*(rows.column(c)[mine] for c in published.CELL_KEY), strict=True))
    hidden[mine] = [key in reasons for key in now]
    rows.reason[mine] = [reasons.get(key) for key in now]


def _labels_of(geography, dimension, group, numbers: dict) -> dict[str, list]:
    """Each cell's label per quantity as the versions' systems name their unknowns: (cell, number), a rate's numerator
    standing for its value."""
    numerator, denominator, value = (np.asarray(numbers[q], dtype=float) for q in ("numerator", "denominator", "value"))
    ratio = ~np.isnan(numerator) | ~np.isnan(denominator)
    keys = list(zip(geography, dimension, group, strict=True))
    return {q: [(*key, "?" if np.isnan(n) else round(float(n), 9)) for key, n in zip(keys, column, strict=True)]
            for q, column in (("value", np.where(ratio, numerator, value)), ("denominator", denominator))}


def _shown_labels(shown: pd.DataFrame | None, table: tuple) -> dict[str, set]:
    """The labels of every cell of `table` shown in a published version."""
    if shown is None or shown.empty:
        return {"value": set(), "denominator": set()}
    mine = shown[(shown.metric_code == table[0]) & (shown.period_label == table[1])]
    labels = _labels_of(*(mine[c].to_numpy(object) for c in published.CELL_KEY),
                        {q: mine[q].to_numpy(float, na_value=np.nan) for q in published.QUANTITIES})
    return {q: set(found) for q, found in labels.items()}


def _without(system: tuple[np.ndarray, list, np.ndarray], known: set) -> tuple[np.ndarray, list, np.ndarray]:
    """A version's system with the unknowns in `known` taken out: their numbers are constants of the sums."""
    matrix, names, sensitive = system
    keep = np.array([name not in known for name in names], dtype=bool)
    return matrix[:, keep], [n for n, k in zip(names, keep, strict=True) if k], sensitive[keep]


def _applies(rows: LinkedRows, view: _View, mine: np.ndarray) -> bool:
    """Whether a view concerns a table: denominators only for rates; a partner only where it sent something."""
    if view.quantity == "denominator" and not rows.ratio[mine].any():
        return False
    return view.partner is None or np.isin(rows.table[mine[0]], (rows.partner_tables or {}).get(view.partner, []))


def _hidden_cells(rows: LinkedRows, which: np.ndarray) -> pa.Table:
    """The given rows as published.HIDDEN_COLUMNS (true numbers, reason, whose, known before)."""
    columns = {name: _names(rows, name, which) for name in published.CELL_KEY}
    columns |= {quantity: pa.array(rows.quantities[quantity][which]) for quantity in published.QUANTITIES}
    columns["suppression_reason"] = _labels(rows.reason[which])
    columns["sole_partner"] = _labels(rows.sole_partner[which] if rows.sole_partner is not None else np.full(len(which), None))
    exposed = rows.exposed_to[which] if rows.exposed_to is not None else np.full(len(which), None)
    columns["exposed_to"] = _labels(np.array([";".join(e) if e else None for e in exposed], dtype=object))
    known = rows.history.known if rows.history is not None else None
    for quantity in published.QUANTITIES:
        columns[f"known_{quantity}"] = pa.array(known[quantity][which] if known is not None else np.zeros(len(which), dtype=bool))
    return pa.table(columns)


def _names(rows: LinkedRows, name: str, which: np.ndarray) -> pa.DictionaryArray:
    """A CELL_KEY column of the given rows as Arrow, coded (no string per row is made)."""
    names = rows.names[name]
    if name == "geography":
        codes = rows.place[which]
    else:
        codes = np.where(rows.dimension[which] < 0, len(names), (rows.dimension if name == "dimension" else rows.group)[which])
        names = np.append(names, "All")
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(names.astype(str)))


def _labels(values: np.ndarray) -> pa.DictionaryArray:
    """Repeated text (a reason, a partner) as coded Arrow, None kept."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0),
                                          pa.array(np.asarray(uniques, dtype=object), type=pa.string()))


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
    kind = np.repeat(np.array(["R", "K", "T"], dtype=object), [touches_r.sum(), touches_k.sum(), touches_t.sum()])
    none = np.full(touches_k.sum() + touches_t.sum(), None, dtype=object)
    return pd.DataFrame({
        "quantity": view.quantity, "table": np.concatenate([r[touches_r, 0], k[touches_k, 0], t[touches_t]]), "kind": kind,
        "geography": np.concatenate([geography[r[touches_r, 1]], none]),
        "dimension": np.concatenate([dimension[r[touches_r, 2]], dimension[k[touches_k, 1]], none[: touches_t.sum()]]),
        "group_value": np.concatenate([np.full(touches_r.sum(), None, dtype=object), group[k[touches_k, 2]],
                                       none[: touches_t.sum()]]),
    })


class _VersionCells:
    """One version's hidden cells and sums as plain arrays, worked out once and reused for every view and round."""

    def __init__(self, version: published.Version):
        sums = version.sums

        def column(name: str, kind=object) -> np.ndarray:
            if name not in version.hidden.column_names:
                return np.full(version.hidden.num_rows, None, dtype=object)
            values = version.hidden.column(name).to_numpy(zero_copy_only=False)
            return values.astype(kind) if kind is not object else np.asarray(values, dtype=object)

        self.geography, self.dimension, self.group = (column(c) for c in published.CELL_KEY)
        self.total = (self.dimension == "All") & (self.group == "All")
        self.community = self.geography == "Community"
        numbers = {q: np.asarray(column(q, float), dtype=float) for q in ("numerator", "denominator", "value")}
        ratio = ~np.isnan(numbers["numerator"]) | ~np.isnan(numbers["denominator"])
        self.labels = _labels_of(self.geography, self.dimension, self.group, numbers)
        known = {q: np.asarray(column(f"known_{q}", bool), dtype=bool) for q in ("value", "numerator", "denominator")}
        self.known = {"value": np.where(ratio, known["numerator"], known["value"]), "denominator": known["denominator"]}
        self.sole = column("sole_partner")
        reason = column("suppression_reason")
        self.own_sake = ~np.isin(reason, list(NOT_SENSITIVE))
        prefix = CONTRIBUTOR_REASON.split("{")[0]
        self.contributor = np.array([isinstance(r, str) and r.startswith(prefix) for r in reason], dtype=bool)
        self.exposed = [set(e.split(";")) if isinstance(e, str) and e else set() for e in column("exposed_to")]
        if isinstance(sums, pa.Table):
            sums = {c: np.asarray(sums.column(c).to_numpy(zero_copy_only=False), dtype=object) for c in published.SUMS_COLUMNS}
        else:
            sums = {c: sums[c].to_numpy(object) for c in published.SUMS_COLUMNS}
        self._masks: dict = {}  # per (quantity, partner): masks()
        self.matrix = {q: self._matrix({c: v[sums["quantity"] == q] for c, v in sums.items()}) for q in ("value", "denominator")}

    def _matrix(self, sums: dict) -> np.ndarray:
        """One row per sum over this version's hidden cells: +1 on its total, -1 on its parts."""
        codes = {}
        for name, cells in (("geography", self.geography), ("dimension", self.dimension), ("group_value", self.group)):
            # Shared codes for the sums' names and the cells' (None a name like any other: it matches no cell's).
            both, _ = pd.factorize(np.concatenate([sums[name], cells]), use_na_sentinel=False)
            codes[name] = both[: len(sums[name])][:, None] == both[len(sums[name]):][None, :]
        kind = np.asarray(sums["kind"], dtype=object)[:, None]
        total = self.total[None, :].astype(float)
        sign = np.where(self.community, 1.0, -1.0)[None, :]
        # R: a place's total less its groups in one dimension; K: the community's group less the places' same group;
        # T: the community's total less the places' totals. A total's dimension is "All", never a sum's.
        place_row = codes["geography"] * (total - codes["dimension"])
        group_column = (codes["dimension"] & codes["group_value"]) * sign
        return np.where(kind == "R", place_row, np.where(kind == "K", group_column, total * sign)).astype(float)

    def known_labels(self, quantity: str) -> set:
        """The labels of the hidden cells this version counts as known (shown before with that number, or a remainder
        that is not small)."""
        return {label for label, known in zip(self.labels[quantity], self.known[quantity], strict=True) if known}

    def masks(self, view: _View) -> tuple[np.ndarray, np.ndarray]:
        """Per hidden cell: unknown to the view, and not to be worked out by it (hidden for its own sake; a
        contributor-rule cell only from its partners)."""
        key = (view.quantity, view.partner)
        if key not in self._masks:
            unknown = ~self.known[view.quantity]
            if view.partner is not None:
                unknown &= self.sole != view.partner
            kept_from_view = np.array([view.partner in e for e in self.exposed], dtype=bool)
            self._masks[key] = unknown, self.own_sake & (~self.contributor | kept_from_view)
        return self._masks[key]

    def system(self, view: _View) -> tuple[np.ndarray, list, np.ndarray]:
        """The sums over the hidden cells the view does not know, each unknown's label (cell and number), and which
        of those unknowns it must not work out."""
        unknown, sensitive = self.masks(view)
        labels = [label for label, keep in zip(self.labels[view.quantity], unknown, strict=True) if keep]
        return self.matrix[view.quantity][:, unknown], labels, sensitive[unknown]


def _near(rows: LinkedRows, mine: np.ndarray, hidden: np.ndarray, labels: set, preference: np.ndarray) -> np.ndarray:
    """For each determined label, the preferred cell of this table still shown that shares a sum with it."""
    geography, dimension, group = (rows.column(c)[mine] for c in published.CELL_KEY)
    total = (dimension == "All") & (group == "All")
    known = _known(rows, "value") & (_known(rows, "denominator") | ~rows.ratio)
    open_cells = rows.can_hide[mine] & ~hidden[mine] & ~known[mine]
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


def _versions(rows: LinkedRows, views: list[_View], hidden: np.ndarray, fingerprints: _Fingerprints,
              held: dict) -> list[dict]:
    """The history rows of the tables whose published state is new (a held-back table publishes nothing)."""
    changed = []
    for table in np.unique(rows.table[(hidden & fingerprints.real) | rows.sensitive]):
        if table in held:
            continue
        latest = rows.history.latest(rows.tables[table]) if rows.history else None
        state = (fingerprints.of_values(table), fingerprints.of_hidden(table, hidden))
        if latest is None or (latest.values_fingerprint, latest.hidden_fingerprint) != state:
            changed.append((table, state, latest.version + 1 if latest else 1))
    if not changed:
        return []
    tables = np.array([t for t, _, _ in changed])
    which = np.flatnonzero(hidden & np.isin(rows.table, tables))
    cells = _sorted(_hidden_cells(rows, which), rows.table[which])
    public = [v for v in views if v.partner is None]
    ratio_tables = np.unique(rows.table[rows.ratio])
    sums = pd.concat([found[found.table.isin(ratio_tables)] if v.quantity == "denominator" else found
                      for v in public for found in [_sums(rows, v, hidden)]], ignore_index=True)
    sums = _sorted(pa.Table.from_pandas(sums.drop(columns="table"), preserve_index=False), sums.table.to_numpy())
    return [published.record(rows.tables[table], version, state, _of_table(cells, table), _of_table(sums, table))
            for table, state, version in changed]


def _sorted(arrow: pa.Table, table: np.ndarray) -> pa.Table:
    """`arrow` sorted by `table` (kept as a column), so each table's rows are one slice."""
    order = np.argsort(table, kind="stable")
    return arrow.take(order).append_column("table", pa.array(table[order]))


def _of_table(arrow: pa.Table, table: int) -> pa.Table:
    codes = arrow.column("table").to_numpy()
    start, end = np.searchsorted(codes, table), np.searchsorted(codes, table, side="right")
    return arrow.slice(start, end - start)
