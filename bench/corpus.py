"""The real-file corpus (tests/fixtures/real): does each agency file load right with no mapping at all, with its
mapping, or not at all, and how big a mapping did it need?

    python -m bench.corpus [--dir /tmp/backbone-corpus] [--only NAME] [--why]

"Right" means loaded with every hand-read value of its PROVENANCE.md (case.json `checks`) as read. No mapping means
the catalog alone (metric names and aliases, places, frequency). Baseline: the same count of the issue's starting point
(no real agency file loaded with no mapping). Also prints how long each read took.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import ROOT  # noqa: F401  (puts the project on sys.path)
from tests.corpus import cases, mapping_size, run_case

BASELINE_NO_MAPPING = 0  # measured at the start of issue 13: not one real agency file loaded with no mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--only", default=None, help="run the cases whose folder name contains this")
    parser.add_argument("--why", action="store_true", help="print the first errors and wrong values")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="backbone-corpus-"))
    rows, totals = [], {"no mapping": 0, "with a mapping": 0, "not at all": 0, "crash": 0}
    sizes = []
    for case in cases():
        if args.only and args.only not in case.name:
            continue
        started = time.perf_counter()
        bare = run_case(case, work / case.name / "bare", with_mapping=False)
        seconds = time.perf_counter() - started
        mapped = run_case(case, work / case.name / "mapped", with_mapping=True) if case.mapping and not bare.right else None
        if "crash" in (bare.status, mapped.status if mapped else None):
            totals["crash"] += 1
        if bare.right:
            verdict = "no mapping"
        elif mapped is not None and mapped.right:
            verdict = "with a mapping"
            sizes.append(mapping_size(case.mapping))
        else:
            verdict = "not at all"
        totals[verdict] += 1
        size = mapping_size(case.mapping) if verdict == "with a mapping" else 0
        rows.append((case.name, verdict, size, bare, mapped, seconds))
    width = max((len(r[0]) for r in rows), default=10)
    print(f"{'file':<{width}}  {'loads right':<15} {'entries':>7} {'read s':>7}")
    for name, verdict, size, bare, mapped, seconds in rows:
        print(f"{name:<{width}}  {verdict:<15} {size or '':>7} {seconds:7.1f}")
        if args.why and verdict != "no mapping":
            for label, outcome in (("no mapping", bare), ("mapping", mapped)):
                if outcome is None:
                    continue
                problems = [outcome.crash] if outcome.crash else [
                    str(e) for e in (outcome.result.errors if outcome.result else [])][:4] + outcome.wrong[:4]
                for problem in problems:
                    print(f"    {label}: {problem[:220]}")
    print()
    n = len(rows)
    print(f"{n} real agency files: {totals['no mapping']} load right with no mapping "
          f"(baseline {BASELINE_NO_MAPPING}), {totals['with a mapping']} with a mapping"
          + (f" of {min(sizes)}-{max(sizes)} entries (median {sorted(sizes)[len(sizes) // 2]})" if sizes else "")
          + f", {totals['not at all']} not at all; {totals['crash']} with a traceback")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
