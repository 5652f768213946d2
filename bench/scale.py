"""A network's worth of data: a load, its undo, the first views after it and the medians, on the demo, a 1,000,000- and
(with --big) a 10,000,000-observation store, side by side in one run; and page reruns on a lake beside a file.

    python -m bench.scale [--rows 1000000] [--big 10000000] [--runs 5] [--no-lake] [--dir /tmp/backbone-bench]

Each store (bench/big_store.py builds the large ones once and keeps them in --dir) is copied, then:
- a partner's 659-row workbook (the demo's City Public Schools, every value moved a little: a correction of each of
  its values) is loaded with `python -m backbone ingest` as a whole process: wall time and peak memory;
- every page's first script run after that load (AppTest; the load changed the data version, so nothing is cached),
  then the median of --runs reruns (bench/pages.py measures them the same way);
- the directors' unsuppressed reads, `SELECT count(*)` of community_outcomes and of outcome_trends;
- the load is undone with `python -m backbone undo`, as a whole process.
Last, every page's median rerun on the demo in a file and in a lake, in turn three times (the median of the three).
Targets (issue 19): a load <= 1 s and <= 500 MB at 10M, flat from 1M to 10M; a first view <= 1 s and medians
<= 250 ms at 10M; page reruns on a lake at most 1.5x a file's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench.common import PAGES, ROOT, big_store, demo_store, whole_process
from bench.pages import measure

LOAD_FILE = ROOT / "data" / "demo" / "city_schools.xlsx"
LOAD_PARTNER = "CITY_SCHOOLS"
LOAD_TARGET_S, LOAD_TARGET_MB, FIRST_TARGET_MS, MEDIAN_TARGET_MS, LAKE_TARGET = 1.0, 500, 1000, 250, 1.5


def corrected_workbook(folder: Path) -> Path:
    """The demo's 659-row City Public Schools workbook with every value moved by 0.05 (staying within 0-100)."""
    from openpyxl import load_workbook

    path = folder / "city_schools_corrected.xlsx"
    if not path.exists():
        book = load_workbook(LOAD_FILE)
        for row in book["Data"].iter_rows(min_row=2):
            if isinstance(row[5].value, int | float):
                row[5].value = round(row[5].value - 0.05 if row[5].value >= 1 else row[5].value + 0.05, 2)
        book.save(path)
    return path


def run_cli(db: str, *args: str, uploads: Path) -> tuple[float, float, str]:
    """`python -m backbone --db DB ARGS` as a whole process: seconds, peak memory (MB) and what it printed."""
    return whole_process([sys.executable, "-m", "backbone", "--db", db, *args],
                         {"BACKBONE_DB": db, "BACKBONE_UPLOADS": str(uploads), "BACKBONE_DEMO": "0"})


def measure_store(name: str, source: str, work: Path, runs: int) -> dict:
    """Every figure of one store, on a copy of it."""
    from backbone.store import database

    database.close_all()
    copy = work / f"scale-{name}.duckdb"
    for old in work.glob(f"{copy.name}*"):
        old.unlink()
    shutil.copyfile(source, copy)
    uploads = work / f"scale-{name}-uploads"
    shutil.rmtree(uploads, ignore_errors=True)
    figures: dict = {}
    os.environ["BACKBONE_UPLOADS"] = str(uploads)
    cur = database.cursor(str(copy))  # opened once here, so the schema is current before the timed load
    figures["observations"] = cur.execute("SELECT count(*) FROM observations").fetchone()[0]
    figures["partners"] = cur.execute("SELECT count(*) FROM partners").fetchone()[0]
    database.close_all()

    seconds, peak, out = run_cli(str(copy), "ingest", str(corrected_workbook(work)), "--partner", LOAD_PARTNER, "--json",
                                 uploads=uploads)
    loaded = json.loads(out)
    assert loaded["status"] == "loaded", loaded["errors"][:3]
    figures["load"] = (seconds, peak)
    os.environ["BACKBONE_DEMO"] = "0"
    for page in PAGES:
        first, median, _ = measure(str(copy), page, runs)
        figures[page] = (first, median)
    cur = database.cursor(str(copy))
    for view in ("community_outcomes", "outcome_trends"):
        started = time.perf_counter()
        cur.execute(f"SELECT count(*) FROM {view}").fetchall()  # the names come from the tuple above
        figures[view] = time.perf_counter() - started
    database.close_all()
    figures["undo"] = run_cli(str(copy), "undo", loaded["upload_id"], uploads=uploads)[:2]
    for old in work.glob(f"{copy.name}*"):
        old.unlink()
    shutil.rmtree(uploads, ignore_errors=True)
    return figures


def lake_beside_file(demo: str, work: Path, runs: int) -> list[tuple[str, float, float]]:
    """Each page's median rerun on the demo in a DuckDB file and in a DuckLake (a throwaway PostgreSQL catalog)."""
    from backbone.store import database
    from backbone.store.export import copy_store
    from tests.postgres import TemporaryPostgres

    postgres = TemporaryPostgres().start()
    try:
        target = postgres.new_lake_target()
        os.environ["BACKBONE_DATA_PATH"] = str(work / "scale-lake")
        shutil.rmtree(work / "scale-lake", ignore_errors=True)
        database.close_all()
        copy_store(demo, target)
        database.close_all()
        found = []
        for page in PAGES:
            # File and lake in turn, three times, each the median of the three: on a shared machine a burst of other
            # work then slows both alike rather than one of them.
            medians = [(measure(demo, page, runs)[1], measure(target, page, runs)[1]) for _ in range(3)]
            found.append((page, statistics.median(f for f, _ in medians), statistics.median(lake for _, lake in medians)))
        database.close_all()
        return found
    finally:
        database.close_all()
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="the large store's observations")
    parser.add_argument("--big", type=int, default=0, help="also a store of this many observations (e.g. 10000000)")
    parser.add_argument("--runs", type=int, default=5, help="reruns of each page after its first run")
    parser.add_argument("--no-lake", action="store_true", help="skip the lake beside the file")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ["BACKBONE_DEMO"] = "0"
    stores = [("demo", demo_store(args.dir))]
    for rows in [args.rows, args.big]:
        if rows:
            stores.append((f"{rows / 1e6:g}M", big_store(args.dir, rows)))
    figures = {name: measure_store(name, path, args.dir, args.runs) for name, path in stores}

    names = [name for name, _ in stores]
    width = 20
    print(f"\n{'what':<58}" + "".join(f"{name:>{width}}" for name in names))
    print(f"{'observations (partners)':<58}" + "".join(
        f"{figures[n]['observations']:>{width - 6},} ({figures[n]['partners']:>3})" for n in names))
    for label, key in (("ingest of a 659-row workbook, whole process", "load"), ("undo of that load, whole process", "undo")):
        print(f"{label:<58}" + "".join(f"{figures[n][key][0]:>{width - 11}.2f} s {figures[n][key][1]:>5.0f} MB"
                                       for n in names))
    for page in PAGES:
        print(f"{'first run after the load / median: ' + page:<58}" + "".join(
            f"{figures[n][page][0]:>{width - 12}.0f} / {figures[n][page][1]:>4.0f} ms" for n in names))
    for view in ("community_outcomes", "outcome_trends"):
        print(f"{'directors read ' + view + ' (count)':<58}" + "".join(f"{figures[n][view]:>{width - 2}.2f} s"
                                                                       for n in names))
    largest = names[-1]
    load_s, load_mb = figures[largest]["load"]
    firsts = [figures[largest][page][0] for page in PAGES]
    medians = [figures[largest][page][1] for page in PAGES]
    print(f"\nTargets at {largest}: load {load_s:.2f} s (<= {LOAD_TARGET_S} s: {_met(load_s <= LOAD_TARGET_S)}), "
          f"{load_mb:.0f} MB (<= {LOAD_TARGET_MB}: {_met(load_mb <= LOAD_TARGET_MB)}); slowest first view "
          f"{max(firsts):.0f} ms (<= {FIRST_TARGET_MS}: {_met(max(firsts) <= FIRST_TARGET_MS)}); slowest median "
          f"{max(medians):.0f} ms (<= {MEDIAN_TARGET_MS}: {_met(max(medians) <= MEDIAN_TARGET_MS)})")

    if not args.no_lake:
        print(f"\nPage reruns on the demo, a DuckLake beside a DuckDB file (median of {args.runs}; file and lake in turn "
              "three times, the median of the three)")
        ratios = []
        for page, file_ms, lake_ms in lake_beside_file(stores[0][1], args.dir, args.runs):
            ratios.append(lake_ms / file_ms)
            print(f"  {page:<40} file {file_ms:6.0f} ms   lake {lake_ms:6.0f} ms   {lake_ms / file_ms:5.2f}x")
        print(f"Slowest lake/file ratio {max(ratios):.2f}x (<= {LAKE_TARGET}x: {_met(max(ratios) <= LAKE_TARGET)})")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
