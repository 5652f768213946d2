"""Small numbers under attack: thousands of random tables through the real load path, then every published version
checked the way an attacker would (tests/disclosure_check.py: dense linear algebra over every sum that holds, written
apart from the suppression), as the public and as each partner.

    python -m bench.suppression [--tables 2000] [--seed 7] [--dir /tmp/backbone-bench]

Each run loads one partner's workbook, then a second partner's (some cells shared), then a correction of the first
partner's (a tenth of its values changed), then undoes the correction: four published versions of every table.
Printed: how many hidden cells anyone can work out exactly (target 0 on first publication, and 0 across versions: a
version that would give one away beside figures already published is held back), how many tables were held back,
beside the baseline of hiding only the small cells themselves (no complementary cells); how much is hidden; and the
protection interval of every hidden small count of the last version (its lowest and highest value consistent with the
published figures and the sums, counts never negative: scipy's linprog), with the narrowest and how many are narrower
than the threshold.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import database
from bench.common import ROOT  # noqa: F401  (puts the project on sys.path)
from tests.disclosure_check import CELL, PROTECTING_ONLY, RATIO_UNITS, _sums, as_published, unavoidable, worked_out
from tests.unit.test_small_numbers import UNITS, random_tables
from tests.workbooks import data_workbook, small_catalog

THRESHOLD = 11


class _Unprotectable(logging.Handler):
    """Adds up the cells the suppression reports it could not protect (store/privacy.py logs them)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += int(record.args[0]) if record.args else 0


def published(db: str, previous: tuple[pd.DataFrame, pd.DataFrame] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(public rows, the true values behind them): a held-back table's are its last published version's."""
    return as_published(database.query("SELECT * FROM public_outcomes", path=db),
                        database.query("SELECT * FROM community_outcomes", path=db),
                        database.query("SELECT * FROM held_back", path=db), previous)


def corrected(rows: list[list], rng: np.random.Generator) -> list[list]:
    """The same rows with a tenth of the values moved a little (a partner's correction)."""
    out = []
    for row in rows:
        row = list(row)
        if rng.random() < 0.1:
            column = 6 if row[6:7] and row[6] is not None else 5
            if row[column] is not None:
                row[column] = max(0, int(row[column]) + int(rng.integers(-3, 4)))
                if column == 6 and row[7] is not None:
                    row[6] = min(row[6], row[7])
        out.append(row)
    return out


def intervals(public: pd.DataFrame, truth: pd.DataFrame) -> list[float]:
    """Width of the protection interval of every hidden small count (or numerator / denominator) of one version."""
    widths = []
    for (metric, period), shown in public.groupby(["metric_code", "period_label"]):
        cells = truth[(truth.metric_code == metric) & (truth.period_label == period)].reset_index(drop=True)
        here = shown.set_index(CELL).loc[[tuple(k) for k in cells[CELL].values]]
        hidden = here.suppressed.to_numpy(bool)
        sensitive = hidden & ~here.suppression_reason.isin(PROTECTING_ONLY).to_numpy()
        for quantity in (["numerator", "denominator"] if UNITS[metric] in RATIO_UNITS else ["value"]):
            values = cells[quantity].astype(float).to_numpy()
            unknown = np.flatnonzero(hidden & ~np.isnan(values))
            targets = [j for j in unknown if sensitive[j] and 1 <= values[j] < THRESHOLD]
            if not targets:
                continue
            index = {j: i for i, j in enumerate(unknown)}
            rows, rhs = [], []
            for sum_ in _sums(cells, quantity):
                row = np.zeros(len(unknown))
                constant = 0.0
                for j, c in sum_.items():
                    if j in index:
                        row[index[j]] += c
                    else:
                        constant -= c * (0.0 if np.isnan(values[j]) else values[j])
                if row.any():
                    rows.append(row)
                    rhs.append(constant)
            a_eq = np.array(rows) if rows else None
            b_eq = np.array(rhs) if rows else None
            for j in targets:
                c = np.zeros(len(unknown))
                c[index[j]] = 1.0
                low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                top = np.inf if high.status == 3 else -high.fun
                widths.append(top - low.fun)
    return widths


def primaries_only(public: pd.DataFrame) -> pd.DataFrame:
    """The baseline: the same figures with only the cells hidden for their own sake hidden."""
    own = public.suppressed & ~public.suppression_reason.isin(PROTECTING_ONLY)
    return public.assign(suppressed=own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db = str(args.dir / "suppression.duckdb")
    for old in args.dir.glob("suppression.duckdb*"):
        old.unlink()
    os.environ["BACKBONE_UPLOADS"] = str(args.dir / "suppression-uploads")
    assert load_catalog_workbook(small_catalog(args.dir / "suppression-catalog.xlsx"), db=db).errors == []
    rng = np.random.default_rng(args.seed)
    # Periods are years: at most 100 tables per metric and run, so larger runs load several stores' worth in turn.
    runs = [min(200, args.tables - start) for start in range(0, args.tables, 200)]
    versions_by_run, load_seconds, held = [], [], []
    unprotectable = _Unprotectable()
    logging.getLogger("backbone.store.privacy").addHandler(unprotectable)
    for run, tables in enumerate(runs):
        if run:
            database.close_all()
            db = str(args.dir / f"suppression-{run}.duckdb")
            for old in args.dir.glob(f"suppression-{run}.duckdb*"):
                old.unlink()
            assert load_catalog_workbook(small_catalog(args.dir / "suppression-catalog.xlsx"), db=db).errors == []
        rows = random_tables(rng, tables)
        versions = []
        for step, (partner, data) in enumerate([("SCHOOLS", rows["SCHOOLS"]), ("CLINIC", rows["CLINIC"]),
                                                ("SCHOOLS", corrected(rows["SCHOOLS"], rng))]):
            started = time.perf_counter()
            result = ingest_file(data_workbook(args.dir / f"suppression-{run}-{step}.xlsx", data), partner, db=db)
            load_seconds.append(time.perf_counter() - started)
            assert result.status == "loaded", result.errors[:3]
            held.append(len(result.impact["held_back"]))
            versions.append(published(db, versions[-1] if versions else None))
        held.append(len(undo_upload(result.upload_id, db=db)["held_back"]))
        versions.append(published(db, versions[-1]))
        versions_by_run.append(versions)
    database.close_all()

    started = time.perf_counter()
    found = [worked_out(versions, UNITS) for versions in versions_by_run]
    determined = sum(len(f) for f in found)
    given = sum(len(unavoidable(versions, UNITS, f)) for versions, f in zip(versions_by_run, found, strict=True))
    first = sum(len(worked_out(versions[:1], UNITS)) for versions in versions_by_run)
    single = sum(len(worked_out([v], UNITS)) for versions in versions_by_run for v in versions)
    baseline = sum(len(worked_out([(primaries_only(p), t)], UNITS)) for versions in versions_by_run for p, t in versions)
    check_seconds = time.perf_counter() - started
    step_held = [sum(held[i::4]) for i in range(4)]
    last = [versions[-1] for versions in versions_by_run]
    hidden = sum(int(p.suppressed.sum()) for p, _ in last)
    cells = sum(len(p) for p, _ in last)
    own = sum(int((p.suppressed & ~p.suppression_reason.isin(PROTECTING_ONLY)).sum()) for p, _ in last)
    widths = [w for p, t in last for w in intervals(p, t)]

    print(f"tables: {args.tables:,} (4 published versions each: two partners, a correction, its undo); "
          f"cells in the last version: {cells:,}")
    print(f"{'hidden cells anyone can work out exactly':<62} {'count':>8}")
    print(f"{'  Backbone, first publication':<62} {first:>8}   (target 0)")
    print(f"{'  Backbone, all four versions together':<62} {determined:>8}")
    print(f"{'    that hiding could have kept':<62} {determined - given:>8}   (target 0)")
    print(f"{'    given away by the later data itself beside earlier figures':<62} {given:>8}   (target 0: held back)")
    print(f"{'  tables held back (public kept the version before), per step':<62} {', '.join(map(str, step_held)):>8}")
    print(f"{'    of tables x changes (loads after the first, and the undo)':<62} {sum(step_held):>8} of {3 * args.tables:,}")
    print(f"{'  Backbone, each version alone':<62} {single:>8}")
    print(f"{'  baseline: only the small cells hidden, each version alone':<62} {baseline:>8}")
    print(f"{'  Backbone, its own count of cells it could not protect':<62} {unprotectable.count:>8}")
    print("    (each once, in the versions it published: no other cell could be hidden for them, under its own")
    print("    stricter model, every unlisted remainder known; a held-back version's are in the hold-back record)")
    print(f"hidden: {hidden:,} of {cells:,} cells ({hidden / cells:.0%}); for their own sake {own:,}, "
          f"to protect them {hidden - own:,}")
    if widths:
        finite = [w for w in widths if np.isfinite(w)]
        print(f"protection intervals of {len(widths):,} hidden small numbers (last version): narrowest {min(widths):.1f}, "
              f"median {statistics.median(finite) if finite else float('inf'):.1f}; narrower than k={THRESHOLD}: "
              f"{sum(w < THRESHOLD for w in widths):,} ({sum(w < THRESHOLD for w in widths) / len(widths):.0%})")
    print(f"load (ingest_file, median of {len(load_seconds)}): {statistics.median(load_seconds):.2f} s; "
          f"attacker's check: {check_seconds:.0f} s")


if __name__ == "__main__":
    main()
