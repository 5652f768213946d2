"""Data blocks -> observations, checking every rule a shared measure depends on, each finding located.

Column-wise: each distinct metric, period and non-numeric cell text is decided once in Python (catalog, periods,
cells); the rules then run as one DuckDB query over the whole file, so 200,000 rows take a fraction of a second.
Every value cell read ends in exactly one of: loaded, suppressed, missing (with its reason) or reported (a finding).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from backbone import config
from backbone.errors import Finding
from backbone.intake.reader.cells import parse_flag, parse_number
from backbone.intake.reader.mapping import FLAG_FIELD
from backbone.intake.reader.periods import parse_period
from backbone.intake.reader.table import Block
from backbone.store.catalog import Catalog
from backbone.text import text_of
from backbone.vocab import UNIT_SCALE

KEY_FIELDS = ("metric_code", "period_label", "geography", "dimension", "group_value")
PERIOD_HELP = "write a year (2019), a school year (2019-20), FY2020, a quarter (2019 Q3) or a span (2015-2019)"
# A value may differ from numerator/denominator by rounding; beyond this the row is flagged.
ROUNDING_TOLERANCE = 0.6
# A finding repeated on many rows is listed this many times, then summarised: a 200,000-row mistake stays readable.
MAX_FINDINGS_PER_RULE = 50
# Group labels meaning "everyone": stored as the 'All' group so they combine with the template's blank group.
EVERYONE = ("total population", "all students", "all", "total", "everyone", "all races", "all races/ethnicities")
SIGNED_UNITS = ("count", "rate_per_1000", "rate_per_100000", "percent")


@dataclass
class Checked:
    """Observations ready to load, and what the partner should hear about the rest."""

    table: pa.Table | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    missing: Counter = field(default_factory=Counter)
    cells: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("read", "loaded", "suppressed", "missing",
                                                                          "reported"), 0))

    @property
    def observations(self) -> list[dict]:
        return self.table.to_pylist() if self.table is not None else []

    @property
    def rows_suppressed(self) -> int:
        return self.cells["suppressed"]


def check_blocks(blocks: list[Block], catalog: Catalog) -> Checked:
    """Validate every data block against the catalog; a row with an error is never half-loaded."""
    checked = Checked()
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return checked
    con = duckdb.connect()
    candidates = pa.concat_tables([_block_table(i, b) for i, b in enumerate(blocks)])
    candidates = candidates.append_column("seq", pa.array(range(len(candidates)), pa.int64()))
    con.register("cand", candidates)
    _lookups(con, catalog)
    con.execute(_RULES_SQL)
    _report(con, blocks, catalog, checked)
    counts = con.execute("SELECT outcome, count(*) FROM outcomes GROUP BY 1").fetchall()
    checked.cells["read"] = len(candidates)
    for outcome, n in counts:
        checked.cells[outcome] += n
    checked.missing.update(dict(con.execute(
        "SELECT v_reason, count(*) FROM outcomes WHERE outcome = 'missing' GROUP BY 1").fetchall()))
    table = con.execute(_OBSERVATIONS_SQL).to_arrow_table()
    con.close()
    sheets = pa.array([b.sheet for b in blocks], pa.string())
    checked.table = table.append_column("source_sheet", pc.take(sheets, table["blk"])).drop_columns(["blk"])
    return checked


def _block_table(index: int, block: Block) -> pa.Table:
    n = len(block)
    columns = {"blk": pa.array([index] * n, pa.int32()), "srow": block.rows}
    for name in ("metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note"):
        raw = block.fields.get(name)
        columns[name] = raw.cast(pa.string()) if isinstance(raw, (pa.Array, pa.ChunkedArray)) else pa.array([raw] * n, pa.string())
    flag = block.fields.get(FLAG_FIELD)
    columns["flag"] = flag if flag is not None else pa.nulls(n, pa.string())
    columns["flag_header"] = pa.array([block.headers.get(FLAG_FIELD)] * n, pa.string())
    columns["pct_format"] = block.percent_format if block.percent_format is not None else pa.array([False] * n)
    columns["fraction_header"] = pa.array([block.fraction_header] * n)
    return pa.table(columns)


def _lookups(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Decide each distinct metric, period and non-numeric cell once, in Python, into small lookup tables."""
    metrics = [r[0] for r in con.execute("SELECT DISTINCT metric FROM cand WHERE metric IS NOT NULL").fetchall()]
    found = {raw: catalog.find(raw) for raw in metrics}
    con.register("metric_lookup", pa.table({
        "raw": pa.array(metrics, pa.string()),
        "code": pa.array([m.code if m else None for m in found.values()], pa.string()),
        "unit": pa.array([m.unit if m else None for m in found.values()], pa.string()),
    }))
    periods = [r[0] for r in con.execute("SELECT DISTINCT period FROM cand WHERE period IS NOT NULL").fetchall()]
    parsed = [parse_period(raw) for raw in periods]
    con.register("period_lookup", pa.table({
        "raw": pa.array(periods, pa.string()),
        "label": pa.array([p.label if p else None for p in parsed], pa.string()),
        "p_start": pa.array([p.start if p else None for p in parsed], pa.date32()),
        "p_end": pa.array([p.end if p else None for p in parsed], pa.date32()),
    }))
    texts = [r[0] for r in con.execute(
        """SELECT DISTINCT x FROM (SELECT unnest([value, numerator, denominator]) AS x FROM cand)
           WHERE x IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(x AS DOUBLE)), false)""").fetchall()]
    cells = [parse_number(raw) for raw in texts]
    con.register("cell_lookup", pa.table({
        "raw": pa.array(texts, pa.string()),
        "kind": pa.array([c.kind for c in cells], pa.string()),
        "number": pa.array([c.number for c in cells], pa.float64()),
        "mark": pa.array([c.mark for c in cells], pa.string()),
        "reason": pa.array([c.reason for c in cells], pa.string()),
        "pct_sign": pa.array([c.percent_sign for c in cells], pa.bool_()),
    }))
    flags = [r[0] for r in con.execute("SELECT DISTINCT flag FROM cand WHERE flag IS NOT NULL").fetchall()]
    con.register("flag_lookup", pa.table({"raw": pa.array(flags, pa.string()),
                                          "kind": pa.array([parse_flag(raw) for raw in flags], pa.string())}))
    con.register("unit_scale", pa.table({"unit": list(UNIT_SCALE), "scale": list(UNIT_SCALE.values())}))
    units = list(config.VALUE_LIMIT_DEFAULTS)
    con.register("value_limits", pa.table({"unit": units, "max_value": [config.value_limit(u) for u in units],
                                           "max_count": [config.value_limit("count")] * len(units)}))


def _cell_sql(column: str, prefix: str) -> str:
    """kind / number / mark / reason / percent-sign of one cell column: a plain number (DuckDB's own cast, finite),
    else what cells.parse_number decided for that text in the lookup."""
    return f"""
        CASE WHEN {column} IS NULL THEN 'missing' WHEN {prefix}.kind IS NULL THEN 'number' ELSE {prefix}.kind END
          AS {prefix}_kind,
        CASE WHEN {prefix}.kind IS NULL THEN TRY_CAST({column} AS DOUBLE) ELSE {prefix}.number END AS {prefix}_num,
        {prefix}.mark AS {prefix}_mark,
        CASE WHEN {column} IS NULL THEN 'blank' ELSE {prefix}.reason END AS {prefix}_reason,
        coalesce({prefix}.pct_sign, false) AS {prefix}_pct"""


# read_cells, parsed and keyed are views: each is read once or twice, and writing 200,000 wide rows into a table costs more.
_RULES_SQL = f"""
CREATE TEMP VIEW read_cells AS
SELECT c.*, m.code, m.unit, s.scale, l.max_value, l.max_count, p.label AS p_label, p.p_start, p.p_end,
       coalesce(f.kind, 'shown') AS flag_kind,
       {_cell_sql('c.value', 'v')}, {_cell_sql('c.numerator', 'n')}, {_cell_sql('c.denominator', 'd')},
       coalesce(nullif(trim(c.geography), ''), 'Community') AS geo,
       CASE WHEN lower(trim(c."group")) IN {EVERYONE} THEN NULL ELSE nullif(trim(c."group"), '') END AS grp,
       CASE WHEN lower(trim(c."group")) IN {EVERYONE} THEN NULL ELSE nullif(trim(c.dimension), '') END AS dim
FROM cand c
LEFT JOIN metric_lookup m ON m.raw = c.metric
LEFT JOIN period_lookup p ON p.raw = c.period
LEFT JOIN unit_scale s ON s.unit = m.unit
LEFT JOIN value_limits l ON l.unit = m.unit
LEFT JOIN cell_lookup v ON v.raw = c.value
LEFT JOIN cell_lookup n ON n.raw = c.numerator
LEFT JOIN cell_lookup d ON d.raw = c.denominator
LEFT JOIN flag_lookup f ON f.raw = c.flag;

-- A row its suppression-flag column marks (Y) is suppressed whatever its value cell holds (the agency left it blank),
-- with the flag as its mark: 'SUPPRESSED 4 YEAR: Y'.
CREATE TEMP VIEW parsed AS
SELECT * REPLACE (
    CASE WHEN flag_kind = 'suppressed' THEN 'suppressed' ELSE v_kind END AS v_kind,
    CASE WHEN flag_kind = 'suppressed' THEN NULL ELSE v_num END AS v_num,
    CASE WHEN flag_kind = 'suppressed' THEN flag_header || ': ' || trim(flag) ELSE v_mark END AS v_mark)
FROM read_cells;

CREATE TEMP TABLE checked AS
WITH base AS (
  SELECT *,
    CASE WHEN n_kind = 'number' THEN n_num END AS num,
    CASE WHEN d_kind = 'number' THEN d_num END AS den,
    (n_kind = 'invalid' AND numerator IS NOT NULL AND trim(numerator) <> '') OR (n_kind = 'number' AND n_num < 0) AS bad_num,
    (d_kind = 'invalid' AND denominator IS NOT NULL AND trim(denominator) <> '') OR (d_kind = 'number' AND d_num < 0) AS bad_den,
    v_kind = 'number' AND unit = 'percent' AND (pct_format OR fraction_header) AS from_fraction
  FROM parsed
), valued AS (
  SELECT *,
    code IS NULL OR p_label IS NULL OR bad_num OR bad_den OR v_kind = 'invalid' OR flag_kind = 'invalid' AS early_error,
    CASE WHEN v_kind = 'number' THEN v_num * CASE WHEN from_fraction THEN 100 ELSE 1 END
         WHEN v_kind = 'missing' AND scale IS NOT NULL AND num IS NOT NULL AND den > 0 THEN num / den * scale END AS val
  FROM base
)
-- Without the columns no later step reads: writing 200,000 rows of them costs more than working them out.
SELECT * EXCLUDE (geography, dimension, "group", value, numerator, denominator, pct_format, fraction_header, flag_header,
                  v_num, n_mark, d_mark, n_pct, d_pct),
  NOT early_error AND v_kind = 'missing' AND val IS NULL AS is_missing,
  NOT early_error AND NOT (v_kind = 'missing' AND val IS NULL) AND (
      coalesce(num > den, false) OR coalesce(unit = 'percent' AND val > 100, false)
      OR coalesce(unit IN {SIGNED_UNITS} AND val < 0, false)
      OR NOT coalesce(isfinite(val) AND abs(val) <= max_value, val IS NULL)
      OR coalesce(num > max_count OR den > max_count, false)) AS late_error
FROM valued;

CREATE TEMP VIEW keyed AS
SELECT seq, blk, srow, code, p_label, geo, coalesce(dim, CASE WHEN grp IS NOT NULL THEN 'Group' END, 'All') AS dkey,
       coalesce(grp, 'All') AS gkey, val, num, den, v_kind, v_mark
FROM checked
WHERE NOT early_error AND NOT late_error AND NOT is_missing;

CREATE TEMP TABLE dupkeys AS
SELECT code, p_label, geo, dkey, gkey, min(seq) AS first_seq FROM keyed GROUP BY ALL HAVING count(*) > 1;

CREATE TEMP TABLE dupes AS
SELECT r.seq, r.blk, r.srow, f.srow AS first_row,
  r.val IS NOT DISTINCT FROM f.val AND r.num IS NOT DISTINCT FROM f.num AND r.den IS NOT DISTINCT FROM f.den
    AND (r.v_kind = 'suppressed') = (f.v_kind = 'suppressed') AND r.v_mark IS NOT DISTINCT FROM f.v_mark AS same
FROM dupkeys k
JOIN keyed r USING (code, p_label, geo, dkey, gkey)
JOIN keyed f ON f.seq = k.first_seq
WHERE r.seq > k.first_seq;

CREATE TEMP TABLE outcomes AS
SELECT c.seq, c.v_reason,
  CASE WHEN c.early_error OR c.late_error OR d.seq IS NOT NULL THEN 'reported'
       WHEN c.is_missing THEN 'missing'
       WHEN c.v_kind = 'suppressed' THEN 'suppressed'
       ELSE 'loaded' END AS outcome
FROM checked c LEFT JOIN dupes d ON d.seq = c.seq;
"""

_OBSERVATIONS_SQL = """
SELECT c.code AS metric_code, c.p_label AS period_label, c.p_start AS period_start, c.p_end AS period_end,
       c.geo AS geography, coalesce(c.dim, CASE WHEN c.grp IS NOT NULL THEN 'Group' END, 'All') AS dimension,
       coalesce(c.grp, 'All') AS group_value,
       CASE WHEN c.v_kind = 'suppressed' THEN NULL ELSE c.val END AS value,
       CASE WHEN c.v_kind = 'suppressed' THEN NULL ELSE c.num END AS numerator,
       c.den AS denominator, c.v_kind = 'suppressed' AS suppressed,
       CASE WHEN c.v_kind = 'suppressed' THEN c.v_mark END AS suppression_mark,
       nullif(trim(c.note), '') AS note, c.blk, c.srow AS source_row
FROM checked c JOIN outcomes o ON o.seq = c.seq
WHERE o.outcome IN ('loaded', 'suppressed')
ORDER BY c.seq
"""


class _Findings:
    """Collects findings per rule, listing the first MAX_FINDINGS_PER_RULE and summarising the rest."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.items: list[tuple[int, int, Finding, str]] = []
        self.counts: Counter = Counter()

    def add(self, kind: str, rule: str, blk: int, row: int, column: str, message: str) -> None:
        self.counts[(kind, rule)] += 1
        if self.counts[(kind, rule)] <= MAX_FINDINGS_PER_RULE:
            block = self.blocks[blk]
            self.items.append((blk, row, Finding(block.sheet, row, block.headers.get(column, column), message), kind))

    def into(self, checked: Checked) -> None:
        order = {b.sheet: i for i, b in reversed(list(enumerate(self.blocks)))}
        for _, _, finding, kind in sorted(self.items, key=lambda item: (order[item[2].sheet], item[1])):
            (checked.errors if kind == "error" else checked.warnings).append(finding)
        for (kind, rule), n in self.counts.items():
            if n > MAX_FINDINGS_PER_RULE:
                target = checked.errors if kind == "error" else checked.warnings
                target.append(Finding(self.blocks[0].sheet, None, None,
                                      f"and {n - MAX_FINDINGS_PER_RULE:,} more rows with the same problem ({rule})"))


def _report(con: duckdb.DuckDBPyConnection, blocks: list[Block], catalog: Catalog, checked: Checked) -> None:
    out = _Findings(blocks)
    suggestions: dict[str, str] = {}
    for blk, row, metric, code, period, p_label, n_kind, n_reason, n_num, bad_num, d_kind, d_reason, d_num, bad_den, \
            v_kind, v_reason, flag, flag_kind in con.execute(
            """SELECT blk, srow, metric, code, period, p_label, n_kind, n_reason, n_num, bad_num, d_kind, d_reason, d_num,
                      bad_den, v_kind, v_reason, flag, flag_kind FROM checked WHERE early_error ORDER BY seq""").fetchall():
        if code is None:
            raw = text_of(metric)
            if not raw:
                out.add("error", "empty metric", blk, row, "metric",
                        "the metric is empty; write a metric name from the Metrics sheet of the template")
            else:
                if raw not in suggestions:
                    found = catalog.suggest(raw)
                    suggestions[raw] = f"did you mean {' or '.join(repr(s) for s in found)}?" if found else (
                        "it is not in the catalog; use a name from the Metrics sheet of the template")
                out.add("error", "unknown metric", blk, row, "metric", f"unknown metric '{raw}': {suggestions[raw]}")
        if p_label is None:
            raw = text_of(period)
            out.add("error", "unknown period", blk, row, "period",
                    f"'{raw}' is not a period Backbone understands; {PERIOD_HELP}" if raw else f"the period is empty; {PERIOD_HELP}")
        for column, kind, reason, number, bad in (("numerator", n_kind, n_reason, n_num, bad_num),
                                                  ("denominator", d_kind, d_reason, d_num, bad_den)):
            if bad and kind == "invalid":
                out.add("error", f"{column} not a number", blk, row, column,
                        f"{reason}; write a whole count of people, or leave it blank")
            elif bad:
                out.add("error", f"negative {column}", blk, row, column,
                        f"{number:g} is negative; a {column} counts people and cannot be below 0")
        if v_kind == "invalid":
            out.add("error", "value not a number", blk, row, "value",
                    f"{v_reason}; write a number, or the suppression mark your agency uses (such as *)")
        if flag_kind == "invalid":
            out.add("error", "suppression flag not Y or N", blk, row, FLAG_FIELD,
                    f"'{text_of(flag)}' in a suppression flag column; write Y for a suppressed value, N or nothing for a "
                    "value shown (or map the column to ignore if it is not a flag)")
    for blk, row, unit, val, num, den, max_value, max_count in con.execute(
            "SELECT blk, srow, unit, val, num, den, max_value, max_count FROM checked WHERE late_error ORDER BY seq").fetchall():
        for column, number in (("numerator", num), ("denominator", den)):
            if number is not None and number > max_count:
                out.add("error", f"{column} too large", blk, row, column,
                        f"{number:g} is more people than any {column} can count (Backbone takes up to {max_count:,.0f}, "
                        "the setting BACKBONE_MAX_VALUE_COUNT); check the cell for a typing or export error")
        if val is not None and (not math.isfinite(val) or (abs(val) > max_value and unit != "percent")):
            out.add("error", "value out of range", blk, row, "value",
                    f"{val:g} is beyond any {unit.replace('_', ' ')} Backbone accepts (up to {max_value:,.0f}, the "
                    f"setting BACKBONE_MAX_VALUE_{unit.upper()}); check the cell for a typing or export error")
        if num is not None and den is not None and num > den:
            out.add("error", "numerator above denominator", blk, row, "numerator",
                    f"numerator {num:g} is greater than denominator {den:g}; check the two columns are not swapped")
        if val is not None and unit == "percent" and val > 100:
            out.add("error", "percent above 100", blk, row, "value",
                    f"{val:g} is above 100, which a percent cannot be; write percents as 0-100 (45 for 45%)")
        if val is not None and unit in SIGNED_UNITS and val < 0:
            out.add("error", "negative value", blk, row, "value",
                    f"{val:g} is negative, which a {unit.replace('_', ' ')} cannot be")
    for blk, row, first_row, same in con.execute("SELECT blk, srow, first_row, same FROM dupes ORDER BY seq").fetchall():
        if same:
            out.add("warning", "repeated row", blk, row, None, f"repeats row {first_row} exactly; loaded once")
        else:
            out.add("error", "same key, different value", blk, row, "value",
                    f"the same metric, period, place and group as row {first_row} but a different value; "
                    "keep one of the two rows")
    _warnings(con, out)
    out.into(checked)


def _warnings(con: duckdb.DuckDBPyConnection, out: _Findings) -> None:
    for blk, row, val, v_pct, from_fraction, scale, num, den, grp, dim in con.execute(
            """SELECT c.blk, c.srow, c.val, c.v_pct, c.from_fraction, c.scale, c.num, c.den, c.grp, c.dim
               FROM checked c JOIN outcomes o ON o.seq = c.seq
               WHERE o.outcome = 'loaded' AND (
                   (c.unit = 'percent' AND c.val > 0 AND c.val < 1 AND NOT c.v_pct AND NOT c.from_fraction)
                   OR (c.scale IS NOT NULL AND c.num IS NOT NULL AND c.den > 0 AND c.val IS NOT NULL
                       AND abs(c.num / c.den * c.scale - c.val) > ?)
                   OR (c.grp IS NOT NULL AND c.dim IS NULL))
               ORDER BY c.seq""", [ROUNDING_TOLERANCE]).fetchall():
        if scale == UNIT_SCALE["percent"] and val is not None and 0 < val < 1 and not v_pct and not from_fraction:
            out.add("warning", "fraction in a percent", blk, row, "value",
                    f"{val:g} looks like a fraction; loaded as {val:g}%. If you meant {val * 100:g}%, write {val * 100:g} "
                    "(or format the cell as a percentage)")
        if scale and num is not None and den and val is not None and abs(num / den * scale - val) > ROUNDING_TOLERANCE:
            out.add("warning", "value differs from numerator/denominator", blk, row, "value",
                    f"value {val:g} differs from numerator/denominator ({num / den * scale:.1f}); "
                    "Backbone combines partners from the numerator and denominator")
        if grp is not None and dim is None:
            out.add("warning", "group without dimension", blk, row, "dimension",
                    f"group '{grp}' has no dimension; filed under 'Group' (write e.g. Race/ethnicity)")
