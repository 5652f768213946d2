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


def suppress(outcomes: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Apply the small-cell rules to community_outcomes rows; `metrics` gives each metric's unit and threshold k.

    - counts 1..k-1 are suppressed (0 is shown); k = 0 marks a metric that does not count people;
    - a percent or rate is suppressed when its denominator is below k, or its numerator or
      denominator - numerator is 1..k-1; a percent at either end of such a group reads "≤5%" / "≥95%";
    - complementary suppression: every margin (groups of a place, places of the community) has no suppressed
      cell or at least two, and a group equal to its total is suppressed;
    - rates on fewer than 20 events are flagged unstable.
    """
    frame = outcomes.merge(metrics[["metric_code", "unit", "suppression_threshold"]], on="metric_code", how="left")
    frame = frame.reset_index(drop=True)
    k = frame.suppression_threshold.fillna(DEFAULT_SUPPRESSION_THRESHOLD).astype(int)
    protected = k > 0
    is_count = frame.unit.eq("count")
    is_ratio = frame.unit.isin(list(UNIT_SCALE)) & frame.numerator.notna() & frame.denominator.notna()
    numerator, denominator = frame.numerator, frame.denominator
    rest = denominator - numerator

    def small(count: pd.Series) -> pd.Series:
        return (count >= 1) & (count < k)

    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    at_source = frame.suppressed.fillna(False).astype(bool)
    reason[at_source] = "suppressed by the partner (" + frame.suppression_marks.fillna("marked") + ")"
    small_count = protected & is_count & small(frame.value)
    small_group = protected & is_ratio & (denominator < k)
    small_part = protected & is_ratio & ~small_group & (small(numerator) | small(rest))
    reason[~at_source & small_count] = "fewer than " + k.astype(str) + " people"
    reason[~at_source & small_group] = "group of fewer than " + k.astype(str) + " people"
    reason[~at_source & small_part & reason.isna()] = "fewer than " + k.astype(str) + " people in this result"

    display = pd.Series(pd.NA, index=frame.index, dtype="string")
    percent = frame.unit.eq("percent") & small_part & ~at_source
    display[percent & small(numerator) & (frame.value <= 5)] = "≤5%"
    display[percent & small(rest) & (frame.value >= 95)] = "≥95%"

    # How big a cell is, for choosing the smallest cell to hide alongside another (zeros are shown, never chosen).
    size = np.where(is_ratio, denominator, frame.value).astype(float)
    # Cells the partner already hid count as hidden members of their margins.
    eligible = ((is_count | is_ratio | at_source) & protected).to_numpy()
    hidden = reason.notna().to_numpy().copy()
    margins = [_Margin.groups(frame, eligible), _Margin.places(frame, eligible)]
    for _ in range(MAX_PASSES):
        before = int(hidden.sum())
        equal = _equal_to_total(frame, size, eligible & ~hidden)
        reason[equal & ~hidden] = "the whole group: equal to its total"
        hidden |= equal
        for margin in margins:
            extra = margin.complements(hidden, size)
            reason[extra & ~hidden] = "hidden so that another small cell cannot be worked out"
            hidden |= extra
        if int(hidden.sum()) == before:
            break

    public = frame.assign(
        value=frame.value.where(~hidden),
        numerator=frame.numerator.where(~hidden),
        denominator=frame.denominator.where(~hidden),
        suppressed=hidden,
        suppression_reason=reason,
        display=display.where(hidden),
        unstable=frame.unit.isin(list(RATE_UNITS)) & ~hidden & numerator.notna() & (numerator < UNSTABLE_BELOW),
    )
    return public[PUBLIC_COLUMNS]


class _Margin:
    """One kind of margin: member rows that add up to a total row, identified by integer ids computed once."""

    def __init__(self, member_of: np.ndarray, total_row: np.ndarray):
        self.member_of = member_of  # per row: its margin's id, or -1 when the row is not a member
        self.total_row = total_row  # per margin id: the row index of its total, or -1
        self.count = len(total_row)

    @classmethod
    def groups(cls, frame: pd.DataFrame, eligible: np.ndarray) -> _Margin:
        """The groups of a dimension at one place, and the place's all-groups total."""
        place = frame.groupby(GROUP_MARGIN[:-1], sort=False, dropna=False).ngroup().to_numpy()
        margin = frame.groupby(GROUP_MARGIN, sort=False, dropna=False).ngroup().to_numpy()
        is_total = (frame.dimension.eq("All") & frame.group_value.eq("All")).to_numpy()
        total_of_place = np.full(place.max() + 1 if len(place) else 0, -1)
        total_of_place[place[is_total]] = np.flatnonzero(is_total)
        members = frame.dimension.ne("All").to_numpy() & eligible
        total_row = np.full(margin.max() + 1 if len(margin) else 0, -1)
        total_row[margin[members]] = total_of_place[place[members]]
        return cls(np.where(members, margin, -1), total_row)

    @classmethod
    def places(cls, frame: pd.DataFrame, eligible: np.ndarray) -> _Margin:
        """The places of one group, and the whole community's value for it."""
        margin = frame.groupby(PLACE_MARGIN, sort=False, dropna=False).ngroup().to_numpy()
        is_total = frame.geography.eq("Community").to_numpy()
        total_row = np.full(margin.max() + 1 if len(margin) else 0, -1)
        total_row[margin[is_total]] = np.flatnonzero(is_total)
        return cls(np.where(~is_total & eligible, margin, -1), total_row)

    def complements(self, hidden: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Rows to hide so that no margin has exactly one hidden member: its smallest other member, else its total."""
        extra = np.zeros(len(hidden), dtype=bool)
        member = self.member_of >= 0
        hidden_members = np.bincount(self.member_of[member & hidden], minlength=self.count)
        lonely = hidden_members == 1
        candidate = member & ~hidden & (np.nan_to_num(size, nan=0) > 0)
        candidate &= lonely[np.where(member, self.member_of, 0)]
        rows = np.flatnonzero(candidate)
        if len(rows):
            order = rows[np.lexsort((rows, size[rows], self.member_of[rows]))]
            first = np.r_[True, self.member_of[order][1:] != self.member_of[order][:-1]]
            extra[order[first]] = True
        covered = np.zeros(self.count, dtype=bool)
        covered[self.member_of[extra]] = True
        totals = self.total_row[lonely & ~covered]
        extra[totals[totals >= 0]] = True
        return extra & ~hidden


def _equal_to_total(frame: pd.DataFrame, size: np.ndarray, open_rows: np.ndarray) -> np.ndarray:
    """Groups as large as their place's total (everyone is in them): they say too much."""
    place = frame.groupby(GROUP_MARGIN[:-1], sort=False, dropna=False).ngroup().to_numpy()
    is_total = (frame.dimension.eq("All") & frame.group_value.eq("All")).to_numpy()
    total_size = np.full(place.max() + 1 if len(place) else 0, np.nan)
    total_size[place[is_total]] = size[is_total]
    theirs = total_size[place]
    return open_rows & frame.dimension.ne("All").to_numpy() & (theirs > 0) & (size == theirs)


def refresh_public_outcomes(cur: duckdb.DuckDBPyConnection, metric_codes: list[str] | None = None) -> int:
    """Rebuild public_outcomes (all of it, or the given metrics') inside the caller's write transaction; returns rows written.

    Both margins of complementary suppression lie within one metric, so rebuilding only the metrics a load or an undo
    touched gives exactly what a full rebuild would.
    """
    only = {"codes": list(metric_codes) if metric_codes is not None else None}
    which = "($codes IS NULL OR list_contains($codes, metric_code))"
    # Arrow, not .df(): the conversion to pandas is several times faster for a few hundred thousand rows.
    outcomes = cur.execute(f"SELECT * FROM community_outcomes WHERE {which}", only).to_arrow_table().to_pandas()
    metrics = cur.execute("SELECT metric_code, unit, suppression_threshold FROM metrics").df()
    public = suppress(outcomes, metrics) if len(outcomes) else pd.DataFrame(columns=PUBLIC_COLUMNS)
    cur.execute(f"DELETE FROM public_outcomes WHERE {which}", only)
    # As Arrow: DuckDB inserts it more than twice as fast as a pandas frame of strings and dates.
    cur.register("public_rows", pa.Table.from_pandas(public, preserve_index=False))
    cur.execute("INSERT INTO public_outcomes SELECT " + ", ".join(
        f"CAST({c} AS DATE)" if c in ("period_start", "period_end") else c for c in PUBLIC_COLUMNS) + " FROM public_rows")
    cur.unregister("public_rows")
    return len(public)
