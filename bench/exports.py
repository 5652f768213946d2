"""How long the exports take on the demo: one chart PNG and SVG (cold and warm), the demo deck as .pptx, the report card.

    .venv/bin/python -m bench.exports

Cold includes making the app's font from Streamlit's web font (once per machine, then cached) and vl-convert's start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import demo_store, median_ms

REPEATS = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BACKBONE_FONT_CACHE"] = str(Path(tmp) / "fonts")
        from backbone.show import deck_export, render, report_card, slides

        db = demo_store(Path(tmp))
        deck = slides.load_deck(slides.DEMO_DECK, db)
        spec = slides.content(deck.slides[0], db).chart.to_dict()
        start = time.perf_counter()
        render.png(spec)
        cold = time.perf_counter() - start
        png, svg, pptx, pdf = [], [], [], []
        for _ in range(REPEATS):
            for timings, work in ((png, lambda: render.png(spec)), (svg, lambda: render.svg(spec)),
                                  (pptx, lambda: deck_export.deck_pptx(deck, db)), (pdf, lambda: report_card.report_card_pdf(db))):
                start = time.perf_counter()
                work()
                timings.append(time.perf_counter() - start)
        shutil.rmtree(Path(tmp) / "fonts", ignore_errors=True)
    print(f"{'export':<38}{'median ms':>10}")
    print(f"{'chart PNG, cold (font made + vl-convert)':<38}{cold * 1000:>10.0f}")
    for label, timings in (("chart PNG 2400x1200, warm", png), ("chart SVG, warm", svg),
                           (f"demo deck .pptx ({len(deck.slides)} slides)", pptx), ("report card .pdf (7 pages)", pdf)):
        print(f"{label:<38}{median_ms(timings):>10.0f}")


if __name__ == "__main__":
    main()
