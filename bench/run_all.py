"""Every benchmark, one after the other: `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for script in ("bench.pages", "bench.browser_home", "bench.reader", "bench.exports", "bench.lake"):
    print(f"\n== {script} ==", flush=True)
    subprocess.run([sys.executable, "-m", script, *sys.argv[1:]], cwd=ROOT, check=True)
