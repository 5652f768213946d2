"""Shared by the benchmarks: the stores they measure and how a figure is printed beside its baseline."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
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


def whole_process(argv: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run `argv` as a process of its own (from the project folder): seconds, its peak memory (MB) and what it printed;
    raises with its error output if it fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=err, text=True)
        # wait4 rather than wait: it also gives the child's own peak resident memory (KB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise RuntimeError(f"{' '.join(argv[:4])}... failed: {err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()
