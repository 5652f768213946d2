"""Which cells the suppression hides, recorded once and checked after every change to how it chooses them.

    python -m bench.suppression_choices record [--tables 2000] [--rows 200000] [--file /tmp/backbone-bench/choices.pkl]
    python -m bench.suppression_choices check [--file ...]
    python -m bench.suppression_choices fixture [--file ...]   (writes tests/fixtures/suppression_choices.npz)

`record` runs `python -m bench.suppression`'s loads (random tables: two partners, a correction, its undo) and the
200,000-row workbook of `bench.reader` through the real load path, saving every call of `disclosure.protect` (its
inputs and the hidden mask it returned) and the big workbook's `public_outcomes`. `check` replays every saved call
against today's `protect` and says whether each hidden mask is the same (the published pattern is recorded across
versions: a changed choice is a changed product), with the time spent in `protect` then and now, and loads the big
workbook again to compare its public rows. `fixture` keeps
four recorded calls that hid the most complements, and one table of the big workbook, for the unit test that pins the
choices (tests/unit/test_suppression_choices.py).
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
from pathlib import Path

import numpy as np

from backbone.store import database, disclosure
from bench.common import ROOT  # noqa: F401  (puts the project on sys.path)
from tests.unit.test_suppression_choices import CODES, FIXTURE

_original = disclosure.protect
LOAD_TIME = ["last_updated"]  # when the rows were written: the one column two loads of one workbook differ in
calls: list[dict] = []


def _recording(*args, **kwargs):
    started = time.perf_counter()
    hidden, remaining = _original(*args, **kwargs)
    calls.append({"args": args, "kwargs": kwargs, "hidden": hidden, "remaining": remaining,
                  "seconds": time.perf_counter() - started})
    return hidden, remaining


def record(args: argparse.Namespace) -> None:
    """Run the loads with `protect` recorded; save the calls and the big workbook's public rows."""
    from backbone.intake.catalog_workbook import load_catalog_workbook
    from backbone.intake.ingest import ingest_file, undo_upload
    from bench import reader
    from bench.suppression import corrected
    from tests.unit.test_small_numbers import random_tables
    from tests.workbooks import data_workbook, small_catalog

    disclosure.protect = _recording
    os.environ["BACKBONE_UPLOADS"] = str(args.dir / "choices-uploads")
    started = time.perf_counter()
    # The loads of `python -m bench.suppression` (same seed, same tables), without its attacker's check.
    rng = np.random.default_rng(args.seed)
    for run, start in enumerate(range(0, args.tables, 200)):
        db = _fresh(args.dir / f"choices-{run}.duckdb")
        assert load_catalog_workbook(small_catalog(args.dir / "choices-catalog.xlsx"), db=db).errors == []
        rows = random_tables(rng, min(200, args.tables - start))
        for step, (partner, data) in enumerate([("SCHOOLS", rows["SCHOOLS"]), ("CLINIC", rows["CLINIC"]),
                                                ("SCHOOLS", corrected(rows["SCHOOLS"], rng))]):
            result = ingest_file(data_workbook(args.dir / f"choices-{run}-{step}.xlsx", data), partner, db=db)
            assert result.status == "loaded", result.errors[:3]
        undo_upload(result.upload_id, db=db)
        database.close_all()
    small = len(calls)
    print(f"{args.tables} random tables loaded: {small} calls of protect, {time.perf_counter() - started:.0f} s", flush=True)
    book = reader.template_workbook(args.dir / f"template-{args.rows}.xlsx", args.rows)
    db = _fresh(args.dir / "choices-big.duckdb")
    assert load_catalog_workbook(reader.catalog_workbook(args.dir / "catalog.xlsx"), db=db).errors == []
    assert ingest_file(book, "SCHOOLS", db=db).status == "loaded"
    public = database.query("SELECT * FROM public_outcomes ORDER BY ALL", path=db)
    database.close_all()
    with open(args.file, "wb") as out:
        pickle.dump({"calls": calls, "small": small, "public": public}, out)
    print(f"recorded {len(calls)} calls of protect ({small} from the random tables) in {args.file}")


def _fresh(path: Path) -> str:
    for old in path.parent.glob(path.name + "*"):
        old.unlink()
    return str(path)


def check(args: argparse.Namespace) -> None:
    """Replay every recorded call; load the big workbook again; print how many masks differ (target 0), whether the
    public rows are the same, and the time then and now."""
    from backbone.intake.catalog_workbook import load_catalog_workbook
    from backbone.intake.ingest import ingest_file
    from bench import reader

    with open(args.file, "rb") as saved:
        recorded = pickle.load(saved)
    differ, then, now = [], [0.0, 0.0], [0.0, 0.0]
    # Over the calls that differ: cells hidden, and hidden cells still determined, then and now (a deliberate change of
    # choice should hide no more and leave no more determined).
    hid, left = [0, 0], [0, 0]
    for i, call in enumerate(recorded["calls"]):
        started = time.perf_counter()
        hidden, remaining = disclosure.protect(*call["args"], **call["kwargs"])
        now[i >= recorded["small"]] += time.perf_counter() - started
        then[i >= recorded["small"]] += call["seconds"]
        if not np.array_equal(hidden, call["hidden"]) or remaining != call["remaining"]:
            differ.append(i)
            hid = [hid[0] + int(call["hidden"].sum()), hid[1] + int(hidden.sum())]
            left = [left[0] + call["remaining"], left[1] + remaining]
    cells = sum(len(c["hidden"]) for c in recorded["calls"])
    print(f"{len(recorded['calls'])} calls of protect ({cells:,} cells), {len(differ)} with a different hidden mask "
          f"(target 0){': ' + str(differ[:20]) if differ else ''}")
    if differ:
        print(f"  in those calls: cells hidden then {hid[0]:,}, now {hid[1]:,}; hidden cells still determined then "
              f"{left[0]:,}, now {left[1]:,}")
    print(f"protect's time, random tables: then {then[0]:.2f} s, now {now[0]:.2f} s; the {args.rows:,}-row workbook: "
          f"then {then[1]:.2f} s, now {now[1]:.2f} s")
    book = reader.template_workbook(args.dir / f"template-{args.rows}.xlsx", args.rows)
    db = _fresh(args.dir / "choices-check.duckdb")
    os.environ["BACKBONE_UPLOADS"] = str(args.dir / "choices-uploads")
    assert load_catalog_workbook(reader.catalog_workbook(args.dir / "catalog.xlsx"), db=db).errors == []
    assert ingest_file(book, "SCHOOLS", db=db).status == "loaded"
    public = database.query("SELECT * FROM public_outcomes ORDER BY ALL", path=db)
    database.close_all()
    same = public.drop(columns=LOAD_TIME).equals(recorded["public"].drop(columns=LOAD_TIME))
    print(f"public_outcomes of the {args.rows:,}-row workbook loaded again: {'the same' if same else 'DIFFERENT'} "
          f"({len(public):,} rows, {int(public.suppressed.sum()):,} hidden)")
    if differ or not same:
        raise SystemExit(1)


def fixture(args: argparse.Namespace) -> None:
    """Save a few recorded calls (inputs and hidden masks) as plain arrays for tests/unit/test_suppression_choices.py."""
    with open(args.file, "rb") as saved:
        recorded = pickle.load(saved)
    small = recorded["calls"][: recorded["small"]]
    added = [int((c["hidden"] & ~c["args"][1]).sum()) for c in small]
    # Per load of a run (first partner, second partner, correction, undo: later ones weigh what was shown before),
    # the call that hid the most complements.
    chosen = [small[max(range(step, len(small), 4), key=added.__getitem__)] for step in range(4)]
    big = recorded["calls"][recorded["small"]]
    rows = np.flatnonzero(big["args"][0].table == np.bincount(big["args"][0].table).argmax())
    chosen.append(_one_table(big, rows))
    arrays: dict[str, np.ndarray] = {}
    for i, call in enumerate(chosen):
        cells, hidden, views, can_hide, preference, reluctant = call["args"]
        for name in CODES:
            arrays[f"{i}.{name}"] = getattr(cells, name)
        for name, array in (("hidden", hidden), ("can_hide", can_hide), ("preference", preference),
                            ("reluctant", reluctant), ("expected", call["hidden"])):
            arrays[f"{i}.{name}"] = array
        for j, (view_cells, known, sensitive) in enumerate(views):
            assert all(np.array_equal(getattr(view_cells, n), getattr(cells, n)) for n in CODES)
            arrays[f"{i}.view{j}.value"], arrays[f"{i}.view{j}.known"] = view_cells.value, known
            arrays[f"{i}.view{j}.sensitive"] = sensitive
    np.savez_compressed(FIXTURE, **arrays)
    print(f"{len(chosen)} calls in {FIXTURE} ({FIXTURE.stat().st_size / 1e3:.0f} kB)")


def _one_table(call: dict, rows: np.ndarray) -> dict:
    """One table of a recorded call, as a call of its own (tables never share an equation)."""
    cells, hidden, views, can_hide, preference, reluctant = call["args"]
    views = [(v[0].subset(rows), v[1][rows], v[2][rows]) for v in views]
    args = (cells.subset(rows), hidden[rows], views, can_hide[rows], preference[rows], reluctant[rows])
    expected, _ = _original(*args)
    assert np.array_equal(expected, call["hidden"][rows]), "a table alone is hidden as within the whole"
    return {"args": args, "hidden": expected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["record", "check", "fixture"])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    parser.add_argument("--file", type=Path, default=None)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    args.file = args.file or args.dir / "choices.pkl"
    {"record": record, "check": check, "fixture": fixture}[args.mode](args)


if __name__ == "__main__":
    main()
