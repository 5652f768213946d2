"""Data blocks -> observations, checking every rule a shared measure depends on, each finding located.

Column-wise: each distinct metric, period, place, group and non-numeric cell text is decided once in Python (catalog,
periods, places, cells); the rules then run as one DuckDB query over the whole file, so 200,000 rows take a fraction
of a second. Every value cell read ends in exactly one of: loaded, suppressed, missing (with its reason) or reported (a
finding; rows skipped with a count, such as totals of other places or summary rows, are reported too).
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from backbone import config
from backbone.errors import Finding
from backbone.intake.places import resolve_places
from backbone.intake.reader.cells import parse_flag, parse_number
from backbone.intake.reader.columns import find_metric, split_period
from backbone.intake.reader.labels import CATALOG_UNIT_CLASS, UNIT_WORDS, clean_label, everyone, is_summary, total_of, unit_class
from backbone.intake.reader.mapping import FLAG_FIELD, UNIT_FIELD
from backbone.intake.reader.periods import day_first_in, read_period, resolve_period
from backbone.intake.reader.table import ROW_KIND, Block
from backbone.store.catalog import Catalog
from backbone.text import fold_label, text_of
from backbone.vocab import UNIT_SCALE

KEY_FIELDS = ("metric_code", "period_label", "geography", "dimension", "group_value")
PERIOD_HELP = ("write a year (2019), a school or financial year (2019-20, 2019/20), FY2020, a quarter (2019 Q3), a month "
               "(2019-07), a date (2019-07-31) or a span (2015-2019)")
# A value may differ from numerator/denominator by rounding; beyond this the row is flagged.
ROUNDING_TOLERANCE = 0.6
# A finding repeated on many rows is listed this many times, then summarised: a 200,000-row mistake stays readable.
MAX_FINDINGS_PER_RULE = 50
SIGNED_UNITS = ("count", "rate_per_1000", "rate_per_100000", "percent")
# The usual words for everyone in a group column (the template's): matched in SQL without a lookup.
PLAIN_EVERYONE = ("total population", "all students", "all", "total", "everyone", "all races", "all races/ethnicities")
# Why a row read is not loaded although nothing is wrong with it (each reported once, with a count and a first row).
SKIP_REASONS = {
    "outside": "are for places outside the community (not in the catalog's places): not loaded",
    "summary": "are summary rows (a median, mean, target, subtotal or the like), not places or groups: not loaded",
    "group summary": "are summary rows (a median, mean, target, subtotal or the like), not groups: not loaded",
    "period total": "are totals over periods (a 'Total' in the period column): not loaded",
    "estimate statistic": "give a statistic about an estimate (a confidence interval, an RSE), not a value: not loaded",
    "other metric": "name metrics that are not in the catalog: not loaded",
    "other unit": "give the metric in a unit (a number, a percent) the catalog has no metric of that name for: not loaded",
}


@dataclass
class Checked:
    """Observations ready to load, and what the partner should hear about the rest."""

    table: pa.Table | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    missing: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    cells: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("read", "loaded", "suppressed", "missing",
                                                                          "reported"), 0))

    @property
    def observations(self) -> list[dict]:
        return self.table.to_pylist() if self.table is not None else []

    @property
    def rows_suppressed(self) -> int:
        return self.cells["suppressed"]


def check_blocks(blocks: list[Block], catalog: Catalog, fiscal_start: int | None = None) -> Checked:
    """Validate every data block against the catalog; a row with an error is never half-loaded."""
    checked = Checked()
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return checked
    con = duckdb.connect()
    code_sets = {codes: n for n, codes in enumerate(dict.fromkeys(tuple(sorted(b.codes.items())) for b in blocks))}
    candidates = pa.concat_tables([_block_table(i, b, code_sets[tuple(sorted(b.codes.items()))]) for i, b in enumerate(blocks)])
    candidates = candidates.append_column("seq", pa.array(range(len(candidates)), pa.int64()))
    con.register("cand", candidates)
    simple, period_warnings = _lookups(con, blocks, catalog, catalog.fiscal_start if fiscal_start is None else fiscal_start,
                                       {n: dict(codes) for codes, n in code_sets.items()})
    con.execute(_rules_sql(simple))
    _report(con, blocks, catalog, checked, compare_parts="places" not in simple, skips=_can_skip(simple))
    checked.warnings += period_warnings
    counts = con.execute("SELECT outcome, count(*) FROM outcomes GROUP BY 1").fetchall()
    checked.cells["read"] = len(candidates)
    for outcome, n in counts:
        checked.cells[outcome] += n
    checked.missing.update(dict(con.execute(
        "SELECT v_reason, count(*) FROM outcomes WHERE outcome = 'missing' GROUP BY 1").fetchall()))
    if _can_skip(simple):
        checked.skipped.update(dict(con.execute(
            "SELECT skip, count(*) FROM checked WHERE skip IS NOT NULL GROUP BY 1").fetchall()))
    table = con.execute(_OBSERVATIONS_SQL).to_arrow_table()
    con.close()
    sheets = pa.array([b.sheet for b in blocks], pa.string())
    checked.table = table.append_column("source_sheet", pc.take(sheets, table["blk"])).drop_columns(["blk"])
    return checked


def _block_table(index: int, block: Block, codes_id: int) -> pa.Table:
    n = len(block)
    columns = {"blk": pa.array([index] * n, pa.int32()), "srow": block.rows, "codes_id": pa.array([codes_id] * n, pa.int32())}
    for name in ("metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note"):
        raw = block.fields.get(name)
        columns[name] = raw.cast(pa.string()) if isinstance(raw, (pa.Array, pa.ChunkedArray)) else pa.array([raw] * n, pa.string())
    flag = block.fields.get(FLAG_FIELD)
    columns["flag"] = flag if flag is not None else pa.nulls(n, pa.string())
    kind = block.fields.get(ROW_KIND)
    columns["row_kind"] = kind if kind is not None else pa.nulls(n, pa.string())
    unit = block.fields.get(UNIT_FIELD)
    columns["unit_text"] = unit if unit is not None else pa.nulls(n, pa.string())
    columns["flag_header"] = pa.array([block.headers.get(FLAG_FIELD)] * n, pa.string())
    columns["pct_format"] = block.percent_format if block.percent_format is not None else pa.array([False] * n)
    columns["fraction_header"] = pa.array([block.fraction_header] * n)
    columns["metric_from_column"] = pa.array([isinstance(block.fields.get("metric"), (pa.Array, pa.ChunkedArray))] * n)
    columns["period_from_column"] = pa.array([isinstance(block.fields.get("period"), (pa.Array, pa.ChunkedArray))] * n)
    return pa.table(columns)


def _lookups(con: duckdb.DuckDBPyConnection, blocks: list[Block], catalog: Catalog, fiscal_start: int,
             declared: dict[int, dict[str, str]]) -> tuple[set[str], list[Finding]]:
    """Decide each distinct metric, period, place, group and non-numeric cell once, in Python, into small lookup tables.
    Returns which lookups are trivial for this file ('places', 'periods', 'codes'), and the period warnings."""
    simple = set()
    _metric_lookup(con, catalog)
    warnings = _period_lookup(con, catalog, fiscal_start, blocks)
    if con.execute("SELECT count(DISTINCT period_raw) = count(DISTINCT (period_raw, label, p_start, p_end, total))"
                   " AND coalesce(bool_and(from_column), true) FROM period_lookup").fetchone()[0]:
        con.execute("CREATE TEMP TABLE period_by_text AS SELECT DISTINCT period_raw, label, p_start, p_end, total"
                    " FROM period_lookup")
        simple.add("periods")
    if _geo_lookup(con, catalog):
        simple.add("places")
    if not _unit_lookup(con, catalog):
        simple.add("units")
    if len(declared) == 1 and not next(iter(declared.values())):
        simple.add("codes")
    groups = [r[0] for r in con.execute('SELECT DISTINCT "group" FROM cand WHERE "group" IS NOT NULL').fetchall()]
    named = [_group_named(g) for g in groups]
    # A joined group ('All ages / Median') is a summary when any of its parts is one.
    summaries = [any(is_summary(p) for p in g.split(" / ")) for g in groups]
    if all((n is None) == (g.strip().lower() in PLAIN_EVERYONE) and (n is None or n == g.strip()) for g, n in zip(
            groups, named, strict=True)) and not any(summaries):
        simple.add("groups")  # every group is as written, or one of the plain words for everyone: no lookup needed
    con.register("group_lookup", pa.table({
        "raw": pa.array(groups, pa.string()),
        "grp": pa.array(named, pa.string()),
        "all_group": pa.array([g is None for g in named], pa.bool_()),
        "summary": pa.array(summaries, pa.bool_()),
    }))
    texts = con.execute(
        """SELECT DISTINCT codes_id, x FROM (SELECT codes_id, unnest([value, numerator, denominator]) AS x FROM cand)
           WHERE x IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(x AS DOUBLE)), false)""").fetchall()
    cells = [parse_number(raw, declared[codes_id]) for codes_id, raw in texts]
    con.register("cell_lookup", pa.table({
        "codes_id": pa.array([t[0] for t in texts], pa.int32()),
        "raw": pa.array([t[1] for t in texts], pa.string()),
        "kind": pa.array([c.kind for c in cells], pa.string()),
        "number": pa.array([c.number for c in cells], pa.float64()),
        "mark": pa.array([c.mark for c in cells], pa.string()),
        "reason": pa.array([c.reason for c in cells], pa.string()),
        "pct_sign": pa.array([c.percent_sign for c in cells], pa.bool_()),
    }))
    flags = [r[0] for r in con.execute("SELECT DISTINCT flag FROM cand WHERE flag IS NOT NULL").fetchall()]
    con.register("flag_lookup", pa.table({"raw": pa.array(flags, pa.string()),
                                          "kind": pa.array([parse_flag(raw) for raw in flags], pa.string())}))
    # The reasons to skip a row that this file can have (named in `simple` too, as the rules' SQL reads them).
    for flag, query in (("row kinds", "SELECT count(*) FROM cand WHERE row_kind IS NOT NULL"),
                        ("group summaries", "SELECT count(*) FROM group_lookup WHERE summary"),
                        ("period totals", "SELECT count(*) FROM period_lookup WHERE total"),
                        ("other metrics", "SELECT count(*) FROM metric_lookup WHERE skippable")):
        if con.execute(query).fetchone()[0]:
            simple.add(flag)
    con.register("unit_scale", pa.table({"unit": list(UNIT_SCALE), "scale": list(UNIT_SCALE.values())}))
    units = list(config.VALUE_LIMIT_DEFAULTS)
    con.register("value_limits", pa.table({"unit": units, "max_value": [config.value_limit(u) for u in units],
                                           "max_count": [config.value_limit("count")] * len(units)}))
    return simple, warnings


def _unit_lookup(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> bool:
    """A column saying per row what the value is (KIDS COUNT's DataFormat: Number, Percent, Currency) picks the metric
    per row: the catalog's metric in that unit ('Children in poverty' or 'Children in poverty (number)'); rows in a
    unit no catalog metric of that name has are skipped. Percents written as fractions (all at most 1) are scaled.
    False when the file has no such column."""
    groups = con.execute(
        """SELECT coalesce(metric, ''), unit_text, max(TRY_CAST(value AS DOUBLE)) FROM cand WHERE unit_text IS NOT NULL
           GROUP BY ALL""").fetchall()
    if not groups:
        return False
    rows = []
    for metric_raw, unit_raw, largest in groups:
        metric = find_metric(catalog, metric_raw) if metric_raw else None
        wanted = unit_class(unit_raw)
        chosen, other = metric, False
        if metric is not None and wanted and CATALOG_UNIT_CLASS.get(metric.unit) != wanted:
            names = [f"{metric_raw} ({w})" for w in UNIT_WORDS[wanted]] + [f"{metric_raw} {w}" for w in UNIT_WORDS[wanted]] \
                + [f"{w} {metric_raw}" for w in UNIT_WORDS[wanted]] + [f"{w} of {metric_raw}" for w in UNIT_WORDS[wanted]]
            chosen = next((m for m in (find_metric(catalog, n) for n in names)
                           if m is not None and CATALOG_UNIT_CLASS.get(m.unit) == wanted), None)
            other = chosen is None
        fraction = bool(chosen is not None and chosen.unit == "percent" and wanted == "percent"
                        and largest is not None and largest <= 1)
        rows.append((metric_raw, unit_raw, chosen.code if chosen else None, chosen.unit if chosen else None, fraction, other))
    con.register("metric_unit_lookup", pa.table({
        "metric_raw": pa.array([r[0] for r in rows], pa.string()), "unit_raw": pa.array([r[1] for r in rows], pa.string()),
        "code": pa.array([r[2] for r in rows], pa.string()), "unit": pa.array([r[3] for r in rows], pa.string()),
        "fraction": pa.array([r[4] for r in rows], pa.bool_()), "other_unit": pa.array([r[5] for r in rows], pa.bool_()),
    }))
    return True


def _typo_of_any(name: str, names: list[str]) -> bool:
    """A name a few keystrokes from a catalog name ('Kindergarten readines'): a typo to report, not another metric."""
    for close in difflib.get_close_matches(name, names, n=3, cutoff=0.8):
        matched = sum(block.size for block in difflib.SequenceMatcher(None, name, close).get_matching_blocks())
        if len(name) + len(close) - 2 * matched <= 2:
            return True
    return False


def _group_named(raw: str) -> str | None:
    """The group a cell names, None for everyone: columns joined into one group ('All ages / All people / Aboriginal
    and Torres Strait Islander people / All areas') keep only the parts that are not everyone."""
    parts = [p.strip() for p in raw.split(" / ")]
    kept = [p for p in parts if clean_label(p) and not everyone(p)]
    return " / ".join(kept) if kept else None


def _metric_lookup(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Each distinct metric text -> its catalog metric; a name with a period at its end ('Population, 2016') -> that
    metric and period; an unknown name nothing in the catalog comes close to, in a file that names known ones too,
    -> skipped ('other metric') rather than an error."""
    metrics = [r[0] for r in con.execute("SELECT DISTINCT metric FROM cand WHERE metric IS NOT NULL").fetchall()]
    found, name_periods = {}, {}
    for raw in metrics:
        metric = find_metric(catalog, raw)
        if metric is None and (split := split_period(raw)):
            metric = find_metric(catalog, split[0])
            if metric is not None:
                name_periods[raw] = split[1]
        found[raw] = metric
    names = list(catalog.names())
    any_known = any(m is not None for m in found.values())
    skippable = {raw: any_known and not _typo_of_any(fold_label(clean_label(raw)), names)
                 for raw, m in found.items() if m is None}
    con.register("metric_lookup", pa.table({
        "raw": pa.array(metrics, pa.string()),
        "code": pa.array([m.code if m else None for m in found.values()], pa.string()),
        "unit": pa.array([m.unit if m else None for m in found.values()], pa.string()),
        "name_period": pa.array([name_periods.get(raw) for raw in metrics], pa.string()),
        "skippable": pa.array([skippable.get(raw, False) for raw in metrics], pa.bool_()),
    }))


def _period_lookup(con: duckdb.DuckDBPyConnection, catalog: Catalog, fiscal_start: int, blocks: list[Block]) -> list[Finding]:
    """Each distinct (metric text, period text) -> the period it denotes for that metric's frequency. A row's period is
    its period column's; else the period its metric's name ends with ('Population, 2011'); else the one its table was
    given (a title's, a constant's). A footnote mark that tells two rows of one year apart ('2017 (2)' beside '2017')
    stays in the label; elsewhere it is set aside."""
    metrics = {raw: (code, name_period) for raw, code, name_period in con.execute(
        "SELECT raw, code, name_period FROM metric_lookup").fetchall()}
    combos = con.execute("SELECT DISTINCT coalesce(metric, ''), coalesce(period, ''), period_from_column FROM cand").fetchall()
    chosen = []
    for metric_raw, period_raw, from_column in combos:
        code, name_period = metrics.get(metric_raw, (None, None))
        text = period_raw.strip() if from_column else (name_period or period_raw.strip())
        chosen.append((metric_raw, period_raw, from_column, code, text or None))
    day_first = day_first_in([c[4] for c in chosen if c[4]])
    solved: dict[tuple, tuple] = {}
    for *_, code, text in chosen:
        if text is None or (code, text) in solved:
            continue
        reading = read_period(text, day_first)
        metric = catalog.metrics.get(code) if code else None
        period, warning = resolve_period(reading, getattr(metric, "frequency", None), fiscal_start) if reading else (None, None)
        solved[(code, text)] = (period, reading.mark if reading else "", warning, reading is None and total_of(text)[0])
    by_label: dict[tuple, set] = {}
    for (code, text), (period, *_rest) in solved.items():
        if period is not None:
            by_label.setdefault((code, period.label), set()).add(text)
    rows = []
    for metric_raw, period_raw, from_column, code, text in chosen:
        period, mark, _warning, total = solved.get((code, text), (None, "", None, False))
        label = period.label if period else None
        if period is not None and mark and len(by_label[(code, period.label)]) > 1:
            label = f"{period.label} {mark}"  # two estimates for one year: both kept, told apart by their marks
        rows.append((metric_raw, period_raw, from_column, label, period.start if period else None,
                     period.end if period else None, total))
    con.register("period_lookup", pa.table({
        "metric_raw": pa.array([r[0] for r in rows], pa.string()),
        "period_raw": pa.array([r[1] for r in rows], pa.string()),
        "from_column": pa.array([r[2] for r in rows], pa.bool_()),
        "label": pa.array([r[3] for r in rows], pa.string()),
        "p_start": pa.array([r[4] for r in rows], pa.date32()),
        "p_end": pa.array([r[5] for r in rows], pa.date32()),
        "total": pa.array([r[6] for r in rows], pa.bool_()),
    }))
    findings = []
    for (code, text), (_period, _mark, warning, _total) in solved.items():
        if not warning:
            continue
        metric_raws = [m for m, _p, _f, c, t in chosen if c == code and t == text]
        blk, row = con.execute(
            "SELECT blk, srow FROM cand WHERE coalesce(metric, '') IN (SELECT unnest(?::VARCHAR[])) ORDER BY seq LIMIT 1",
            [metric_raws]).fetchone()
        findings.append(Finding(blocks[blk].sheet, row, blocks[blk].headers.get("period", "period"),
                                f"'{text}' {warning}; say otherwise with the metric's frequency in the catalog"))
    return findings


def _geo_lookup(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> bool:
    """Each table's distinct places -> the place loaded and its role, or why the row is skipped (places.py). True when
    every place is simply itself (a template's places, no catalog places): then no lookup is needed."""
    by_block: dict[int, list[str]] = {}
    for blk, raw in con.execute("SELECT DISTINCT blk, geography FROM cand WHERE geography IS NOT NULL").fetchall():
        if raw.strip():
            by_block.setdefault(blk, []).append(raw)
    blks, raws, geos, roles, skips = [], [], [], [], []
    solved: dict[frozenset, dict] = {}  # the value columns of one table share its places: each set is resolved once
    for blk, texts in by_block.items():
        key = frozenset(texts)
        if key not in solved:
            solved[key] = resolve_places(texts, catalog)
        for raw, place in solved[key].items():
            blks.append(blk)
            raws.append(raw)
            geos.append(place.geography)
            roles.append(place.role)
            skips.append(place.reason)
    con.register("geo_lookup", pa.table({"blk": pa.array(blks, pa.int32()), "raw": pa.array(raws, pa.string()),
                                         "geo": pa.array(geos, pa.string()), "role": pa.array(roles, pa.string()),
                                         "geo_skip": pa.array(skips, pa.string())}))
    return all(g == r.strip() and role == "place" for r, g, role in zip(raws, geos, roles, strict=True))


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
def _rules_sql(simple: set[str]) -> str:
    """The rules, with the lookups a file needs: a template-shaped file (places as written, one reading per period
    text, no codes of its own) joins fewer tables, so the common path stays as fast as before places and frequencies."""
    if "places" in simple:
        geo = """coalesce(nullif(trim(c.geography), ''), 'Community') AS geo,
       CASE WHEN nullif(trim(c.geography), '') IS NULL THEN 'community' ELSE 'place' END AS place_role"""
        geo_skip, geo_join = "NULL", ""
    else:
        geo = """CASE WHEN nullif(trim(c.geography), '') IS NULL THEN 'Community' ELSE g.geo END AS geo,
       CASE WHEN nullif(trim(c.geography), '') IS NULL THEN 'community' ELSE g.role END AS place_role"""
        geo_skip, geo_join = "g.geo_skip", "LEFT JOIN geo_lookup g ON g.blk = c.blk AND g.raw = c.geography"
    period_join = ("LEFT JOIN period_by_text p ON p.period_raw = c.period" if "periods" in simple else
                   """LEFT JOIN period_lookup p ON p.metric_raw = coalesce(c.metric, '')
                         AND p.period_raw = coalesce(c.period, '') AND p.from_column = c.period_from_column""")
    codes = "" if "codes" in simple else "{x}.codes_id = c.codes_id AND "
    if "groups" in simple:
        everyone = f"lower(trim(c.\"group\")) IN {PLAIN_EVERYONE}"
        groups = f"""CASE WHEN {everyone} THEN NULL ELSE nullif(trim(c."group"), '') END AS grp,
       CASE WHEN {everyone} THEN NULL ELSE nullif(trim(c.dimension), '') END AS dim"""
        group_join = ""
    else:
        groups = """CASE WHEN coalesce(gl.all_group, true) THEN NULL ELSE gl.grp END AS grp,
       CASE WHEN coalesce(gl.all_group, true) THEN NULL ELSE nullif(trim(c.dimension), '') END AS dim"""
        group_join = 'LEFT JOIN group_lookup gl ON gl.raw = c."group"'

    # Why a row is skipped: only the reasons this file can have are tested on every row.
    reasons = [(f"{geo_skip} IS NOT NULL", geo_skip)] if geo_skip != "NULL" else []
    reasons += [(test, f"'{reason}'") for flag, test, reason in (
        ("row kinds", "nullif(trim(c.row_kind), '') IS NOT NULL", "estimate statistic"),
        ("group summaries", "gl.summary", "group summary"), ("period totals", "p.total", "period total"),
        ("other metrics", "m.code IS NULL AND m.skippable AND c.metric_from_column", "other metric")) if flag in simple]
    skip = ("CASE " + " ".join(f"WHEN {test} THEN {reason}" for test, reason in reasons) + " END"
            if reasons else "NULL::VARCHAR")
    if "units" in simple:
        metric, unit_join, fraction = "m.code, m.unit", "", "false"
    else:  # a unit column picks the metric per row (_unit_lookup)
        metric = "CASE WHEN c.unit_text IS NULL THEN m.code ELSE mu.code END AS code, CASE WHEN c.unit_text IS NULL " \
                 "THEN m.unit ELSE mu.unit END AS unit"
        unit_join = "LEFT JOIN metric_unit_lookup mu ON mu.metric_raw = coalesce(c.metric, '') AND mu.unit_raw = c.unit_text"
        fraction = "coalesce(mu.fraction, false)"
        reasons.insert(0, ("mu.other_unit", "'other unit'"))
        skip = "CASE " + " ".join(f"WHEN {test} THEN {reason}" for test, reason in reasons) + " END"
    row_unit = "m.unit" if "units" in simple else "CASE WHEN c.unit_text IS NULL THEN m.unit ELSE mu.unit END"
    return f"""
CREATE TEMP VIEW read_cells AS
SELECT c.* EXCLUDE (codes_id, row_kind, metric_from_column, period_from_column, unit_text), {metric}, s.scale,
       {fraction} AS unit_fraction, l.max_value, l.max_count, p.label AS p_label, p.p_start, p.p_end,
       coalesce(f.kind, 'shown') AS flag_kind,
       {_cell_sql('c.value', 'v')}, {_cell_sql('c.numerator', 'n')}, {_cell_sql('c.denominator', 'd')},
       {geo},
       {groups},
       {skip} AS skip
FROM cand c
LEFT JOIN metric_lookup m ON m.raw = c.metric
{unit_join}
{period_join}
LEFT JOIN unit_scale s ON s.unit = {row_unit}
LEFT JOIN value_limits l ON l.unit = {row_unit}
{geo_join}
{group_join}
LEFT JOIN cell_lookup v ON {codes.format(x='v')}v.raw = c.value
LEFT JOIN cell_lookup n ON {codes.format(x='n')}n.raw = c.numerator
LEFT JOIN cell_lookup d ON {codes.format(x='d')}d.raw = c.denominator
LEFT JOIN flag_lookup f ON f.raw = c.flag;
""" + _RULES_SQL


_RULES_SQL = f"""
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
    v_kind = 'number' AND unit = 'percent' AND (pct_format OR fraction_header OR unit_fraction) AS from_fraction
  FROM parsed
), valued AS (
  SELECT *,
    skip IS NULL AND (code IS NULL OR p_label IS NULL OR bad_num OR bad_den OR v_kind = 'invalid' OR flag_kind = 'invalid')
      AS early_error,
    CASE WHEN v_kind = 'number' THEN CASE WHEN from_fraction THEN round(v_num * 100, 9) ELSE v_num END
         WHEN v_kind = 'missing' AND scale IS NOT NULL AND num IS NOT NULL AND den > 0 THEN num / den * scale END AS val
  FROM base
)
-- Without the columns no later step reads: writing 200,000 rows of them costs more than working them out.
SELECT * EXCLUDE (geography, dimension, "group", value, numerator, denominator, pct_format, fraction_header, flag_header,
                  v_num, n_mark, d_mark, n_pct, d_pct, unit_fraction),
  skip IS NULL AND NOT early_error AND v_kind = 'missing' AND val IS NULL AS is_missing,
  skip IS NULL AND NOT early_error AND NOT (v_kind = 'missing' AND val IS NULL) AND (
      coalesce(num > den, false) OR coalesce(unit = 'percent' AND val > 100, false)
      OR coalesce(unit IN {SIGNED_UNITS} AND val < 0, false)
      OR NOT coalesce(isfinite(val) AND abs(val) <= max_value, val IS NULL)
      OR coalesce(num > max_count OR den > max_count, false)) AS late_error
FROM valued;

CREATE TEMP VIEW keyed AS
SELECT seq, blk, srow, code, p_label, geo, coalesce(CASE WHEN grp IS NOT NULL THEN dim END,
       CASE WHEN grp IS NOT NULL THEN 'Group' END, 'All') AS dkey,
       coalesce(grp, 'All') AS gkey, val, num, den, v_kind, v_mark
FROM checked
WHERE skip IS NULL AND NOT early_error AND NOT late_error AND NOT is_missing;

CREATE TEMP TABLE dupkeys AS
SELECT code, p_label, geo, dkey, gkey, min(seq) AS first_seq FROM keyed GROUP BY ALL HAVING count(*) > 1;

CREATE TEMP TABLE dupes AS
SELECT r.seq, r.blk, r.srow, f.srow AS first_row, f.blk AS first_blk,
  r.val IS NOT DISTINCT FROM f.val AND r.num IS NOT DISTINCT FROM f.num AND r.den IS NOT DISTINCT FROM f.den
    AND (r.v_kind = 'suppressed') = (f.v_kind = 'suppressed')
    AND (r.v_kind <> 'suppressed' OR r.v_mark IS NOT DISTINCT FROM f.v_mark) AS same
FROM dupkeys k
JOIN keyed r USING (code, p_label, geo, dkey, gkey)
JOIN keyed f ON f.seq = k.first_seq
WHERE r.seq > k.first_seq;

CREATE TEMP TABLE outcomes AS
SELECT c.seq, c.v_reason,
  CASE WHEN c.skip IS NOT NULL OR c.early_error OR c.late_error OR d.seq IS NOT NULL THEN 'reported'
       WHEN c.is_missing THEN 'missing'
       WHEN c.v_kind = 'suppressed' THEN 'suppressed'
       ELSE 'loaded' END AS outcome
FROM checked c LEFT JOIN dupes d ON d.seq = c.seq;
"""

_OBSERVATIONS_SQL = """
SELECT c.code AS metric_code, c.p_label AS period_label, c.p_start AS period_start, c.p_end AS period_end,
       c.geo AS geography, coalesce(CASE WHEN c.grp IS NOT NULL THEN c.dim END,
                                    CASE WHEN c.grp IS NOT NULL THEN 'Group' END, 'All') AS dimension,
       coalesce(c.grp, 'All') AS group_value,
       CASE WHEN c.v_kind = 'suppressed' THEN NULL ELSE c.val END AS value,
       CASE WHEN c.v_kind = 'suppressed' THEN NULL ELSE c.num END AS numerator,
       c.den AS denominator, c.v_kind = 'suppressed' AS suppressed,
       CASE WHEN c.v_kind = 'suppressed' THEN c.v_mark END AS suppression_mark,
       CASE WHEN c.v_mark IS NULL OR c.v_kind <> 'number' THEN nullif(trim(c.note), '')
            ELSE concat_ws('; ', nullif(trim(c.note), ''), 'marked ' || c.v_mark || ' in the file') END AS note,
       c.place_role, c.blk, c.srow AS source_row
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

    def add(self, kind: str, rule: str, blk: int, row: int | None, column: str | None, message: str) -> None:
        self.counts[(kind, rule)] += 1
        if self.counts[(kind, rule)] <= MAX_FINDINGS_PER_RULE:
            block = self.blocks[blk]
            self.items.append((blk, row, Finding(block.sheet, row, block.headers.get(column, column), message), kind))

    def into(self, checked: Checked) -> None:
        order = {b.sheet: i for i, b in reversed(list(enumerate(self.blocks)))}
        for _, _, finding, kind in sorted(self.items, key=lambda item: (order[item[2].sheet], item[1] or 0)):
            (checked.errors if kind == "error" else checked.warnings).append(finding)
        for (kind, rule), n in self.counts.items():
            if n > MAX_FINDINGS_PER_RULE:
                target = checked.errors if kind == "error" else checked.warnings
                target.append(Finding(self.blocks[0].sheet, None, None,
                                      f"and {n - MAX_FINDINGS_PER_RULE:,} more rows with the same problem ({rule})"))


def _times(n: int) -> str:
    return "" if n == 1 else f" ({n:,} cells, the first here)"


def _can_skip(simple: set[str]) -> bool:
    """Whether any row of this file can be skipped (see _rules_sql's reasons)."""
    return "places" not in simple or "units" not in simple or bool(
        {"row kinds", "group summaries", "period totals", "other metrics"} & simple)


def _report(con: duckdb.DuckDBPyConnection, blocks: list[Block], catalog: Catalog, checked: Checked,
            compare_parts: bool = False, skips: bool = True) -> None:
    out = _Findings(blocks)
    # What is wrong with a text (an unknown metric, period or code) is said once per distinct text, at its first cell.
    for blk, row, metric, n in con.execute(
            """SELECT arg_min(blk, seq), arg_min(srow, seq), metric, count(*) FROM checked
               WHERE early_error AND code IS NULL GROUP BY metric ORDER BY min(seq)""").fetchall():
        raw = text_of(metric)
        if not raw:
            out.add("error", "empty metric", blk, row, "metric",
                    "the metric is empty; write a metric name from the Metrics sheet of the template" + _times(n))
            continue
        found = catalog.suggest(raw)
        hint = f"did you mean {' or '.join(repr(s) for s in found)}?" if found else (
            "it is not in the catalog; use a name from the Metrics sheet of the template, or add it to the catalog")
        out.add("error", "unknown metric", blk, row, "metric", f"unknown metric '{raw}': {hint}{_times(n)}")
    for blk, row, period, n in con.execute(
            """SELECT arg_min(blk, seq), arg_min(srow, seq), period, count(*) FROM checked
               WHERE early_error AND code IS NOT NULL AND p_label IS NULL GROUP BY period ORDER BY min(seq)""").fetchall():
        raw = text_of(period)
        out.add("error", "unknown period", blk, row, "period",
                (f"'{raw}' is not a period Backbone understands; {PERIOD_HELP}" if raw else
                 f"the period is empty; {PERIOD_HELP}") + _times(n))
    for blk, row, reason, n in con.execute(
            """SELECT arg_min(blk, seq), arg_min(srow, seq), v_reason, count(*) FROM checked
               WHERE early_error AND v_kind = 'invalid' GROUP BY v_reason ORDER BY min(seq)""").fetchall():
        out.add("error", "value not a number", blk, row, "value",
                f"{reason}; write a number, or the suppression mark your agency uses (such as *). If it is a code of "
                "your agency's, say what it means in the mapping: {\"codes\": {\"...\": \"suppressed\"}} or "
                f"\"missing\"{_times(n)}")
    for blk, row, n_kind, n_reason, n_num, bad_num, d_kind, d_reason, d_num, bad_den, flag, flag_kind in con.execute(
            """SELECT blk, srow, n_kind, n_reason, n_num, bad_num, d_kind, d_reason, d_num, bad_den, flag, flag_kind
               FROM checked WHERE early_error AND code IS NOT NULL AND p_label IS NOT NULL AND (bad_num OR bad_den
               OR flag_kind = 'invalid') ORDER BY seq""").fetchall():
        for column, kind, reason, number, bad in (("numerator", n_kind, n_reason, n_num, bad_num),
                                                  ("denominator", d_kind, d_reason, d_num, bad_den)):
            if bad and kind == "invalid":
                out.add("error", f"{column} not a number", blk, row, column,
                        f"{reason}; write a whole count of people, or leave it blank")
            elif bad:
                out.add("error", f"negative {column}", blk, row, column,
                        f"{number:g} is negative; a {column} counts people and cannot be below 0")
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
    for blk, row, first_blk, first_row, same in con.execute(
            "SELECT blk, srow, first_blk, first_row, same FROM dupes ORDER BY seq").fetchall():
        where = f"row {first_row}" + ("" if blocks[first_blk].sheet == blocks[blk].sheet else f" of sheet '{blocks[first_blk].sheet}'")
        if same:
            out.add("warning", "repeated row", blk, row, None, f"repeats {where} exactly; loaded once")
        else:
            out.add("error", "same key, different value", blk, row, "value",
                    f"the same metric, period, place and group as {where} but a different value; "
                    "keep one of the two rows")
    for skip, blk, row, n, example in [] if not skips else con.execute(
            """SELECT c.skip, arg_min(c.blk, c.seq), arg_min(c.srow, c.seq), count(*),
                      arg_min(CASE c.skip WHEN 'other metric' THEN x.metric WHEN 'group summary' THEN x."group"
                                          WHEN 'period total' THEN x.period WHEN 'estimate statistic' THEN x.row_kind
                                          WHEN 'other unit' THEN x.metric || ' (' || x.unit_text || ')'
                                          ELSE x.geography END, c.seq)
               FROM (SELECT * FROM checked WHERE skip IS NOT NULL) c JOIN cand x ON x.seq = c.seq
               GROUP BY c.skip ORDER BY min(c.seq)"""
    ).fetchall():
        out.add("warning", f"skipped: {skip}", blk, row, None,
                f"{n:,} value cell(s) {SKIP_REASONS[skip]}; the first is '{text_of(example)[:60]}'")
    _warnings(con, out)
    if compare_parts:
        _parts_against_totals(con, out)
    out.into(checked)


# A total and the sum of its parts may differ a little (units outside any part, rounding); beyond this, it is said.
PARTS_TOLERANCE = 0.10
_PARTS_SQL = """
WITH kept AS (
  SELECT c.blk, c.srow, c.seq, c.code, c.p_label, c.unit, c.geo, c.place_role, c.val, c.num, c.den, c.v_kind,
         coalesce(CASE WHEN c.grp IS NOT NULL THEN c.dim END, CASE WHEN c.grp IS NOT NULL THEN 'Group' END, 'All') AS dkey,
         coalesce(c.grp, 'All') AS gkey
  FROM checked c JOIN outcomes o ON o.seq = c.seq WHERE o.outcome IN ('loaded', 'suppressed', 'missing')
), children AS (
  SELECT code, p_label, dkey, gkey,
         CASE WHEN place_role = 'part' THEN regexp_replace(geo, ' / [^/]*$', '') ELSE 'Community' END AS parent,
         count(*) AS n, bool_or(v_kind <> 'number' OR val IS NULL) AS incomplete,
         sum(val) AS sum_val, sum(num) AS sum_num, sum(den) AS sum_den, count(den) AS n_den
  FROM kept WHERE place_role IN ('part', 'place') GROUP BY ALL
)
SELECT t.blk, t.srow, ch.parent, ch.n, t.code, t.p_label, ch.gkey, t.unit, ch.sum_val, t.val, ch.sum_den, t.den,
       ch.n_den = ch.n AND t.den IS NOT NULL AS by_counts
FROM children ch
JOIN kept t ON t.code = ch.code AND t.p_label = ch.p_label AND t.dkey = ch.dkey AND t.gkey = ch.gkey AND t.geo = ch.parent
WHERE ch.n >= 2 AND NOT ch.incomplete AND t.v_kind = 'number'
ORDER BY t.seq
"""


def _parts_against_totals(con: duckdb.DuckDBPyConnection, out: _Findings) -> None:
    """Where a file holds parts and their total (schools and their district, districts and the state), the parts are
    never added to the total; their sum is compared with it, and a large difference is reported."""
    for blk, row, parent, n, code, period, group, unit, sum_val, val, sum_den, den, by_counts in con.execute(
            _PARTS_SQL).fetchall():
        if by_counts:
            parts, total, what = sum_den, den, "denominators"
        elif unit in ("count", "dollars"):
            parts, total, what = sum_val, val, "values"
        else:
            continue  # rates without their counts: nothing to add up
        if total and abs(parts - total) > max(1.0, PARTS_TOLERANCE * abs(total)):
            out.add("warning", "parts differ from their total", blk, row, None,
                    f"the {n} parts of '{parent}' ({code}, {period}, {group}) add up to {parts:,.0f} {what}, but its "
                    f"total says {total:,.0f}; the total is loaded as the figure for '{parent}', the parts are not "
                    "added to it")


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
