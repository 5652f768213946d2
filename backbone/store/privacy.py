"""Small-cell suppression for everything partners and the public see, each suppressed value with its reason."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from backbone.config import DEFAULT_SUPPRESSION_THRESHOLD
from backbone.vocab import UNIT_SCALE

# A rate built on fewer events than this moves a lot by chance (NCHS practice): shown, but flagged.
UNSTABLE_BELOW = 20
RATE_UNITS = {"rate_per_1000", "rate_per_100000"}
PUBLIC_COLUMNS = [
    "metric_code", "period_label", "period_start", "period_end", "geography", "dimension", "group_value", "value",
    "numerator", "denominator", "suppressed", "suppression_marks", "suppression_reason", "display", "unstable",
    "n_partners", "value_basis", "last_updated",
]
# The two ways a hidden cell could be worked out by subtraction: the groups of a place add up to its total,
# and the places add up to the whole community.
GROUP_MARGIN = ["metric_code", "period_label", "geography", "dimension"]
PLACE_MARGIN = ["metric_code", "period_label", "dimension", "group_value"]
MAX_PASSES = 10
# What the rules read of a community_outcomes row, and what they decide for it.
RULE_INPUTS = GROUP_MARGIN + ["group_value", "value", "numerator", "denominator", "suppressed", "suppression_marks"]
FLAG_COLUMNS = ["suppressed", "suppression_reason", "display", "unstable"]
# community_outcomes rows with their FLAG_COLUMNS replaced by suppression_flags -> public_outcomes.
_INSERT_PUBLIC = """
INSERT INTO public_outcomes BY NAME
SELECT * REPLACE (CASE WHEN suppressed THEN NULL ELSE value END AS value,
                  CASE WHEN suppressed THEN NULL ELSE numerator END AS numerator,
                  CASE WHEN suppressed THEN NULL ELSE denominator END AS denominator)
FROM public_rows"""


def suppress(outcomes: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Apply the small-cell rules to community_outcomes rows; `metrics` gives each metric's unit and threshold k.

    - counts 1..k-1 are suppressed (0 is shown); k = 0 marks a metric that does not count people;
    - a percent or rate is suppressed when its denominator is below k, or its numerator or
      denominator - numerator is 1..k-1; a percent at either end of such a group reads "≤5%" / "≥95%";
    - complementary suppression: every margin (groups of a place, places of the community) has no suppressed
      cell or at least two (the smallest other cell is hidden, the first by name among equals), and a group equal to
      its total is suppressed;
    - rates on fewer than 20 events are flagged unstable.
    """
    frame = outcomes.reset_index(drop=True)
    flags = suppression_flags(frame, metrics)
    shown = ~flags.suppressed.to_numpy()
    # The same rule as _INSERT_PUBLIC: a hidden cell keeps no number.
    return frame.assign(value=frame.value.where(shown), numerator=frame.numerator.where(shown),
                        denominator=frame.denominator.where(shown), **flags)[PUBLIC_COLUMNS]


def suppression_flags(outcomes: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """The FLAG_COLUMNS of each row of `outcomes` (only its RULE_INPUTS are read), in the same order; see suppress."""
    # Codes in name order: between members of equal size the first by name is hidden, so every rebuild hides the same
    # cells whatever order the rows come in (two versions hiding different cells would give both values away).
    factorized = {c: pd.factorize(outcomes[c], sort=True, use_na_sentinel=False) for c in GROUP_MARGIN + PLACE_MARGIN[-1:]}
    key = {c: codes for c, (codes, _) in factorized.items()}
    metric, metric_codes = factorized["metric_code"]
    info = metrics.drop_duplicates("metric_code").set_index("metric_code").reindex(metric_codes)

    def per_row(values: pd.Series) -> np.ndarray:
        return values.to_numpy()[metric]

    k = per_row(info.suppression_threshold.fillna(DEFAULT_SUPPRESSION_THRESHOLD).astype(int))
    protected = k > 0
    value, numerator, denominator = (outcomes[c].to_numpy(dtype=float, na_value=np.nan) for c in ("value", "numerator", "denominator"))
    rest = denominator - numerator
    is_count = per_row(info.unit.eq("count"))
    is_ratio = per_row(info.unit.isin(list(UNIT_SCALE))) & ~np.isnan(numerator) & ~np.isnan(denominator)

    def small(count: np.ndarray) -> np.ndarray:
        return (count >= 1) & (count < k)

    # Reasons are written only for the rows that get one: string work on every row costs more than the rules.
    reason = np.full(len(outcomes), None, dtype=object)
    at_source = outcomes.suppressed.fillna(False).astype(bool).to_numpy()
    reason[at_source] = [f"suppressed by the partner ({marks})" for marks in outcomes.suppression_marks[at_source].fillna("marked")]
    small_count = protected & is_count & small(value)
    small_group = protected & is_ratio & (denominator < k)
    small_part = protected & is_ratio & ~small_group & (small(numerator) | small(rest))
    for rows, text in ((~at_source & small_count, "fewer than {} people"), (~at_source & small_group, "group of fewer than {} people"),
                       (~at_source & small_part & pd.isna(reason), "fewer than {} people in this result")):
        reason[rows] = [text.format(n) for n in k[rows]]

    display = np.full(len(outcomes), None, dtype=object)
    percent = per_row(info.unit.eq("percent")) & small_part & ~at_source
    display[percent & small(numerator) & (value <= 5)] = "≤5%"
    display[percent & small(rest) & (value >= 95)] = "≥95%"

    # How big a cell is, for choosing the smallest cell to hide alongside another (zeros are shown, never chosen).
    size = np.where(is_ratio, denominator, value)
    # Cells the partner already hid count as hidden members of their margins.
    eligible = (is_count | is_ratio | at_source) & protected
    hidden = pd.notna(reason)
    place = _ids(*(key[c] for c in GROUP_MARGIN[:-1]))
    is_total = (outcomes.dimension.eq("All") & outcomes.group_value.eq("All")).to_numpy()
    in_a_dimension = outcomes.dimension.ne("All").to_numpy()
    margins = [_Margin.groups(place, _ids(place, key["dimension"]), is_total, in_a_dimension & eligible, key["group_value"]),
               _Margin.places(_ids(*(key[c] for c in PLACE_MARGIN)), outcomes.geography.eq("Community").to_numpy(), eligible,
                              key["geography"])]
    for _ in range(MAX_PASSES):
        before = int(hidden.sum())
        equal = _equal_to_total(place, is_total, in_a_dimension, size, eligible & ~hidden)
        reason[equal & ~hidden] = "the whole group: equal to its total"
        hidden |= equal
        for margin in margins:
            extra = margin.complements(hidden, size)
            reason[extra & ~hidden] = "hidden so that another small cell cannot be worked out"
            hidden |= extra
        if int(hidden.sum()) == before:
            break

    display[~hidden] = None
    unstable = per_row(info.unit.isin(list(RATE_UNITS))) & ~hidden & (numerator < UNSTABLE_BELOW)  # NaN < 20 is False
    # Object columns: pandas would otherwise copy every row's text into a string array first.
    return pd.DataFrame({"suppressed": hidden, "suppression_reason": pd.Series(reason, dtype=object),
                         "display": pd.Series(display, dtype=object), "unstable": unstable})


def _ids(*codes: np.ndarray) -> np.ndarray:
    """One integer per distinct combination of the given per-row codes (what groupby().ngroup() gives, without strings)."""
    ids = codes[0]
    for more in codes[1:]:
        ids = pd.factorize(ids * (int(more.max(initial=0)) + 1) + more)[0]
    return ids


class _Margin:
    """One kind of margin: member rows that add up to a total row, identified by integer ids computed once."""

    def __init__(self, member_of: np.ndarray, total_row: np.ndarray, name: np.ndarray):
        self.member_of = member_of  # per row: its margin's id, or -1 when the row is not a member
        self.total_row = total_row  # per margin id: the row index of its total, or -1
        self.name = name  # per row: the member's name (group or place) as a rank, for breaking ties in size
        self.count = len(total_row)

    @classmethod
    def groups(cls, place: np.ndarray, margin: np.ndarray, is_total: np.ndarray, members: np.ndarray, group: np.ndarray) -> _Margin:
        """The groups of a dimension at one place, and the place's all-groups total."""
        total_of_place = np.full(place.max() + 1 if len(place) else 0, -1)
        total_of_place[place[is_total]] = np.flatnonzero(is_total)
        total_row = np.full(margin.max() + 1 if len(margin) else 0, -1)
        total_row[margin[members]] = total_of_place[place[members]]
        return cls(np.where(members, margin, -1), total_row, group)

    @classmethod
    def places(cls, margin: np.ndarray, is_total: np.ndarray, eligible: np.ndarray, place: np.ndarray) -> _Margin:
        """The places of one group, and the whole community's value for it."""
        total_row = np.full(margin.max() + 1 if len(margin) else 0, -1)
        total_row[margin[is_total]] = np.flatnonzero(is_total)
        return cls(np.where(~is_total & eligible, margin, -1), total_row, place)

    def complements(self, hidden: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Rows to hide so that no margin has exactly one hidden member: its smallest other member (the first by name
        among equals), else its total."""
        extra = np.zeros(len(hidden), dtype=bool)
        member = self.member_of >= 0
        hidden_members = np.bincount(self.member_of[member & hidden], minlength=self.count)
        lonely = hidden_members == 1
        candidate = member & ~hidden & (np.nan_to_num(size, nan=0) > 0)
        candidate &= lonely[np.where(member, self.member_of, 0)]
        rows = np.flatnonzero(candidate)
        if len(rows):
            order = rows[np.lexsort((self.name[rows], size[rows], self.member_of[rows]))]
            first = np.r_[True, self.member_of[order][1:] != self.member_of[order][:-1]]
            extra[order[first]] = True
        covered = np.zeros(self.count, dtype=bool)
        covered[self.member_of[extra]] = True
        totals = self.total_row[lonely & ~covered]
        extra[totals[totals >= 0]] = True
        return extra & ~hidden


def _equal_to_total(place: np.ndarray, is_total: np.ndarray, in_a_dimension: np.ndarray, size: np.ndarray,
                    open_rows: np.ndarray) -> np.ndarray:
    """Groups as large as their place's total (everyone is in them): they say too much."""
    total_size = np.full(place.max() + 1 if len(place) else 0, np.nan)
    total_size[place[is_total]] = size[is_total]
    theirs = total_size[place]
    return open_rows & in_a_dimension & (theirs > 0) & (size == theirs)


def refresh_public_outcomes(cur: duckdb.DuckDBPyConnection, metric_codes: list[str] | None = None) -> int:
    """Rebuild public_outcomes (all of it, or the given metrics') inside the caller's write transaction; returns rows written.

    Both margins of complementary suppression lie within one metric, so rebuilding only the metrics a load or an undo
    touched gives exactly what a full rebuild would.
    """
    return replace_public_rows(cur, metric_codes, public_rows(cur, metric_codes))


def public_rows(cur: duckdb.DuckDBPyConnection, metric_codes: list[str] | None = None,
                current: str = "current_observations") -> pa.Table:
    """public_outcomes' rows for the given metrics (all when None): community_outcomes with the small-cell rules applied.

    `current` names the relation of current values to combine: current_observations, or (while an upload is saved)
    a temporary view of the values as they will be once it lands.
    """
    # Arrow straight back into DuckDB: only the columns the rules read become pandas (strings cost most there).
    outcomes = cur.execute(f"SELECT * FROM community_outcomes_from($current) WHERE {_WHICH}",
                           {"codes": _codes(metric_codes), "current": current}).to_arrow_table()
    if not outcomes.num_rows:
        return outcomes
    metrics = cur.execute("SELECT metric_code, unit, suppression_threshold FROM metrics").df()
    flags = suppression_flags(outcomes.select(RULE_INPUTS).to_pandas(), metrics)
    rows = outcomes.drop_columns(FLAG_COLUMNS)
    for name in FLAG_COLUMNS:
        rows = rows.append_column(name, pa.array(flags[name], from_pandas=True))
    return rows


def replace_public_rows(cur: duckdb.DuckDBPyConnection, metric_codes: list[str] | None, rows: pa.Table) -> int:
    """Put `rows` (from public_rows) in place of the given metrics' public_outcomes rows; returns rows written."""
    cur.execute(f"DELETE FROM public_outcomes WHERE {_WHICH}", {"codes": _codes(metric_codes)})
    if not rows.num_rows:
        return 0
    cur.register("public_rows", rows)
    cur.execute(_INSERT_PUBLIC)
    cur.unregister("public_rows")
    return rows.num_rows


_WHICH = "($codes IS NULL OR list_contains($codes, metric_code))"


def _codes(metric_codes: list[str] | None) -> list[str] | None:
    return list(metric_codes) if metric_codes is not None else None
