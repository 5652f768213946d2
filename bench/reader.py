"""Read + validate + load of a 200,000-row template workbook, beside what most scripts do.

    python -m bench.reader [--rows 200000] [--runs 5] [--dir /tmp/backbone-bench]

Backbone: `ingest_file` end to end (sandboxed child reading with fastexcel, header finding, column-wise validation
in DuckDB, the all-or-nothing load into a fresh store), with the reader child started beforehand as the upload page
starts it while the partner picks a file. Baseline: `pandas.read_excel(engine="openpyxl")` followed by
inserting the DataFrame into DuckDB, with no checks at all. Target (issue: the messy-workbook reader): at least 10x.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook

from backbone.intake import ingest as ingest_module
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.intake.reader import sandbox
from backbone.store import database
from bench.common import whole_process

TARGET_RATIO = 10
HEADER = ["metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note"]
GROUPS = [("Race/ethnicity", g) for g in ("Black", "White", "Hispanic", "Asian", "Two or more")] + [(None, None)]


def template_workbook(path: Path, rows: int) -> Path:
    """A template-shaped workbook of `rows` distinct observations (written once, then reused)."""
    if path.exists():
        return path
    random.seed(1)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(HEADER)
    places = rows // (len(GROUPS) * 25) + 1
    written = 0
    for year in range(2000, 2025):
        for place in range(places):
            for dimension, group in GROUPS:
                if written == rows:
                    break
                denominator = random.randint(20, 500)
                numerator = random.randint(0, denominator)
                sheet.append(["Kindergarten readiness", year, f"Place {place}", dimension, group,
                              round(numerator / denominator * 100, 1), numerator, denominator, None])
                written += 1
    book.save(path)
    return path


def catalog_workbook(path: Path) -> Path:
    book = Workbook()
    metrics = book.active
    metrics.title = "Metrics"
    metrics.append(["code", "name", "unit", "direction", "level"])
    metrics.append(["kindergarten_readiness", "Kindergarten readiness", "percent", "higher is better", "community outcome"])
    partners = book.create_sheet("Partners")
    partners.append(["code", "name", "sector", "contact"])
    partners.append(["SCHOOLS", "City Schools", "education", "data@example.org"])
    book.save(path)
    return path


PHASES = {"read_untrusted": "read (sandboxed child)", "find_tables": "find tables", "check_blocks": "validate"}
spent: dict[str, float] = {}


def _timed(name: str, function):
    """Wrap an ingest step so its time adds to `spent` (measurement only)."""
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return wrapper


for _name in PHASES:
    if hasattr(ingest_module, _name):
        setattr(ingest_module, _name, _timed(_name, getattr(ingest_module, _name)))


def backbone_run(book: Path, directory: Path, run: int) -> tuple[float, int]:
    """Seconds for one ingest into a fresh store (the catalog loaded beforehand, not timed), and rows loaded."""
    db = directory / f"reader-{run}.duckdb"
    for old in directory.glob(f"reader-{run}.duckdb*"):
        old.unlink()
    os.environ["BACKBONE_UPLOADS"] = str(directory / f"uploads-{run}")
    assert load_catalog_workbook(catalog_workbook(directory / "catalog.xlsx"), db=str(db)).errors == []
    sandbox.prepare(wait=True)  # as in the app: the upload page starts the reader while the partner picks a file
    started = time.perf_counter()
    result = ingest_file(book, "SCHOOLS", db=str(db))
    elapsed = time.perf_counter() - started
    assert result.status == "loaded", result.errors[:3]
    database.close_all()
    return elapsed, result.rows_loaded


def baseline_run(book: Path, directory: Path) -> tuple[float, int]:
    """Seconds for pandas.read_excel(engine='openpyxl') + a DataFrame insert into DuckDB."""
    db = directory / "baseline.duckdb"
    for old in directory.glob("baseline.duckdb*"):
        old.unlink()
    started = time.perf_counter()
    frame = pd.read_excel(book, engine="openpyxl")
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE observations AS SELECT * FROM frame")
    con.close()
    return time.perf_counter() - started, len(frame)


# What most scripts do, as a whole process of its own (imports included).
BASELINE_SCRIPT = """
import sys, duckdb, pandas as pd
frame = pd.read_excel(sys.argv[1], engine="openpyxl")
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE observations AS SELECT * FROM frame")
con.close()
"""


def process_runs(book: Path, directory: Path) -> tuple[float, float]:
    """Whole processes, imports and all: `python -m backbone ingest` of the workbook into a fresh store (its catalog
    loaded beforehand, not timed), and the baseline script; seconds each."""
    db = directory / "reader-process.duckdb"
    for old in directory.glob("reader-process.duckdb*"):
        old.unlink()
    assert load_catalog_workbook(catalog_workbook(directory / "catalog.xlsx"), db=str(db)).errors == []
    database.close_all()
    ours = whole_process([sys.executable, "-m", "backbone", "--db", str(db), "ingest", str(book), "--partner", "SCHOOLS"],
                         {"BACKBONE_UPLOADS": str(directory / "uploads-process")})[0]
    baseline_db = directory / "baseline-process.duckdb"
    for old in directory.glob("baseline-process.duckdb*"):
        old.unlink()
    theirs = whole_process([sys.executable, "-c", BASELINE_SCRIPT, str(book), str(baseline_db)])[0]
    return ours, theirs


def main() -> None:
    """Build the workbook once, time both paths, print them side by side with the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5, help="Backbone runs; the baseline runs half as often (at least 2)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    book = template_workbook(args.dir / f"template-{args.rows}.xlsx", args.rows)
    print(f"workbook: {book} ({book.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows)", flush=True)
    # Interleaved, so a machine that slows down for a while slows both paths alike.
    ours, theirs = [], []
    for run in range(args.runs):
        ours.append(backbone_run(book, args.dir, run))
        if run % 2 == 0 and len(theirs) < max(2, args.runs // 2):
            theirs.append(baseline_run(book, args.dir))
    assert ours[0][1] == theirs[0][1] == args.rows
    ours_s = statistics.median(s for s, _ in ours)
    theirs_s = statistics.median(s for s, _ in theirs)
    print(f"{'path':<58} {'median s':>9} {'rows/s':>10}  runs")
    print(f"{'Backbone ingest_file (read + validate + load, sandboxed)':<58} {ours_s:>9.2f} {args.rows / ours_s:>10,.0f}  "
          + ", ".join(f"{s:.2f}" for s, _ in ours))
    print(f"{'pandas.read_excel(openpyxl) + DuckDB insert, no checks':<58} {theirs_s:>9.2f} {args.rows / theirs_s:>10,.0f}  "
          + ", ".join(f"{s:.2f}" for s, _ in theirs))
    for name, label in PHASES.items():
        if name in spent:
            print(f"  of which {label:<44} {spent[name] / len(ours):>9.2f}  (mean)")
    print(f"  of which {'the load (counts, inserts, public rows, commit)':<44} "
          f"{(sum(s for s, _ in ours) - sum(spent.values())) / len(ours):>9.2f}  (mean)")
    ratio = theirs_s / ours_s
    print(f"ratio: {ratio:.1f}x faster (target >= {TARGET_RATIO}x): {'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    processes = [process_runs(book, args.dir) for _ in range(max(1, args.runs // 2))]
    ours_p, theirs_p = statistics.median(p[0] for p in processes), statistics.median(p[1] for p in processes)
    print(f"As whole processes, imports included (median of {len(processes)}): python -m backbone ingest {ours_p:.2f} s, "
          f"the pandas script {theirs_p:.2f} s; ratio {theirs_p / ours_p:.1f}x "
          f"(target >= {TARGET_RATIO}x: {'met' if theirs_p / ours_p >= TARGET_RATIO else 'NOT met'})")


if __name__ == "__main__":
    main()
