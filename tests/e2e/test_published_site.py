"""The published site in a real browser, served by a plain static server: every page opens asking nothing of any other
address, draws its charts, shows every number with scripts off, embeds fit a frame of any width, and axe-core finds
no serious or critical accessibility violation."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from backbone.demo import load_demo
from backbone.show.formatting import number
from backbone.show.site.build import publish_site
from backbone.store import database
from tests.e2e.accessibility import serious_violations

CHARTS_DRAWN_JS = """
() => Array.from(document.querySelectorAll('figure[data-chart]')).every(
    (f) => f.classList.contains('is-live') && f.querySelector('.chart-live svg .mark-group, .chart-live svg path'))
"""


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("published") / "demo.duckdb")
    database.close_all()
    load_demo(db)
    return db


@pytest.fixture(scope="module")
def site(demo_store) -> Path:
    """The demo store published into a folder."""
    folder = Path(demo_store).parent / "site"
    publish_site(folder, demo_store)
    return folder


@pytest.fixture(scope="module")
def units(demo_store) -> dict[str, str]:
    """Each metric's unit, to write its values as the page does."""
    frame = database.query("SELECT metric_code, unit FROM metrics", path=demo_store)
    return dict(zip(frame.metric_code, frame.unit, strict=True))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test's output is the test's, not a request log
        pass


@pytest.fixture(scope="module")
def served(site) -> Iterator[str]:
    """The folder on a static web server on a loopback port (as any static host would serve it); its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def pages_of(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def open_recorded(context, url: str) -> tuple:
    """A page opened at `url`, with every request it made and every script error it raised."""
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, requests, errors


def test_every_page_opens_with_no_request_outside_the_site_and_draws_its_charts(browser, site, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        names = pages_of(site)
        assert len(names) > 20
        for name in names:
            page, requests, errors = open_recorded(context, served + name)
            page.wait_for_function(CHARTS_DRAWN_JS, timeout=20_000)
            assert errors == [], (name, errors)
            outside = [url for url in requests if not url.startswith(served)]
            assert outside == [], (name, outside)
            figures = page.locator("figure[data-chart]").count()
            if name.startswith("outcomes/"):
                assert figures >= 1 and page.locator("table").count() >= figures, name  # a table beside every chart
                assert page.locator("figure.is-live img.chart-static").first.is_hidden()  # the live chart replaced it
            if name.startswith("embed/"):
                assert figures == 1
            page.close()
    finally:
        context.close()


def test_with_scripts_off_every_number_still_shows(browser, site, served, units):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        for name in [n for n in pages_of(site) if n.startswith("outcomes/")]:
            page, requests, _ = open_recorded(context, served + name)
            # Each chart is its drawn image, loaded and visible.
            images = page.locator("img.chart-static")
            assert images.count() >= 1
            for index in range(images.count()):
                image = images.nth(index)
                assert image.is_visible(), name
                assert image.evaluate("(img) => img.complete && img.naturalWidth > 0"), name
            text = page.locator("main").inner_text()
            # Every value the page's downloads hold is written on the page.
            for chart in page.locator("figure[data-chart]").evaluate_all("(fs) => fs.map((f) => f.dataset.chart)"):
                data = pd.read_csv(site / "data" / f"{chart}.csv", keep_default_na=False, na_values=[""])
                unit = units[chart.split("-")[0]]
                for value in data.value.dropna():
                    assert number(value, unit) in text, (name, chart, value)
            page.close()
    finally:
        context.close()


FRAME_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A partner's page</title></head>
<body style="margin:0"><main><h1 style="font-size:1rem">A partner's page</h1>{snippet}</main></body></html>"""


@pytest.mark.parametrize("width", [320, 1200])
def test_an_embedded_chart_fits_its_frame_with_no_scrollbars(browser, site, served, width):
    for chart in ("grad_rate_4yr", "grad_rate_4yr-race-ethnicity", "teen_birth_rate-places"):
        snippet = (f'<iframe src="{served}embed/{chart}.html" title="{chart}" width="{width}" height="480" '
                   'style="border:0"></iframe>')
        (site / f"frame-{chart}-{width}.html").write_text(FRAME_PAGE.format(snippet=snippet))
        context = browser.new_context(viewport={"width": max(width + 40, 400), "height": 700})
        try:
            page, requests, errors = open_recorded(context, f"{served}frame-{chart}-{width}.html")
            frame = page.frame_locator("iframe")
            frame.locator("figure.is-live .chart-live svg").wait_for(timeout=20_000)
            inner = page.frames[1]
            sizes = inner.evaluate("""() => { const d = document.documentElement;
                return [d.scrollWidth, d.clientWidth, d.scrollHeight, d.clientHeight]; }""")
            assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], (chart, width, sizes)  # nothing to scroll
            box = frame.locator(".chart-live svg").bounding_box()
            assert box["width"] > 0.8 * width - 40 and box["height"] > 150, (chart, width, box)
            assert box["x"] + box["width"] <= width + 1
            assert frame.locator("h1").inner_text().strip()
            assert "Source:" in frame.locator(".credit").inner_text()
            assert frame.get_by_role("link", name="The data and more").count() == 1
            assert errors == [] and all(url.startswith(served) for url in requests)
        finally:
            context.close()


def test_axe_finds_no_serious_or_critical_violation_on_the_site(browser, site, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        found = {}
        for name in pages_of(site):
            if name.startswith("frame-"):
                continue
            page, _, _ = open_recorded(context, served + name)
            page.wait_for_function(CHARTS_DRAWN_JS, timeout=20_000)
            problems = serious_violations(page)
            if problems:
                found[name] = problems
            page.close()
        assert found == {}
    finally:
        context.close()


def test_an_outcome_page_prints_without_navigation_downloads_or_snippets(browser, site, served):
    context = browser.new_context(viewport={"width": 794, "height": 1123})  # an A4 page at 96 dots per inch
    try:
        page, _, _ = open_recorded(context, served + "outcomes/grad_rate_4yr.html")
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=20_000)
        page.emulate_media(media="print")
        for hidden in ("header.site nav", ".toc", ".downloads", "details.embed", ".skip"):
            assert page.locator(hidden).first.is_hidden(), hidden
        assert page.locator("h1").is_visible() and page.locator("table").first.is_visible()
        assert page.locator("figure.is-live .chart-live svg").first.is_visible()
        width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], width  # nothing cut at the page's right edge
        assert page.pdf(format="A4")[:4] == b"%PDF"
    finally:
        context.close()
