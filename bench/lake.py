"""Ingest throughput with 1, 2 and 4 writer processes on one DuckLake, beside one process on a DuckDB file.

    python -m bench.lake [--files 16] [--rows 500] [--partners 8] [--writers 1,2,4] [--runs 2]
                      [--dir /tmp/backbone-bench]

Every configuration loads the same `--files` template-shaped partner workbooks (each distinct, `--rows` rows,
spread over `--partners` partners) into a fresh store holding only a small catalog. Lake: a throwaway PostgreSQL
catalog (tests/postgres.py) and a shared data path; N processes (spawned, so nothing is shared but the lake) each
open the lake, wait at a common start line, then call `backbone.intake.ingest.ingest_file` on their share of the files.
Wall time runs from the start line to the last writer's end, so opening the lake is not counted. Baseline: one
process loading all the files into a fresh DuckDB file, the app's default store.

Configurations take turns for `--runs` rounds; the median wall time is shown. After every run the store is checked:
each upload is there exactly once, with its own load number, and every row of every file is in `observations`. A
writer whose upload lost to another's commit runs it again (`database.write`); those retries are counted, since they
are where the concurrent writers' time goes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import database, lake
from bench.common import ROOT  # noqa: F401  (puts the project on sys.path)
from tests.postgres import TemporaryPostgres
from tests.workbooks import METRICS_HEADER, data_workbook, metric_row, write_workbook

# Rows of one workbook: a place's value for one year, everyone and by race/ethnicity.
GROUPS = [(None, None)] + [("Race/ethnicity", g) for g in ("Black", "White", "Hispanic", "Asian")]
YEARS = range(2015, 2025)
WRITER_START_TIMEOUT_S = 120


def partner_codes(partners: int) -> list[str]:
    """The partners the files are spread over: P01, P02, ..."""
    return [f"P{number:02d}" for number in range(1, partners + 1)]


def catalog_workbook(path: Path, partners: int) -> Path:
    """One percent metric and `partners` partners: all a partner workbook needs to load."""
    return write_workbook(path, {
        "Metrics": [METRICS_HEADER, metric_row("kindergarten_readiness", "Kindergarten readiness", "percent")],
        "Partners": [["code", "name", "sector", "contact"],
                     *([code, f"Partner {code}", "education", None] for code in partner_codes(partners))],
    })


def partner_workbook(path: Path, file_number: int, rows: int) -> Path:
    """A template-shaped workbook of `rows` observations; its places are its own, so no two files share a row."""
    body = []
    place = 0
    while len(body) < rows:
        for year in YEARS:
            for dimension, group in GROUPS:
                if len(body) == rows:
                    break
                # Deterministic counts that differ from file to file and row to row.
                denominator = 40 + (file_number * 37 + len(body) * 11) % 400
                numerator = (file_number * 13 + len(body) * 7) % (denominator + 1)
                body.append(["Kindergarten readiness", year, f"File {file_number} place {place}", dimension, group,
                             round(numerator / denominator * 100, 1), numerator, denominator, None])
        place += 1
    return data_workbook(path, body)


def make_files(directory: Path, files: int, rows: int, partners: int) -> list[tuple[str, Path]]:
    """(partner code, workbook) for every file, partners taken in turn; written once and reused between runs."""
    codes = partner_codes(partners)
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for number in range(files):
        path = directory / f"partner-{number:03d}.xlsx"
        if not path.exists():
            partner_workbook(path, number, rows)
        made.append((codes[number % partners], path))
    return made


def use_store(target: str, data_path: Path) -> None:
    """Point this process's settings at a store: a lake keeps its uploads in the data path, a file beside itself."""
    os.environ["BACKBONE_DB"] = target
    os.environ["BACKBONE_DATA_PATH"] = str(data_path)
    os.environ["BACKBONE_DEMO"] = "0"
    os.environ.pop("BACKBONE_UPLOADS", None)


def count_retries() -> list[int]:
    """Count the writes that lost a commit conflict and were run again: the returned one-item list goes up by one."""
    retries = [0]
    is_conflict = lake.is_conflict

    def counting(exc: BaseException) -> bool:
        # database.write asks lake.is_conflict about every failed attempt; True means it runs the transaction again.
        conflict = is_conflict(exc)
        retries[0] += conflict
        return conflict

    lake.is_conflict = counting
    return retries


def writer(target: str, data_path: str, files: list[tuple[str, str]], start_line, results) -> None:
    """One writer process: open the store, wait for the others, ingest its files, report what it loaded.

    Reports (uploads, rows, retries, most retries of one upload), or the error text if a load failed, so the parent
    never waits for a writer that died.
    """
    try:
        use_store(target, Path(data_path))
        retries = count_retries()
        database.connect(target)
        start_line.wait(timeout=WRITER_START_TIMEOUT_S)
        loaded = rows = most = 0
        for partner, path in files:
            before = retries[0]
            result = ingest_file(Path(path), partner, uploaded_by="bench", db=target)
            if result.status != "loaded":
                raise RuntimeError(f"{path} for {partner}: {result.status} {[str(e) for e in result.errors[:3]]}")
            loaded, rows, most = loaded + 1, rows + result.rows_loaded, max(most, retries[0] - before)
        results.put((loaded, rows, retries[0], most))
    except Exception as exc:  # handed to the parent, which stops the run with it
        start_line.abort()
        results.put(f"{type(exc).__name__}: {exc}")


@dataclass
class Run:
    """One configuration's figures and the check of what it left in the store."""

    label: str
    seconds: float
    uploads: int
    rows: int
    retries: int
    most_retries: int
    check: str


def check_store(target: str, files: int, rows: int) -> str:
    """Every upload exactly once with its own load number, every row loaded: 'ok: ...' or 'FAILED: ...'."""
    loaded, upload_ids, load_numbers, observations = database.query(
        """SELECT (SELECT count(*) FROM uploads WHERE kind = 'partner' AND status = 'loaded'),
                  (SELECT count(DISTINCT upload_id) FROM uploads WHERE kind = 'partner'),
                  (SELECT count(DISTINCT load_seq) FROM uploads WHERE kind = 'partner'),
                  (SELECT count(*) FROM observations)""", path=target).iloc[0]
    database.close_all()
    figures = (f"{loaded} uploads loaded, {upload_ids} distinct ids, {load_numbers} distinct load numbers, "
               f"{observations:,} observations")
    expected = loaded == upload_ids == load_numbers == files and observations == files * rows
    return ("ok: " if expected else f"FAILED (expected {files} uploads, {files * rows:,} observations): ") + figures


def load_catalog(target: str, directory: Path, partners: int) -> None:
    """The catalog, loaded before the clock starts."""
    loaded = load_catalog_workbook(catalog_workbook(directory / f"catalog-{partners}.xlsx", partners), db=target)
    assert loaded.errors == [], loaded.errors[:3]
    database.close_all()


def lake_run(postgres: TemporaryPostgres, directory: Path, books: list[tuple[str, Path]], writers: int,
             rows: int, partners: int) -> Run:
    """`writers` spawned processes ingesting their share of `books` into one fresh lake at the same time."""
    target = postgres.new_lake_target()
    data_path = directory / f"lake-{writers}"
    shutil.rmtree(data_path, ignore_errors=True)
    use_store(target, data_path)
    load_catalog(target, directory, partners)
    spawn = multiprocessing.get_context("spawn")
    start_line, results = spawn.Barrier(writers + 1), spawn.Queue()
    shares = [[(partner, str(path)) for partner, path in books[w::writers]] for w in range(writers)]
    processes = [spawn.Process(target=writer, args=(target, str(data_path), share, start_line, results))
                 for share in shares]
    for process in processes:
        process.start()
    try:
        start_line.wait(timeout=WRITER_START_TIMEOUT_S)
    except threading.BrokenBarrierError:
        pass  # a writer failed before the start: its report below says why
    started = time.perf_counter()
    reports = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    failed = [report for report in reports if isinstance(report, str)]
    if failed:
        raise RuntimeError("writers failed: " + "; ".join(sorted(set(failed))))
    return Run(f"DuckLake, {writers} writer process{'es' if writers > 1 else ''}", elapsed,
               sum(r[0] for r in reports), sum(r[1] for r in reports), sum(r[2] for r in reports),
               max(r[3] for r in reports), check_store(target, len(books), rows))


def file_run(directory: Path, books: list[tuple[str, Path]], rows: int, partners: int) -> Run:
    """One process ingesting every book into a fresh DuckDB file (the app's default store)."""
    target = str(directory / "lake-baseline.duckdb")
    for old in directory.glob("lake-baseline.duckdb*"):
        old.unlink()
    shutil.rmtree(directory / "uploads", ignore_errors=True)
    use_store(target, directory)
    load_catalog(target, directory, partners)
    started = time.perf_counter()
    loaded = [ingest_file(path, partner, uploaded_by="bench", db=target) for partner, path in books]
    elapsed = time.perf_counter() - started
    assert all(result.status == "loaded" for result in loaded), [r.errors[:3] for r in loaded if r.status != "loaded"]
    return Run("DuckDB file, 1 process (baseline)", elapsed, len(loaded), sum(r.rows_loaded for r in loaded), 0, 0,
               check_store(target, len(books), rows))


def main() -> None:
    """Make the files once, run the baseline and every lake configuration, print them side by side with checks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=16, help="workbooks loaded in each configuration")
    parser.add_argument("--rows", type=int, default=500, help="rows in each workbook")
    parser.add_argument("--partners", type=int, default=8, help="partners the workbooks are spread over")
    parser.add_argument("--writers", default="1,2,4", help="writer processes on the lake, comma-separated")
    parser.add_argument("--runs", type=int, default=2, help="runs of each configuration (the median is shown)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    args = parser.parse_args()
    directory = args.dir / "lake"
    books = make_files(directory / f"books-{args.rows}", args.files, args.rows, args.partners)
    print(f"{args.files} workbooks of {args.rows:,} rows over {args.partners} partners; {os.cpu_count()} CPUs",
          flush=True)

    configurations = [("file", 1), *(("lake", int(n)) for n in args.writers.split(","))]
    runs: dict[tuple[str, int], list[Run]] = {configuration: [] for configuration in configurations}
    postgres = TemporaryPostgres().start()
    try:
        # Round after round rather than one configuration's runs together, so a slow spell on the machine is shared.
        for _ in range(args.runs):
            for kind, writers in configurations:
                run = (file_run(directory, books, args.rows, args.partners) if kind == "file"
                       else lake_run(postgres, directory, books, writers, args.rows, args.partners))
                runs[kind, writers].append(run)
                print(f"  {run.label}: {run.seconds:.1f} s", flush=True)
    finally:
        postgres.stop()

    baseline_s = statistics.median(run.seconds for run in runs[configurations[0]])
    print(f"{'store and writers':<36} {'median s':>8} {'uploads/s':>10} {'rows/s':>9} {'vs file':>8} "
          f"{'retries':>9} {'most for 1 upload':>17}  runs (s)")
    for done in runs.values():
        seconds, first = statistics.median(run.seconds for run in done), done[0]
        print(f"{first.label:<36} {seconds:>8.2f} {first.uploads / seconds:>10.2f} {first.rows / seconds:>9,.0f} "
              f"{baseline_s / seconds:>7.2f}x {', '.join(str(run.retries) for run in done):>9} "
              f"{max(run.most_retries for run in done):>17}  {', '.join(f'{run.seconds:.1f}' for run in done)}")
    print(f"(retries: writes run again after losing a commit conflict, per run; a write is given up after "
          f"{database.WRITE_ATTEMPTS} attempts. vs file: throughput over the baseline's)")
    for done in runs.values():
        failed = [run.check for run in done if not run.check.startswith("ok")]
        print(f"check, {done[0].label}: " + ("; ".join(failed) if failed else f"{done[-1].check} (every run)"))


if __name__ == "__main__":
    main()
