"""Small-cell suppression for everything partners and the public see, each suppressed value with its reason."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

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
    size = pd.Series(np.where(is_ratio, denominator, frame.value), index=frame.index)
    # Cells the partner already hid count as hidden members of their margins.
    additive = is_count | is_ratio | at_source
    for _ in range(MAX_PASSES):
        before = int(reason.notna().sum())
        _hide_equal_to_total(frame, reason, size, additive & protected)
        for margin, total_of in ((GROUP_MARGIN, _group_totals), (PLACE_MARGIN, _place_totals)):
            _complete_margins(frame, reason, size, additive & protected, margin, total_of)
        if int(reason.notna().sum()) == before:
            break

    hidden = reason.notna()
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


def _group_totals(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Which rows are groups of a margin, and which are the all-groups totals of their place."""
    return frame.dimension.ne("All"), frame.dimension.eq("All") & frame.group_value.eq("All")


def _place_totals(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Which rows are places of a margin, and which are the whole community's totals."""
    return frame.geography.ne("Community"), frame.geography.eq("Community")


def _complete_margins(frame: pd.DataFrame, reason: pd.Series, size: pd.Series, eligible: pd.Series,
                      margin: list[str], total_of) -> None:
    """In every margin with exactly one hidden member, hide the smallest other member (or, failing one, the total)."""
    members, totals = total_of(frame)
    members = members & eligible
    if not members.any():
        return
    keys = frame.loc[members, margin]
    hidden_count = reason[members].notna().groupby([keys[c] for c in margin]).transform("sum")
    lonely = hidden_count.index[hidden_count == 1]
    if len(lonely) == 0:
        return
    lonely_keys = frame.loc[lonely, margin].drop_duplicates()
    candidates = frame.loc[members & reason.isna() & (size > 0), margin].assign(size=size)
    candidates = candidates.reset_index().merge(lonely_keys, on=margin)
    chosen = candidates.sort_values(["size", "index"]).drop_duplicates(margin)["index"]
    reason[chosen.to_numpy()] = "hidden so that another small cell cannot be worked out"
    covered = candidates[margin].drop_duplicates()
    uncovered = lonely_keys.merge(covered, on=margin, how="left", indicator=True).query("_merge == 'left_only'")[margin]
    if len(uncovered):
        # No other member can be hidden: hide the total instead, so the one hidden member stays hidden.
        total_keys = margin[:-1] if margin == GROUP_MARGIN else margin
        total_rows = frame[totals & reason.isna()].reset_index().merge(uncovered[total_keys].drop_duplicates(), on=total_keys)
        reason[total_rows["index"].to_numpy()] = "hidden so that another small cell cannot be worked out"


def _hide_equal_to_total(frame: pd.DataFrame, reason: pd.Series, size: pd.Series, eligible: pd.Series) -> None:
    """A group as large as its place's total says everyone is in it: hide it."""
    members, totals = _group_totals(frame)
    total_size = frame[totals].assign(total=size).set_index(GROUP_MARGIN[:-1]).total
    joined = frame.loc[members & eligible & reason.isna(), GROUP_MARGIN[:-1]].join(total_size, on=GROUP_MARGIN[:-1])
    equal = joined.index[(joined.total > 0) & (size[joined.index] == joined.total)]
    reason[equal] = "the whole group: equal to its total"


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
    cur.register("public_rows", public)
    cur.execute("INSERT INTO public_outcomes SELECT " + ", ".join(
        f"CAST({c} AS DATE)" if c in ("period_start", "period_end") else c for c in PUBLIC_COLUMNS) + " FROM public_rows")
    cur.unregister("public_rows")
    return len(public)
