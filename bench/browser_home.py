"""Time from opening the home page to its charts drawn, in headless Chromium, on a warm server: demo vs 1M rows.

    python bench/browser_home.py [--rows 1000000] [--visits 5] [--dir /tmp/backbone-bench]

Target (issue: the dashboard): on a warm server the home page's charts are drawn within 3 s of opening the URL.
"Warm" means the server has served the page once since the data last changed (its caches are filled).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import big_store, demo_store
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import running_app

TARGET_S = 3.0
CHARTS = '[data-testid="stVegaLiteChart"] svg [aria-label*="Period:"]'


def time_home(browser, url: str, charts: int) -> float:
    """Seconds from navigation start until every chart of the home page has drawn its points."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        """(n) => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
                    .filter(c => c.querySelector('svg [aria-label*="Period:"]')).length >= n""",
        arg=charts, timeout=120_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def measure(browser, db: str, directory: Path, name: str, visits: int) -> tuple[float, float]:
    """Cold (first visit after start) and the median of warm visits, in seconds."""
    with running_app(Path(db), directory / f"uploads-{name}", directory / f"server-{name}.log", demo=False) as server:
        cold = time_home(browser, server.url, 6)
        warm = [time_home(browser, server.url, 6) for _ in range(visits)]
    return cold, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/backbone-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    stores = {"demo": demo_store(args.dir), f"{args.rows:,} rows": big_store(args.dir, args.rows)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        print(f"Home page, URL opened -> all 6 outcome charts drawn (headless Chromium); target warm <= {TARGET_S:.0f} s")
        print(f"{'store':18} {'cold server':>12} {'warm (median)':>14} {'vs target':>10}")
        for name, db in stores.items():
            cold, warm = measure(browser, db, args.dir, name.split()[0].replace(",", ""), args.visits)
            print(f"{name:18} {cold:11.2f}s {warm:13.2f}s {warm / TARGET_S:9.2f}x {'ok' if warm <= TARGET_S else 'OVER'}")
        browser.close()


if __name__ == "__main__":
    main()
