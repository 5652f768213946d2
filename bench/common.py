"""Shared by the benchmarks: the stores they measure and how a figure is printed beside its baseline."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backbone.demo import load_demo  # noqa: E402
from backbone.store import database  # noqa: E402

PAGES = ["app.py", "pages/1_Outcomes.py", "pages/2_Backbone_activities.py", "pages/3_Phases.py", "pages/4_Partners.py",
         "pages/5_Upload.py", "pages/6_Data_and_history.py"]


def demo_store(directory: Path) -> str:
    """The demo initiative alone: the baseline every figure is printed beside."""
    path = directory / "demo.duckdb"
    if not path.exists():
        os.environ["BACKBONE_UPLOADS"] = str(directory / "uploads-demo")
        load_demo(str(path))
        database.close_all()
    return str(path)


def big_store(directory: Path, rows: int) -> str:
    """The demo plus synthetic partners up to `rows` observations (bench/big_store.py)."""
    from bench.big_store import build_big_store

    path = directory / f"big-{rows}.duckdb"
    if not path.exists():
        # Built under another name and renamed when done: a build that fails leaves no half store to measure next time.
        building = directory / f"big-{rows}.building.duckdb"
        for old in directory.glob(f"{building.name}*"):
            old.unlink()
        os.environ["BACKBONE_UPLOADS"] = str(directory / "uploads-big")
        build_big_store(str(building), rows)
        database.close_all()
        building.rename(path)
    return str(path)


def median_ms(seconds: list[float]) -> float:
    """The median of some timings, in milliseconds."""
    return statistics.median(seconds) * 1000


# Runs a module as `python -m` would, then writes the process's own peak memory (VmHWM, KB) to stderr. The peak that
# wait4 reports would not do: on Linux a child keeps its parent's high-water mark across fork and exec, and the
# benchmark itself may hold a large store's worth of memory.
_MEASURED = """
import runpy, sys
module, sys.argv = sys.argv[1], sys.argv[1:]
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    sys.stderr.write(f"\\nPEAK_KB {peak}\\n")
"""


def whole_process(argv: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run `argv` as a process of its own (from the project folder): seconds, its peak memory (MB: that process's own,
    for `python -m MODULE ...`, the sandboxed reader child not included; else NaN) and what it printed; raises with its
    error output if it fails."""
    module = argv[1:2] == ["-m"]
    if module:
        argv = [argv[0], "-c", _MEASURED, *argv[2:]]
    completed_at = time.perf_counter()
    completed = subprocess.run(argv, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    seconds = time.perf_counter() - completed_at
    if completed.returncode:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed: {completed.stderr[-2000:]}")
    peaks = [line.split()[1] for line in completed.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return seconds, int(peaks[-1]) / 1024 if module and peaks else float("nan"), completed.stdout
