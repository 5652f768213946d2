"""Shared by the benchmarks: the stores they measure and how a figure is printed beside its baseline."""

from __future__ import annotations

import os
import statistics
import sys
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
