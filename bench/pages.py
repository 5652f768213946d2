"""Each page's full script run (AppTest) on the demo store and on a 1,000,000-observation store, side by side.

    python bench/pages.py [--rows 1000000] [--runs 7] [--dir /tmp/backbone-bench]

Target (issue: the dashboard): median of the runs after the first at most 250 ms per page on the big store, and no
chart sending more than 5,000 rows to the browser. The first run is printed too: it fills the caches. Besides every
page as it opens, the Outcomes page is measured on an outcome with a place map, a breakdown and places compared.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pyarrow as pa
import streamlit as st
from streamlit.testing.v1 import AppTest

from backbone.store import database
from bench.common import PAGES, ROOT, big_store, demo_store, median_ms

TARGET_MS = 250
CHART_ROW_LIMIT = 5000


def chart_rows(at: AppTest) -> int:
    """The most rows any chart on the page sends to the browser."""
    most = 0
    for element in at.get("vega_lite_chart"):
        for dataset in element.proto.datasets:
            most = max(most, pa.ipc.open_stream(dataset.data.data).read_all().num_rows)
    return most


# The Outcomes page drawing the most: the Baltimore map (55 areas), places compared; and a breakdown with its gaps.
OUTCOMES_VIEWS = [
    ("pages/1_Outcomes.py", {"metric": "Teen birth rate", "compare": ["Median of places", "Canton", "Cherry Hill"]}),
    ("pages/1_Outcomes.py", {"metric": "4-year graduation rate", "geography": "Community", "by": "Race/ethnicity"}),
]


def measure(db: str, page: str, runs: int, query_params: dict | None = None) -> tuple[float, float, int]:
    """First run (ms), median of the next `runs` runs (ms), and the largest chart's rows."""
    os.environ["BACKBONE_DB"] = db
    st.cache_data.clear()
    st.cache_resource.clear()
    database.close_all()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    # Every session starts at the home page. Its run here is not timed: an AppTest's first run also starts Streamlit's
    # runtime (a scan of the installed packages for components, about 0.2 s, which a server does once when it starts).
    # With the data caches cleared after it, the run timed below is the page's first after a change, home page too.
    at.run()
    st.cache_data.clear()
    if page != "app.py":
        at.switch_page(page)
        at.query_params.update(query_params or {})
    started = time.perf_counter()
    at.run()
    first = (time.perf_counter() - started) * 1000
    assert not at.exception, f"{page}: {at.exception[0].value}"
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        timings.append(time.perf_counter() - started)
    return first, median_ms(timings), chart_rows(at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ["BACKBONE_DEMO"] = "0"
    demo, big = demo_store(args.dir), big_store(args.dir, args.rows)

    print(f"Page script runs (AppTest), {args.runs} runs after the first; target: median <= {TARGET_MS} ms on {args.rows:,} rows")
    print(f"{'page':34} {'demo first':>11} {'demo median':>12} {'big first':>10} {'big median':>11} {'vs target':>10} {'chart rows':>11}")
    worst_rows, failures = 0, 0
    for page, query_params in [(page, None) for page in PAGES] + OUTCOMES_VIEWS:
        demo_first, demo_median, _ = measure(demo, page, args.runs, query_params)
        big_first, big_median, rows = measure(big, page, args.runs, query_params)
        worst_rows = max(worst_rows, rows)
        ok = big_median <= TARGET_MS and rows <= CHART_ROW_LIMIT
        failures += not ok
        name = page if not query_params else f"{page.split('/')[-1]}?{query_params['metric'][:14]}"
        print(f"{name:34} {demo_first:9.0f}ms {demo_median:10.0f}ms {big_first:8.0f}ms {big_median:9.0f}ms "
              f"{big_median / TARGET_MS:9.2f}x {rows:>11,} {'ok' if ok else 'OVER'}")
    print(f"Largest chart payload: {worst_rows:,} rows (limit {CHART_ROW_LIMIT:,}). Pages over target: {failures}.")


if __name__ == "__main__":
    main()
