"""A store with a million observations for performance work: the demo, plus synthetic partners at scale.

    python bench/big_store.py OUT.duckdb [--rows 1000000] [--seed 7] [--overwrite] [--no-check]

The store is built the way the app builds one: the demo initiative goes through `backbone.demo.load_demo`
(catalog, partners, real rows), then synthetic partners are added as if each had sent one workbook: one
`uploads` row per partner (kind 'partner', status 'loaded', the next load_seq) and its observations, all in one
transaction, inserted from an Arrow table rather than through `ingest_file` (which reads workbooks at ~10^5
rows/s at best). `--rows` is the total number of observations in the finished store, demo rows included.

The synthetic data covers every metric in the catalog, 60 places, 3 dimensions (Race/ethnicity, Income,
Gender) besides All/All, 10-15 yearly periods between 2010 and 2024 per partner, and values that behave like
their unit: percents from numerators and denominators, rates per 1,000 (or 100,000) from counts of events over
populations, counts and dollars that add up. 1% of rows are suppressed ('*'): the smallest cells, as a
small-numbers rule would pick them.
Keys are unique per (partner, metric, period, geography, dimension, group); `check_store` verifies it.

The original workbooks of the demo are copied beside the store (`uploads/`, or `BACKBONE_UPLOADS`), as the app
does; the synthetic uploads have no original file (`stored_path` is NULL).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from backbone.demo import load_demo  # noqa: E402
from backbone.store import database  # noqa: E402
from backbone.store.privacy import refresh_public_outcomes  # noqa: E402

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 7
UPLOADED_BY = "bench/big_store.py"
METRICS_PER_PARTNER = 12
FIRST_YEAR, LAST_YEAR = 2010, 2024
SUPPRESSED_SHARE = 0.01
SUPPRESSION_MARK = "*"

# 60 made-up neighbourhoods: 12 stems x 5 kinds of place.
_STEMS = ["Ashford", "Brookside", "Cedar", "Dunmore", "Elmwood", "Fairview",
          "Glenwood", "Harbor", "Ironbridge", "Juniper", "Kingsley", "Lakeview"]  # fmt: skip
GEOGRAPHIES = [f"{stem} {kind}" for stem in _STEMS for kind in ("Heights", "Park", "Village", "Hill", "Commons")]

# (dimension, group, share of the population, disadvantage on the logit / log scale: >0 means worse off).
GROUPS = [
    ("All", "All", 1.00, 0.0),
    ("Race/ethnicity", "Black", 0.45, 0.35),
    ("Race/ethnicity", "Hispanic", 0.20, 0.25),
    ("Race/ethnicity", "White", 0.20, -0.30),
    ("Race/ethnicity", "Asian", 0.08, -0.35),
    ("Race/ethnicity", "Two or more races", 0.07, 0.05),
    ("Income", "Low income", 0.40, 0.45),
    ("Income", "Middle income", 0.35, 0.0),
    ("Income", "High income", 0.25, -0.45),
    ("Gender", "Female", 0.49, -0.05),
    ("Gender", "Male", 0.49, 0.05),
    ("Gender", "Another gender", 0.02, 0.10),
]
DIMENSIONS = list(dict.fromkeys(grp[0] for grp in GROUPS))
DIMENSION_OF_GROUP = np.array([DIMENSIONS.index(grp[0]) for grp in GROUPS])
SECTORS = ["K-12 education", "Public health", "Nonprofit", "Early childhood", "Philanthropy", "Housing"]
RATE_SCALE = {"percent": 100.0, "rate_per_1000": 1000.0, "rate_per_100000": 100000.0}
# Typical values when the demo has none for a metric (community-wide for counts and dollars), and the least one used.
FALLBACK_CENTER = {"percent": 50.0, "rate_per_1000": 20.0, "rate_per_100000": 300.0, "count": 500.0, "dollars": 500_000.0}
LEAST_CENTER = {"dollars": 1000.0}
PLACES_PER_COMMUNITY = 20  # a place's count is roughly the community's over this


@dataclass
class Metric:
    """What the generator needs to know about one catalog metric."""

    code: str
    unit: str
    direction: str
    center: float  # a typical value: the demo's median where it has one


@dataclass
class Partner:
    """One synthetic partner and the grid of keys its workbook covers."""

    code: str
    name: str
    sector: str
    metrics: list[Metric]
    years: np.ndarray
    rows: int  # how many keys of its grid it reports (the last partner may report part of it)


def read_metrics(db: str) -> list[Metric]:
    """Every metric in the catalog with its unit, direction and the median value the demo holds for it."""
    sql = """SELECT m.metric_code, m.unit, m.direction, median(o.value)
             FROM metrics AS m LEFT JOIN observations AS o USING (metric_code)
             GROUP BY ALL ORDER BY m.metric_code"""
    rows = database.cursor(db).execute(sql).fetchall()
    metrics = []
    for code, unit, direction, median in rows:
        center = FALLBACK_CENTER.get(unit, 100.0) if median is None else max(float(median), LEAST_CENTER.get(unit, 1.0))
        metrics.append(Metric(code, unit, direction or "up", center))
    return metrics


def plan_partners(metrics: list[Metric], rows: int, rng: np.random.Generator) -> list[Partner]:
    """As many synthetic partners as it takes to reach `rows` keys, each with a window of metrics and years."""
    partners: list[Partner] = []
    left = rows
    per_partner = min(METRICS_PER_PARTNER, len(metrics))
    while left > 0:
        i = len(partners)
        chosen = [metrics[(i * per_partner + k) % len(metrics)] for k in range(per_partner)]
        n_years = int(rng.integers(10, 16))
        start = int(rng.integers(FIRST_YEAR, LAST_YEAR - n_years + 2))
        years = np.arange(start, start + n_years)
        size = len(chosen) * len(GEOGRAPHIES) * len(GROUPS) * n_years
        partners.append(
            Partner(f"SYN_{i + 1:02d}", f"Synthetic partner {i + 1:02d}", SECTORS[i % len(SECTORS)], chosen, years, min(size, left))
        )
        left -= size
    return partners


def _dictionary(indices: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    """A dictionary-encoded string column: small to build and to hand to DuckDB."""
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), pa.array(values, type=pa.string()))


def partner_rows(partner: Partner, upload_id: str, rng: np.random.Generator) -> pa.Table:
    """The observations one synthetic partner's workbook would carry, as an Arrow table."""
    n_m, n_g, n_k, n_y = len(partner.metrics), len(GEOGRAPHIES), len(GROUPS), len(partner.years)
    # Keys in workbook order: metric, place, group, year. Truncating keeps whole series first.
    m, g, k, y = (a.ravel()[: partner.rows] for a in np.indices((n_m, n_g, n_k, n_y)))
    n = len(m)

    unit = np.array([mt.unit for mt in partner.metrics])[m]
    better_up = np.array([1.0 if mt.direction == "up" else -1.0 for mt in partner.metrics])[m]
    center = np.array([mt.center for mt in partner.metrics])[m]
    share = np.array([grp[2] for grp in GROUPS])[k]
    disadvantage = np.array([grp[3] for grp in GROUPS])[k]
    years = partner.years[y]
    t = (years - FIRST_YEAR).astype(float)

    # Each place has its own size, its own level and its own trend for each metric; trends lean towards better.
    population = rng.lognormal(np.log(900), 0.5, size=n_g)[g]
    place_effect = rng.normal(0.0, 0.35, size=(n_m, n_g))[m, g]
    slope = rng.normal(0.025, 0.03, size=(n_m, n_g))[m, g]
    # How far a value sits above the metric's typical one (logit scale for percents, log scale otherwise): the trend
    # and the groups' disadvantage point towards better or worse by the metric's direction.
    shift = place_effect + better_up * (slope * t - disadvantage)
    cell = np.maximum(np.rint(population * share * rng.uniform(0.9, 1.1, size=n)), 1.0)

    value = np.full(n, np.nan)
    numerator = np.full(n, np.nan)
    denominator = np.full(n, np.nan)

    is_pct = unit == "percent"
    if is_pct.any():
        p0 = np.clip(center[is_pct] / 100.0, 0.02, 0.98)
        p = 1.0 / (1.0 + np.exp(-(np.log(p0 / (1 - p0)) + shift[is_pct])))
        den = cell[is_pct]
        num = rng.binomial(den.astype(np.int64), p).astype(float)
        numerator[is_pct], denominator[is_pct], value[is_pct] = num, den, np.round(num / den * 100.0, 1)

    is_rate = np.isin(unit, ["rate_per_1000", "rate_per_100000"])
    if is_rate.any():
        scale = np.where(unit[is_rate] == "rate_per_1000", 1000.0, 100000.0)
        rate = center[is_rate] * np.exp(shift[is_rate])
        den = np.rint(cell[is_rate] * 3.0)  # births, teens, residents: a few times the place's school-age size
        num = rng.poisson(rate / scale * den).astype(float)
        numerator[is_rate], denominator[is_rate], value[is_rate] = num, den, np.round(num / den * scale, 2)

    is_amount = ~(is_pct | is_rate)
    if is_amount.any():
        # Counts and dollars: a place's part of the community total, split by group share (no group gap: amounts
        # follow the population), with the place's level and trend.
        growth = place_effect[is_amount] + better_up[is_amount] * slope[is_amount] * t[is_amount]
        level = center[is_amount] / PLACES_PER_COMMUNITY * share[is_amount] * np.exp(growth)
        counts = rng.poisson(np.maximum(level, 0.5)).astype(float)
        dollars = np.round(level * rng.lognormal(0.0, 0.2, size=len(level)), -2)
        value[is_amount] = np.where(unit[is_amount] == "dollars", dollars, counts)

    # 1% suppressed: the smallest cells (ties broken at random), as a small-numbers rule does. A suppressed place
    # suppresses the community total it feeds, so spreading suppression at random would blank most group totals.
    suppressed = np.zeros(n, dtype=bool)
    suppressed[np.lexsort((rng.random(n), cell))[: round(SUPPRESSED_SHARE * n)]] = True
    masked = suppressed | np.isnan(value)
    no_counts = suppressed | np.isnan(numerator)

    periods = [str(year) for year in range(FIRST_YEAR, LAST_YEAR + 1)]
    return pa.table(
        {
            "upload_id": _dictionary(np.zeros(n, dtype=np.int32), [upload_id]),
            "partner_code": _dictionary(np.zeros(n, dtype=np.int32), [partner.code]),
            "metric_code": _dictionary(m, [mt.code for mt in partner.metrics]),
            "period_label": _dictionary(years - FIRST_YEAR, periods),
            "year": pa.array(years.astype(np.int32)),
            "geography": _dictionary(g, GEOGRAPHIES),
            "dimension": _dictionary(DIMENSION_OF_GROUP[k], DIMENSIONS),
            "group_value": _dictionary(k, [grp[1] for grp in GROUPS]),
            "value": pa.array(value, mask=masked),
            "numerator": pa.array(numerator, mask=no_counts),
            "denominator": pa.array(denominator, mask=no_counts),
            "suppressed": pa.array(suppressed),
            "suppression_mark": pa.array(np.where(suppressed, SUPPRESSION_MARK, None), type=pa.string()),
            "source_row": pa.array(np.arange(2, n + 2, dtype=np.int32)),
        }
    )


def add_synthetic_partners(db: str, rows: int, seed: int = DEFAULT_SEED) -> int:
    """Add `rows` synthetic observations from new partners, one upload each, in one transaction; returns rows added."""
    if rows <= 0:
        return 0
    rng = np.random.default_rng(seed)
    partners = plan_partners(read_metrics(db), rows, rng)
    now = datetime.now()
    added = 0
    with database.write_transaction(db) as cur:
        for i, partner in enumerate(partners):
            upload_id = database.new_id()
            table = partner_rows(partner, upload_id, rng)
            cur.execute("INSERT INTO partners (partner_code, name, sector, contact, updated_at) VALUES (?, ?, ?, NULL, ?)",
                [partner.code, partner.name, partner.sector, now])
            cur.register("synthetic_rows", table)
            cur.execute(
                "INSERT INTO observations SELECT upload_id, partner_code, metric_code, period_label,"
                " make_date(year, 1, 1), make_date(year, 12, 31), geography, dimension, group_value,"
                " value, numerator, denominator, suppressed, suppression_mark, NULL, 'Data', source_row,"
                " CASE WHEN geography = 'Community' THEN 'community' ELSE 'place' END"
                " FROM synthetic_rows"
            )
            cur.unregister("synthetic_rows")
            n_suppressed = int(table["suppressed"].to_numpy().sum())
            sha = hashlib.sha256(f"big_store:{partner.code}:{seed}:{table.num_rows}".encode()).hexdigest()
            cur.execute(
                "INSERT INTO uploads VALUES (?, ?, 'partner', ?, ?, ?, ?, ?, NULL, 'loaded', ?, ?, 0, 0, ?, 0, NULL, NULL, NULL, "
                "NULL, NULL)",
                [upload_id, database.next_load_seq(cur), partner.code, UPLOADED_BY, now + timedelta(seconds=i),
                 f"{partner.code.lower()}.xlsx", sha, table.num_rows, table.num_rows, n_suppressed],
            )  # fmt: skip
            added += table.num_rows
        # As every load does: what partners and the public may see is rebuilt in the same transaction.
        refresh_public_outcomes(cur)
    return added


def build_big_store(path: str, rows: int = DEFAULT_ROWS, *, seed: int = DEFAULT_SEED, overwrite: bool = False) -> int:
    """Build a store at `path` holding `rows` observations (the demo plus synthetic partners); returns its row count.

    The process keeps its connection to the store open (for the caller's queries); call `database.close_all()` before
    another process, such as a Streamlit server, opens the file.
    """
    target = Path(path)
    if target.exists():
        if not overwrite:
            raise FileExistsError(f"{target} exists; pass overwrite=True (--overwrite) to replace it")
        database.close_all()
        target.unlink()
        Path(f"{target}.wal").unlink(missing_ok=True)
    db = str(target)
    load_demo(db)
    demo_rows = database.cursor(db).execute("SELECT count(*) FROM observations").fetchone()[0]
    add_synthetic_partners(db, rows - demo_rows, seed)
    cur = database.cursor(db)
    cur.execute("CHECKPOINT")
    return cur.execute("SELECT count(*) FROM observations").fetchone()[0]


def check_store(path: str) -> dict[str, tuple[int, float]]:
    """Count the rows of the main views (row count, seconds each) and fail if any observation key repeats."""
    cur = database.cursor(path)
    repeated = cur.execute(
        """SELECT count(*) FROM (
               SELECT 1 FROM observations
               GROUP BY partner_code, metric_code, period_label, geography, dimension, group_value
               HAVING count(*) > 1)"""
    ).fetchone()[0]
    if repeated:
        raise AssertionError(f"{repeated} observation keys occur more than once")
    timings = {}
    for view in ("current_observations", "community_outcomes", "outcome_trends"):
        start = time.perf_counter()
        count = cur.execute(f"SELECT count(*) FROM {view}").fetchone()[0]  # view names come from the tuple above
        timings[view] = (count, time.perf_counter() - start)
    return timings


def main(argv: list[str] | None = None) -> int:
    """Command line: build the store, print its size and timings, then check the views answer on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the DuckDB file to create")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="observations in the finished store (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--no-check", action="store_true", help="skip counting the views")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        total = build_big_store(args.out, args.rows, seed=args.seed, overwrite=args.overwrite)
    except FileExistsError as exc:
        parser.error(str(exc))
    elapsed = time.perf_counter() - start
    cur = database.cursor(args.out)
    synthetic, partners, suppressed = cur.execute(
        """SELECT count(*), count(DISTINCT o.partner_code), count(*) FILTER (WHERE o.suppressed)
           FROM observations AS o JOIN uploads AS u USING (upload_id) WHERE u.uploaded_by = ?""",
        [UPLOADED_BY],
    ).fetchone()
    print(f"{args.out}: {total:,} observations ({synthetic:,} synthetic from {partners} partners, "
          f"{suppressed:,} of them suppressed) in {elapsed:.1f} s")  # fmt: skip
    if not args.no_check:
        for view, (count, seconds) in check_store(args.out).items():
            print(f"  SELECT count(*) FROM {view}: {count:,} rows in {seconds:.2f} s")
    database.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
