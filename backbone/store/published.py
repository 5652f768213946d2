"""What partners and the public have been shown of each table (one metric in one period), kept so that later versions
stay consistent with it: a cell once hidden stays hidden, a value once shown is known, and the audit can weigh every
version published before (a correction must not let two versions together give a small cell away)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

TABLE_KEY = ["metric_code", "period_label"]
CELL_KEY = ["geography", "dimension", "group_value"]
QUANTITIES = ["value", "numerator", "denominator"]
HIDDEN_COLUMNS = CELL_KEY + QUANTITIES + ["suppression_reason", "sole_partner", "exposed_to"] + [f"known_{q}" for q in QUANTITIES]
SUMS_COLUMNS = ["quantity", "kind", "geography", "dimension", "group_value"]
# Some tables, as (metric_code, period_label) pairs; None: every table.
Tables = list[tuple[str, str]] | None
# The rows of the tables named by which(): all when $tables is NULL. The metric and period lists let DuckDB skip other
# tables' rows as it scans; the pairs then pick exactly the tables.
_WHICH = ("($tables IS NULL OR (list_contains($metrics, metric_code) AND list_contains($periods, period_label)"
          " AND list_contains($tables, metric_code || chr(31) || period_label)))")


def which(tables: Tables) -> dict:
    """The parameters of a query filtered with where() to `tables`."""
    if tables is None:
        return {"tables": None, "metrics": None, "periods": None}
    pairs = sorted(set(tables))
    return {"tables": [f"{metric}\x1f{period}" for metric, period in pairs], "metrics": sorted({m for m, _ in pairs}),
            "periods": sorted({p for _, p in pairs})}


def where(alias: str = "") -> str:
    """The condition that keeps the rows of the tables of which()'s parameters (columns of `alias`, e.g. "o.")."""
    return _WHICH.replace("metric_code", f"{alias}metric_code").replace("period_label", f"{alias}period_label")


@dataclass
class Version:
    """One published version of a table with hidden cells: the hidden cells (true values, why hidden, whose, and
    whether each value was already known from an earlier version) and the sums that held over them."""

    version: int
    values_fingerprint: str
    hidden_fingerprint: str
    hidden: pa.Table  # HIDDEN_COLUMNS
    sums: pa.Table | pd.DataFrame  # SUMS_COLUMNS


@dataclass
class History:
    """The published past of some tables, as the suppression needs it."""

    versions: dict[tuple[str, str], list[Version]] = field(default_factory=dict)
    # Cells hidden in an earlier version (TABLE_KEY + CELL_KEY, with their numbers, reason and sole partner when last
    # hidden).
    sticky: pd.DataFrame | None = None
    # Per quantity (value, numerator, denominator), per row of the outcomes being published: shown before with the
    # same number.
    known: dict | None = None
    # Every cell of these tables shown in any version (TABLE_KEY + CELL_KEY + QUANTITIES): a cell hidden in one version
    # and shown with the same number in another is known in both.
    shown: pd.DataFrame | None = None

    def latest(self, table: tuple[str, str]) -> Version | None:
        """The table's most recent version with hidden cells, if any."""
        versions = self.versions.get(table)
        return versions[-1] if versions else None


def read(cur: duckdb.DuckDBPyConnection, tables: Tables, outcomes: pa.Table) -> History:
    """The history of `tables` (all when None), and what of `outcomes` was shown before."""
    codes = which(tables)
    history = History()
    for row in cur.execute(f"""SELECT metric_code, period_label, version, values_fingerprint, hidden_fingerprint,
                                      hidden_cells, sums
                               FROM suppression_history WHERE {_WHICH} ORDER BY version""", codes).fetchall():
        table, version = (row[0], row[1]), Version(row[2], row[3], row[4], plain(_arrow(row[5])), plain(_arrow(row[6])))
        history.versions.setdefault(table, []).append(version)
    # Cells hidden now (before this rebuild; their numbers unknown here): a store from before this history was kept
    # starts from them. Then every version's, the latest last.
    kept = TABLE_KEY + CELL_KEY + QUANTITIES + ["suppression_reason", "sole_partner"]
    sticky = [cur.execute(f"""SELECT {', '.join(TABLE_KEY + CELL_KEY + QUANTITIES)}, suppression_reason,
                                     NULL::VARCHAR AS sole_partner
                              FROM public_outcomes WHERE suppressed AND {_WHICH}""", codes).df()]
    hidden = [v.hidden.append_column("metric_code", pa.array([t[0]] * v.hidden.num_rows, pa.string()))
              .append_column("period_label", pa.array([t[1]] * v.hidden.num_rows, pa.string()))
              for t, versions in history.versions.items() for v in versions]
    if hidden:
        sticky.append(pa.concat_tables(hidden, promote_options="default").select(kept).to_pandas())
    history.sticky = pd.concat(sticky, ignore_index=True).drop_duplicates(TABLE_KEY + CELL_KEY, keep="last")
    history.known = _known(cur, tables, outcomes)
    history.shown = cur.execute(_SHOWN.format(columns=", ".join(TABLE_KEY + CELL_KEY + QUANTITIES), which=_WHICH),
                                codes).df()
    return history


_SHOWN = """SELECT {columns} FROM public_outcomes WHERE NOT suppressed AND {which}
            UNION ALL
            SELECT {columns} FROM published_values WHERE {which}"""


def _known(cur: duckdb.DuckDBPyConnection, tables: Tables, outcomes: pa.Table) -> dict | None:
    """Per quantity (value, numerator, denominator), per outcomes row: shown before with that same number."""
    codes = which(tables)
    published = cur.execute(f"""SELECT (SELECT count(*) FROM public_outcomes WHERE NOT suppressed AND {_WHICH})
                                     + (SELECT count(*) FROM published_values WHERE {_WHICH})""", codes).fetchone()[0]
    if not published:
        return None
    keyed = outcomes.select(TABLE_KEY + CELL_KEY + QUANTITIES).append_column("row_id", pa.array(np.arange(outcomes.num_rows)))
    cur.register("outcome_values", keyed)
    columns = ", ".join(TABLE_KEY + CELL_KEY + QUANTITIES)
    found = cur.execute(f"""
        WITH shown AS ({_SHOWN.format(columns=columns, which=_WHICH)})
        SELECT n.row_id, bool_or(s.value = n.value) AS known_value, bool_or(s.numerator = n.numerator) AS known_numerator,
               bool_or(s.denominator = n.denominator) AS known_denominator
        FROM outcome_values AS n JOIN shown AS s USING ({', '.join(TABLE_KEY + CELL_KEY)})
        GROUP BY n.row_id""", codes).df()
    cur.unregister("outcome_values")
    known = {q: np.zeros(outcomes.num_rows, dtype=bool) for q in QUANTITIES}
    for q in QUANTITIES:
        known[q][found.row_id.to_numpy()] = found[f"known_{q}"].fillna(False).to_numpy(bool)
    return known


def record(table: tuple[str, str], version: int, fingerprints: tuple[str, str], hidden: pa.Table, sums: pa.Table) -> dict:
    """A suppression_history row: version `version` of `table`, with its (values, hidden) fingerprints, hidden cells
    (HIDDEN_COLUMNS) and the sums over them (SUMS_COLUMNS)."""
    return {"metric_code": table[0], "period_label": table[1], "version": version,
            "values_fingerprint": fingerprints[0], "hidden_fingerprint": fingerprints[1], "published_at": datetime.now(),
            "hidden_cells": _to_bytes(hidden.select(HIDDEN_COLUMNS)), "sums": _to_bytes(sums.select(SUMS_COLUMNS))}


def write(cur: duckdb.DuckDBPyConnection, tables: Tables, versions: list[dict]) -> None:
    """Inside the write transaction, before public_outcomes is replaced by the registered `public_rows`: keep the shown
    values about to be replaced, and add the new versions."""
    same = " AND ".join(f"{{0}}.{c} IS NOT DISTINCT FROM o.{c}" for c in TABLE_KEY + CELL_KEY + QUANTITIES)
    cur.execute(f"""
        INSERT INTO published_values
        SELECT {', '.join('o.' + c for c in TABLE_KEY + CELL_KEY + QUANTITIES)}, now()
        FROM public_outcomes AS o
        WHERE {where('o.')} AND NOT o.suppressed
          AND NOT EXISTS (SELECT 1 FROM public_rows AS n WHERE NOT n.suppressed AND {same.format('n')})
          AND NOT EXISTS (SELECT 1 FROM published_values AS p WHERE {same.format('p')})""", which(tables))
    if versions:
        cur.register("new_versions", pa.Table.from_pylist(versions))
        cur.execute("INSERT INTO suppression_history BY NAME SELECT * FROM new_versions")
        cur.unregister("new_versions")


def _to_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _arrow(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def _from_bytes(data: bytes) -> pd.DataFrame:
    return plain(_arrow(data)).to_pandas()


def plain(table: pa.Table) -> pa.Table:
    """An Arrow table with coded (dictionary) columns as plain text."""
    for i, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type):
            table = table.set_column(i, table.field(i).name, column.cast(column.type.value_type))
    return table
