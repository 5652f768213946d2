"""What a load would do to the figures people see: every public community, place and group figure it changes (before
-> after), those that appear or disappear, and the moves a person should look at twice, said in plain words.

Compared on public_outcomes (what the dashboard shows, small cells hidden) before and after the load, so the list can be
shown to whoever uploads: it says nothing the dashboard would not say once the load lands.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from backbone.intake.preview import number_text
from backbone.vocab import UNIT_SCALE

# A percent that moves by more than this many points, or any other figure by more than this share, is flagged.
MOVE_POINTS = 5.0
MOVE_SHARE = 0.10
# The changes kept in the list (flagged ones first); the rest are counted.
CHANGES_LISTED = 500
# The current values of the tables `landing` (shaped like current_observations) falls in, as they will be once it
# lands; `current_of_tables` holds those tables' current values now (privacy.current_of_tables).
CURRENT_ONCE_LANDED = """
CREATE OR REPLACE TEMP VIEW current_once_landed AS
SELECT c.*
FROM current_of_tables AS c
ANTI JOIN landing AS n
    ON c.partner_code = n.partner_code AND c.metric_code = n.metric_code AND c.period_label = n.period_label
   AND c.geography = n.geography AND c.dimension = n.dimension AND c.group_value = n.group_value
UNION ALL BY NAME
SELECT * FROM landing"""

_KEY = "metric_code, period_label, geography, dimension, group_value"
_SHOWN = """SELECT metric_code, period_label, period_end, geography, dimension, group_value, suppressed,
                   CASE WHEN suppressed THEN NULL ELSE value END AS value,
                   CASE WHEN suppressed THEN NULL ELSE numerator END AS numerator,
                   CASE WHEN suppressed THEN NULL ELSE denominator END AS denominator
            FROM {}"""
_CHANGES = f"""
WITH b AS ({_SHOWN.format('impact_before')}), a AS ({_SHOWN.format('impact_after')})
SELECT {_KEY}, m.name AS metric, m.unit,
       b.metric_code IS NULL AS is_new, a.metric_code IS NULL AS is_gone,
       b.value AS before, a.value AS after, b.suppressed AS before_hidden, a.suppressed AS after_hidden,
       b.numerator AS before_numerator, b.denominator AS before_denominator,
       a.numerator AS after_numerator, a.denominator AS after_denominator
FROM b FULL JOIN a USING ({_KEY})
JOIN metrics AS m USING (metric_code)
WHERE b.metric_code IS NULL OR a.metric_code IS NULL OR b.suppressed <> a.suppressed
   OR (b.value IS NULL) <> (a.value IS NULL) OR abs(b.value - a.value) > 1e-9 * greatest(1, abs(b.value))
   OR b.numerator IS DISTINCT FROM a.numerator OR b.denominator IS DISTINCT FROM a.denominator
ORDER BY geography <> 'Community', metric_code, period_label DESC, geography, dimension, group_value"""
# Per figure's series (metric, place, group): the latest period with something shown (a value, or a hidden cell).
# `impact_before` and `impact_after` hold only the tables the load touches; the metric's other periods, which the load
# leaves as they are, come from public_outcomes.
_LATEST_BACK = """
WITH elsewhere AS (
    SELECT p.metric_code, p.geography, p.dimension, p.group_value, p.period_label, p.period_end
    FROM public_outcomes AS p
    SEMI JOIN (SELECT DISTINCT metric_code FROM landing) AS m USING (metric_code)
    ANTI JOIN (SELECT DISTINCT metric_code, period_label FROM landing) AS t USING (metric_code, period_label)),
b AS (SELECT metric_code, geography, dimension, group_value, arg_max(period_label, period_end) AS period,
             max(period_end) AS period_end
      FROM (SELECT metric_code, geography, dimension, group_value, period_label, period_end FROM impact_before
            UNION ALL SELECT * FROM elsewhere) GROUP BY ALL),
a AS (SELECT metric_code, geography, dimension, group_value, arg_max(period_label, period_end) AS period,
             max(period_end) AS period_end
      FROM (SELECT metric_code, geography, dimension, group_value, period_label, period_end FROM impact_after
            UNION ALL SELECT * FROM elsewhere) GROUP BY ALL)
SELECT m.name, b.geography, b.dimension, b.group_value, b.period AS before_period, a.period AS after_period
FROM b LEFT JOIN a USING (metric_code, geography, dimension, group_value)
JOIN metrics AS m USING (metric_code)
WHERE a.period_end IS NULL OR a.period_end < b.period_end
ORDER BY b.geography <> 'Community', m.name, b.geography, b.dimension, b.group_value"""
# Values of this load that count towards the community and look like the total of others that also do: a row the size
# of all the others of its cell together, or a place named as a total beside others. Sized by the count itself, or by a
# rate's denominator (its people). Places joined as 'District / School' are parts (the reader's place roles), not here.
_TOTALS_WITH_PARTS = """
WITH parts AS (
    SELECT l.metric_code, l.period_label, l.dimension, l.group_value, l.geography,
           CASE WHEN m.unit IN ('count', 'dollars') THEN l.value ELSE l.denominator END AS size
    FROM landing AS l JOIN metrics AS m USING (metric_code)
    WHERE coalesce(l.place_role, 'place') = 'place' AND l.geography <> 'Community' AND NOT l.suppressed),
cells AS (
    SELECT *, sum(size) OVER cell AS cell_sum, count(*) OVER cell AS cell_n
    FROM parts
    WINDOW cell AS (PARTITION BY metric_code, period_label, dimension, group_value))
SELECT m.name, c.period_label, c.dimension, c.group_value, c.geography, c.cell_n - 1 AS n_parts
FROM cells AS c JOIN metrics AS m USING (metric_code)
WHERE c.cell_n >= 3 AND c.size > 0 AND abs(2 * c.size - c.cell_sum) <= 0.5
   OR c.cell_n >= 2 AND regexp_matches(lower(c.geography), '\\b(total|all (schools|districts|places|counties))\\b')
ORDER BY m.name, c.period_label DESC, c.dimension, c.group_value, c.geography"""


def _who(place: str, dimension: str, group: str) -> str:
    return place if group == "All" or dimension == "All" else f"{place} ({group})"


def _shown(value: object, hidden: object, unit: str) -> str:
    """A figure as a person reads it in the list: blank when there is none, 'hidden' for a small cell."""
    if hidden:
        return "hidden (small numbers)"
    if unit == "percent" and value is not None:
        return f"{value:.1f}%"
    return number_text(value)


def _move(row: dict) -> str:
    """Why a change is worth a second look, in words, or ''."""
    before, after = row["before"], row["after"]
    if row["is_gone"]:
        return "would disappear from the dashboard"
    if before is None or after is None:
        return ""
    if row["unit"] in UNIT_SCALE and row["unit"] == "percent":
        if abs(after - before) > MOVE_POINTS:
            return f"moves by {after - before:+.1f} points (more than {MOVE_POINTS:g})"
        return ""
    if before and abs(after - before) / abs(before) > MOVE_SHARE:
        return f"moves by {(after - before) / abs(before):+.0%} (more than {MOVE_SHARE:.0%})"
    return ""


def totals_with_parts(cur: duckdb.DuckDBPyConnection, landing: pa.Table) -> list[str]:
    """The flags for values of the load (`landing`: its rows) that look like totals of others it also sends: they
    depend on the load alone, so a load works them out while the public rows are still being decided."""
    cur.register("landing", landing)
    try:
        return _totals_flags(cur.execute(_TOTALS_WITH_PARTS).fetchall())
    finally:
        cur.unregister("landing")


def impact_of(cur: duckdb.DuckDBPyConnection, before: pa.Table, after: pa.Table, landing: pa.Table,
              totals: list[str] | None = None) -> dict:
    """The load's impact: `before` and `after` are public_outcomes' rows of the load's tables now and once it lands
    (after with true values and a suppressed flag, as privacy.public_rows gives them); `landing` is the load's rows;
    `totals` its totals_with_parts, when already worked out."""
    totals = totals_with_parts(cur, landing) if totals is None else totals
    cur.register("impact_before", before)
    cur.register("impact_after", after)
    cur.register("landing", landing)
    try:
        changes = cur.execute(_CHANGES).to_arrow_table()
        backwards = cur.execute(_LATEST_BACK).fetchall()
    finally:
        for name in ("impact_before", "impact_after", "landing"):
            cur.unregister(name)
    # Only a figure that is gone, or has a number before and after, can be flagged (see _move): the rest (a first load's
    # many new figures) are counted, and written out only as far as the list goes.
    movable = pc.fill_null(pc.or_(changes["is_gone"], pc.and_(pc.is_valid(changes["before"]),
                                                             pc.is_valid(changes["after"]))), False)
    at = np.flatnonzero(movable.to_numpy(zero_copy_only=False))
    flags, flagged = [], {}
    for i, row in zip(at.tolist(), changes.take(at).to_pylist(), strict=True):
        flag = _move(row)
        if flag:
            flagged[i] = (row, flag)
            who = _who(row["geography"], row["dimension"], row["group_value"])
            flags.append(f"{row['metric']} for {who}, {row['period_label']}: "
                         f"{_shown(row['before'], row['before_hidden'], row['unit']) or 'none'} → "
                         f"{_shown(row['after'], row['after_hidden'], row['unit']) or 'none'}, {flag}.")
    # Flagged first, each part in its own order.
    listed = [_listed(row, flag) for row, flag in list(flagged.values())[:CHANGES_LISTED]]
    if len(listed) < CHANGES_LISTED:
        head = changes.slice(0, CHANGES_LISTED + len(flagged)).to_pylist()
        listed += [_listed(row, "") for i, row in enumerate(head) if i not in flagged][:CHANGES_LISTED - len(listed)]
    for metric, place, dimension, group, was, now in backwards:
        flags.append(f"The latest {metric} for {_who(place, dimension, group)} would go back from {was} to "
                     f"{now or 'nothing'}: the newest figure would no longer be shown.")
    flags += totals
    new = pc.sum(changes["is_new"]).as_py() or 0
    gone = pc.sum(pc.and_(changes["is_gone"], pc.invert(changes["is_new"]))).as_py() or 0
    return {
        "figures_changed": changes.num_rows - new - gone,
        "figures_new": new,
        "figures_gone": gone,
        "flags": flags,
        "changes": listed,
        "changes_not_listed": max(0, changes.num_rows - CHANGES_LISTED),
    }


def _listed(row: dict, flag: str) -> dict:
    """One change as the list shows it."""
    return {
        "metric_code": row["metric_code"], "metric": row["metric"], "period": row["period_label"],
        "place": row["geography"], "dimension": row["dimension"], "group": row["group_value"],
        "change": "new" if row["is_new"] else "gone" if row["is_gone"] else "changed",
        "before": _shown(row["before"], row["before_hidden"], row["unit"]),
        "after": _shown(row["after"], row["after_hidden"], row["unit"]),
        "before_numerator": number_text(row["before_numerator"]), "before_denominator": number_text(row["before_denominator"]),
        "after_numerator": number_text(row["after_numerator"]), "after_denominator": number_text(row["after_denominator"]),
        "flag": flag,
    }


def _totals_flags(totals: list[tuple]) -> list[str]:
    """One sentence per metric and period whose totals would be summed with their parts, with the first examples."""
    by_cell: dict[tuple[str, str], list[tuple]] = {}
    for metric, period, dimension, group, place, n_parts in totals:
        by_cell.setdefault((metric, period), []).append((place, n_parts, _who("", dimension, group).strip(" ()")))
    flags = []
    for (metric, period), found in by_cell.items():
        examples = "; ".join(f"'{place}'" + (f" ({group})" if group else "") + f" beside {n} other place{'' if n == 1 else 's'}"
                             for place, n, group in found[:3])
        more = f" and {len(found) - 3:,} more" if len(found) > 3 else ""
        flags.append(f"{metric}, {period}: what look like totals of other places in this file ({examples}{more}) would "
                     "be added into the community's figure together with their parts. Map one level of place only (for "
                     "example the district, not the school), or leave the total rows out.")
    return flags
