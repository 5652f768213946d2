"""Small-cell suppression for everything partners and the public see, each suppressed value with its reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from backbone.config import DEFAULT_SUPPRESSION_THRESHOLD
from backbone.store import holdback, linked, published, received
from backbone.vocab import UNIT_SCALE

log = logging.getLogger(__name__)
# A rate built on fewer events than this moves a lot by chance (NCHS practice): shown, but flagged.
UNSTABLE_BELOW = 20
RATE_UNITS = {"rate_per_1000", "rate_per_100000"}
PUBLIC_COLUMNS = [
    "metric_code", "period_label", "period_start", "period_end", "geography", "dimension", "group_value", "value",
    "numerator", "denominator", "suppressed", "suppression_marks", "suppression_reason", "display", "unstable",
    "n_partners", "value_basis", "last_updated",
]
# A cell's key: its table (metric and period), place and dimension; and then its group.
GROUP_MARGIN = ["metric_code", "period_label", "geography", "dimension"]
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


def suppression_flags(outcomes: pd.DataFrame, metrics: pd.DataFrame, history: published.History | None = None) -> pd.DataFrame:
    """The FLAG_COLUMNS of each row of `outcomes` (only its RULE_INPUTS are read), in the same order; see suppress."""
    return decide(outcomes, metrics, history).flags


@dataclass
class Decision:
    """The rules' verdict on some community_outcomes rows: their FLAG_COLUMNS, the tables' new published versions,
    and how many hidden cells could still be worked out (0 unless a table ran out of cells to hide)."""

    flags: pd.DataFrame
    versions: list[dict]
    determined: int
    held: dict | None = None  # tables held back: (metric, period) -> cells their new version would give away


def decide(outcomes: pd.DataFrame, metrics: pd.DataFrame, history: published.History | None = None,
           parts: pd.DataFrame | None = None) -> Decision:
    """The small-cell rules over `outcomes` (RULE_INPUTS, and sole_partner when known), given the parts several partners
    sent of a cell (`parts`, from _with_contributors) and what was published before (`history`); see suppress."""
    # Codes in name order: between members of equal size the first by name is hidden, so every rebuild hides the same
    # cells whatever order the rows come in (two versions hiding different cells would give both values away).
    factorized = {c: pd.factorize(outcomes[c], sort=True, use_na_sentinel=False) for c in GROUP_MARGIN + ["group_value"]}
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

    # The contributor rule: which partners would be left with another's small number by subtracting their own part.
    exposed_to = _exposed_to(outcomes, parts, k, is_count, is_ratio)
    # Reasons are written only for the rows that get one: string work on every row costs more than the rules.
    reason = np.full(len(outcomes), None, dtype=object)
    at_source = outcomes.suppressed.fillna(False).astype(bool).to_numpy()
    reason[at_source] = [f"suppressed by the partner ({marks})" for marks in outcomes.suppression_marks[at_source].fillna("marked")]
    small_count = protected & is_count & small(value)
    small_group = protected & is_ratio & (denominator < k)
    small_part = protected & is_ratio & ~small_group & (small(numerator) | small(rest))
    for rows, text in ((~at_source & small_count, "fewer than {} people"), (~at_source & small_group, "group of fewer than {} people"),
                       (~at_source & small_part & pd.isna(reason), "fewer than {} people in this result"),
                       (~at_source & protected & pd.notna(exposed_to) & pd.isna(reason), linked.CONTRIBUTOR_REASON)):
        reason[rows] = [text.format(n) for n in k[rows]]
    if history is not None and history.sticky is not None and len(history.sticky):
        _keep_hidden(outcomes, history.sticky, reason, (value, numerator, denominator))

    display = np.full(len(outcomes), None, dtype=object)
    percent = per_row(info.unit.eq("percent")) & small_part & ~at_source
    display[percent & small(numerator) & (value <= 5)] = "≤5%"
    display[percent & small(rest) & (value >= 95)] = "≥95%"

    # How big a cell is, for choosing the cells to hide alongside another: the smallest first, a zero only when nothing
    # else will do.
    size = np.where(is_ratio, denominator, value)
    # Cells the partner already hid count as hidden members of their margins.
    eligible = (is_count | is_ratio | at_source) & protected
    hidden = pd.notna(reason)
    place = _ids(*(key[c] for c in GROUP_MARGIN[:-1]))
    is_total = (outcomes.dimension.eq("All") & outcomes.group_value.eq("All")).to_numpy()
    in_a_dimension = outcomes.dimension.ne("All").to_numpy()
    equal = _equal_to_total(place, is_total, in_a_dimension, size, eligible & ~hidden)
    reason[equal] = "the whole group: equal to its total"
    hidden |= equal
    outcome = _protect_linked(outcomes, key, factorized, eligible & protected, is_ratio, size, hidden,
                             reason, at_source, per_row(info.unit.isin(list(UNIT_SCALE))), k, exposed_to, parts, history)
    hidden = outcome.hidden
    display[~hidden] = None
    unstable = per_row(info.unit.isin(list(RATE_UNITS))) & ~hidden & (numerator < UNSTABLE_BELOW)  # NaN < 20 is False
    # Object columns: pandas would otherwise copy every row's text into a string array first.
    flags = pd.DataFrame({"suppressed": hidden, "suppression_reason": pd.Series(reason, dtype=object),
                          "display": pd.Series(display, dtype=object), "unstable": unstable})
    return Decision(flags, outcome.versions, outcome.determined, outcome.held)


def _keep_hidden(outcomes: pd.DataFrame, sticky: pd.DataFrame, reason: np.ndarray, numbers: tuple) -> None:
    """Hidden once, hidden in every later version of the period (showing it, or the neighbour it protected, next to
    the earlier version would give it away), with its reason then; except a cell one partner alone sent, and sent
    again with another number (its own correction: it knew both, no one else did), which the rules judge afresh."""
    before = outcomes[GROUP_MARGIN + ["group_value"]].merge(sticky, how="left", on=GROUP_MARGIN + ["group_value"])
    again = before.suppression_reason.notna().to_numpy() & pd.isna(reason)
    same = np.ones(len(outcomes), dtype=bool)
    for column, now in zip(("value", "numerator", "denominator"), numbers, strict=True):
        then = before[column].to_numpy(dtype=float, na_value=np.nan)
        same &= (then == now) | (np.isnan(then) & np.isnan(now))
    partner_now = outcomes.sole_partner.to_numpy(object) if "sole_partner" in outcomes else np.full(len(outcomes), None)
    partner_then = before.sole_partner.to_numpy(object)
    own_correction = ~same & pd.notna(partner_now) & (partner_now == partner_then)
    again &= ~own_correction
    reason[again] = np.where(same[again], before.suppression_reason.to_numpy(object)[again], linked.STICKY_REASON)


def _exposed_to(outcomes: pd.DataFrame, parts: pd.DataFrame | None, k: np.ndarray, is_count: np.ndarray,
                is_ratio: np.ndarray) -> np.ndarray:
    """Per row: the partners who, taking their own part from the cell, would be left with another's count of 1 to k-1
    (a tuple), or None. The contributor rule hides such a cell, and the audit keeps it from those partners."""
    exposed = np.full(len(outcomes), None, dtype=object)
    if parts is None or not len(parts):
        return exposed
    row = parts.row.to_numpy(dtype=np.int64)
    others = {c: parts[f"others_{c}"].to_numpy(dtype=float, na_value=np.nan) for c in ("value", "numerator", "denominator", "rest")}

    def small(count: np.ndarray) -> np.ndarray:
        return (count >= 1) & (count < k[row])

    hit = (is_count[row] & small(others["value"])) | (is_ratio[row] & (small(others["numerator"]) | small(others["denominator"])
                                                                       | small(others["rest"])))
    hit &= parts.n_partners.to_numpy() > 1
    for r, group in parts[hit].groupby("row").partner_code:
        exposed[int(r)] = tuple(sorted(group))
    return exposed


def _ids(*codes: np.ndarray) -> np.ndarray:
    """One integer per distinct combination of the given per-row codes (what groupby().ngroup() gives, without strings)."""
    ids = codes[0]
    for more in codes[1:]:
        ids = pd.factorize(ids * (int(more.max(initial=0)) + 1) + more)[0]
    return ids


def _equal_to_total(place: np.ndarray, is_total: np.ndarray, in_a_dimension: np.ndarray, size: np.ndarray,
                    open_rows: np.ndarray) -> np.ndarray:
    """Groups as large as their place's total (everyone is in them): they say too much."""
    total_size = np.full(place.max() + 1 if len(place) else 0, np.nan)
    total_size[place[is_total]] = size[is_total]
    theirs = total_size[place]
    return open_rows & in_a_dimension & (theirs > 0) & (size == theirs)


def _partner_tables(parts: pd.DataFrame | None, table_of_row: np.ndarray) -> dict:
    """Per partner, the tables (as linked codes) it sent to that other partners sent to as well."""
    if parts is None or not len(parts):
        return {}
    tables = table_of_row[parts.row.to_numpy(dtype=np.int64)]
    partners = pd.Categorical(parts.partner_code)
    # One number per (partner, table) pair, made unique without copying the parts: they are a few per cell.
    found, width = tables >= 0, int(table_of_row.max(initial=0)) + 1
    partner, table = np.divmod(np.unique(partners.codes[found].astype(np.int64) * width + tables[found]), width)
    if not len(partner):  # every shared cell lies outside the sums (rates sent without counts)
        return {}
    starts = np.flatnonzero(np.diff(partner, prepend=-1))
    return {partners.categories[partner[start]]: group
            for start, group in zip(starts, np.split(table, starts[1:]), strict=True)}


def _protect_linked(outcomes: pd.DataFrame, key: dict, factorized: dict, linkable: np.ndarray, is_ratio: np.ndarray,
                    size: np.ndarray, hidden: np.ndarray, reason: np.ndarray, at_source: np.ndarray, ratio_metric: np.ndarray,
                    k: np.ndarray, exposed_to: np.ndarray, parts: pd.DataFrame | None,
                    history: published.History | None) -> linked.Outcome:
    """Complementary suppression across all linked sums (linked.py), remainders of sums that fall short included;
    `reason` gets the reason of every cell it hides."""
    is_total = (outcomes.dimension.eq("All") & outcomes.group_value.eq("All")).to_numpy()
    shaped = is_total | outcomes.dimension.ne("All").to_numpy()  # "All" with a group is no cell of the sums
    # A rate's row takes part with its counts; a partner-hidden one (no counts known) too: it is an unknown of the sums.
    takes_part = linkable & shaped & (~ratio_metric | is_ratio | at_source)
    table = _ids(key["metric_code"], key["period_label"])
    rows = np.flatnonzero(takes_part)
    if not len(rows):
        return linked.Outcome(hidden, [], 0)
    if history is not None and history.known is not None:
        history = published.History(history.versions, history.sticky, {q: k[rows] for q, k in history.known.items()})
    cell_dimension = np.where(outcomes.dimension.eq("All").to_numpy(), -1, key["dimension"])[rows]
    table_codes = pd.factorize(table[rows])[0]
    table_of_row = np.full(len(outcomes), -1)
    table_of_row[rows] = table_codes
    metric_names, period_names = (np.asarray(factorized[c][1], dtype=object) for c in ("metric_code", "period_label"))
    first_row = rows[np.unique(table_codes, return_index=True)[1]]
    result = linked.protect_linked(linked.with_remainders(linked.LinkedRows(
        tables=list(zip(metric_names[key["metric_code"][first_row]], period_names[key["period_label"][first_row]], strict=True)),
        table=table_codes, place=key["geography"][rows], dimension=cell_dimension,
        group=np.where(cell_dimension < 0, -1, key["group_value"][rows]),
        names={c: np.asarray(factorized[c][1], dtype=object) for c in ("geography", "dimension", "group_value")},
        quantities={c: outcomes[c].to_numpy(dtype=float, na_value=np.nan)[rows] for c in ("value", "numerator", "denominator")},
        ratio=ratio_metric[rows], size=np.where(at_source[rows], np.nan, size[rows]), hidden=hidden[rows].copy(),
        reason=reason[rows].copy(), can_hide=~hidden[rows] & ~at_source[rows] & ~np.isnan(size[rows]),
        sensitive=hidden[rows] & ~pd.Series(reason[rows]).isin(linked.NOT_SENSITIVE).to_numpy(),
        sole_partner=outcomes.sole_partner.to_numpy(object)[rows] if "sole_partner" in outcomes else None,
        exposed_to=exposed_to[rows], partner_tables=_partner_tables(parts, table_of_row),
        history=history), k[rows]))
    decided = result.hidden[: len(rows)]
    reason[rows] = np.where(decided, result.reason[: len(rows)], None)
    everything = hidden.copy()
    everything[rows] = decided
    return linked.Outcome(everything, result.versions, result.determined, result.held)


def refresh_public_outcomes(cur: duckdb.DuckDBPyConnection, tables: published.Tables = None) -> int:
    """Rebuild public_outcomes (all of it, or the given tables') inside the caller's write transaction; returns rows
    written.

    Every sum the suppression weighs lies within one table (a metric in a period), and so does every published version
    it weighs, so rebuilding only the tables a load or an undo touched gives exactly what a full rebuild would.
    """
    written = replace_public_rows(cur, tables, public_rows(cur, tables))
    if tables is None:  # a load or an undo keeps its own partner's rows (received.keep)
        received.keep(cur, None)
    return written


@dataclass
class PublicRows:
    """public_outcomes' rows for some metrics (with the true values of hidden cells: _INSERT_PUBLIC drops them), the
    tables' new published versions, and how many hidden cells could still be worked out (0 unless a table ran out of
    cells to hide)."""

    rows: pa.Table
    versions: list[dict]
    determined: int = 0
    outcomes: pa.Table | None = None  # the same cells as community_outcomes has them (every value, partners' flags)
    held: dict | None = None  # tables held back (their rows above are as last published): see holdback.py


def public_rows(cur: duckdb.DuckDBPyConnection, tables: published.Tables = None,
                current: str = "current_observations") -> PublicRows:
    """public_outcomes' rows for the given tables (all when None): community_outcomes with the small-cell rules applied.

    `current` names the relation of current values to combine: current_observations (of the given tables only: see
    current_of_tables), or (while an upload is saved) a temporary view of the values as they will be once it lands.
    """
    if tables is None:
        return _public_rows(cur, None, current)
    own_values = current == "current_observations"
    if own_values:
        current = current_of_tables(cur, tables)
    # The rules combine these values three times (who sent each table, the cells, each partner's part of them): held
    # once as a table of this connection, they are not worked out (an upload's landing) or converted from Arrow again
    # each time. Dropped after, as the connection may be a session's own; a failed write's rollback drops it too.
    cur.execute("CREATE OR REPLACE TEMP TABLE rules_current AS SELECT * FROM query_table($current)", {"current": current})
    found = _public_rows(cur, tables, "rules_current")
    cur.execute("DROP TABLE rules_current")
    if own_values:
        cur.unregister("current_of_tables")
    return found


def _public_rows(cur: duckdb.DuckDBPyConnection, tables: published.Tables, current: str) -> PublicRows:
    """public_rows of `tables` (all when None) from `current`, the relation of those tables' current values only (so
    the queries need not pick the tables: a test per row against every table named costs seconds when an upload
    touches hundreds)."""
    params = {"current": current}
    # With each cell, how many partners sent to its table, and the one that did when it was one (the contributor rule
    # and the partners' views start from these).
    outcomes = cur.execute("""
        WITH senders AS (
            SELECT metric_code, period_label, count(DISTINCT partner_code) AS table_partners,
                   any_value(partner_code) AS table_partner
            FROM query_table($current) GROUP BY ALL)
        SELECT o.*, s.table_partners, CASE WHEN s.table_partners = 1 THEN s.table_partner END AS sole_partner
        FROM community_outcomes_from($current) AS o JOIN senders AS s USING (metric_code, period_label)""",
                           params).to_arrow_table()
    extra = ["table_partners", "sole_partner"]
    if not outcomes.num_rows:
        return PublicRows(outcomes.drop_columns(extra), [], outcomes=outcomes.drop_columns(extra))
    metrics = cur.execute("SELECT metric_code, unit, suppression_threshold FROM metrics").df()
    frame, parts = _with_contributors(cur, outcomes.select(RULE_INPUTS + extra).to_pandas(), params)
    decision = decide(frame, metrics, published.read(cur, tables, outcomes), parts)
    rows = outcomes.drop_columns(FLAG_COLUMNS + extra)
    for name in FLAG_COLUMNS:
        rows = rows.append_column(name, pa.array(decision.flags[name], from_pandas=True))
    rows = holdback.as_published(cur, rows, decision.held)
    return PublicRows(rows, decision.versions, decision.determined, outcomes.drop_columns(extra), decision.held)


def _with_contributors(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`frame` (with table_partners and the table's sole_partner) with, per cell of the tables several partners sent to,
    the partner that alone sent it; and those cells' parts: one row per cell (`row`, its index in frame) and partner,
    with the cell less that partner's part (others_*: see outcome_contributors_from)."""
    in_shared = frame.table_partners.gt(1).to_numpy()
    columns = ["partner_code", "n_partners", "others_value", "others_numerator", "others_denominator", "others_rest"]
    parts = pd.DataFrame(columns=["row", *columns])
    if in_shared.any():
        keys = GROUP_MARGIN + ["group_value"]
        # Each part is matched to its cell's row in DuckDB: only numbers and the partner come back (a frame of every
        # part's key strings, merged in pandas, cost seconds at a network's size), the partner as a coded column.
        cur.register("shared_cells", pa.Table.from_pandas(frame.loc[in_shared, keys].reset_index(names="row"),
                                                          preserve_index=False))
        found = cur.execute(f"SELECT row, {', '.join(columns)} FROM outcome_contributors_from($current, 'shared_cells')",
                            {"current": params["current"]}).to_arrow_table()
        cur.unregister("shared_cells")
        coded = found.column("partner_code").dictionary_encode()
        parts = found.set_column(found.column_names.index("partner_code"), "partner_code", coded).to_pandas()
        sole = parts[parts.n_partners.eq(1)]
        frame.loc[sole.row.to_numpy(), "sole_partner"] = sole.partner_code.to_numpy()
    return frame.drop(columns=["table_partners"]), parts


# The columns of current_observations that community_outcomes_from and outcome_contributors_from read (and a load's
# count of its changes: the upload each value came from).
_COMBINED = ["upload_id", "partner_code", "metric_code", "period_label", "period_start", "period_end", "geography", "dimension",
             "group_value", "value", "numerator", "denominator", "suppressed", "suppression_mark", "place_role", "uploaded_at"]


def current_of_tables(cur: duckdb.DuckDBPyConnection, tables: published.Tables, rows: pa.Table | None = None) -> str:
    """The current values of `tables` only (`rows`, when already read by current_values_of), registered on `cur` under
    the name returned."""
    cur.register("current_of_tables", current_values_of(cur, tables) if rows is None else rows)
    return "current_of_tables"


def current_values_of(cur: duckdb.DuckDBPyConnection, tables: published.Tables) -> pa.Table:
    """The current values of `tables` only, as the rules combine them: read without going through the rest of the
    store (current_observations_of filters before it picks the latest versions)."""
    # Only what the rules combine: a value's note and source row would be read, converted and held for nothing.
    return cur.execute(f"SELECT {', '.join(_COMBINED)} FROM current_observations_of($metrics, $periods) WHERE {_WHICH}",
                       published.which(tables)).to_arrow_table()


def replace_public_rows(cur: duckdb.DuckDBPyConnection, tables: published.Tables, public: PublicRows) -> int:
    """Put `public` (from public_rows) in place of the given tables' public_outcomes rows, recording the tables' new
    versions (published.py); returns rows written."""
    if public.determined:
        # A table never published before that ran out of cells to hide (a held-back table publishes nothing new).
        log.warning("%d hidden cells could be worked out: no other cell could be hidden to protect them",
                    public.determined)
    cur.register("public_rows", public.rows)
    published.write(cur, tables, public.versions)
    cur.execute(f"DELETE FROM public_outcomes WHERE {_WHICH}", published.which(tables))
    if public.rows.num_rows:
        cur.execute(_INSERT_PUBLIC)
    cur.unregister("public_rows")
    holdback.record(cur, tables, public.held)
    if public.outcomes is not None:
        keep_community_outcomes(cur, tables, public.outcomes)
    return public.rows.num_rows


def keep_community_outcomes(cur: duckdb.DuckDBPyConnection, tables: published.Tables, outcomes: pa.Table | None = None) -> None:
    """Put `outcomes` (community_outcomes rows; None: worked out from current_observations now) in place of the given
    tables' rows of kept_community_outcomes (all of them when None), inside the caller's write transaction."""
    if outcomes is None:
        outcomes = cur.execute(f"SELECT * FROM community_outcomes_from('current_observations') WHERE {_WHICH}",
                               published.which(tables)).to_arrow_table()
    cur.execute(f"DELETE FROM kept_community_outcomes WHERE {_WHICH}", published.which(tables))
    if outcomes.num_rows:
        cur.register("kept_rows", outcomes)
        cur.execute("INSERT INTO kept_community_outcomes BY NAME SELECT * FROM kept_rows")
        cur.unregister("kept_rows")


_WHICH = published.where()
