"""Presenting the demo deck in a real browser: the keyboard pages through, each slide is saved as a screenshot."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS_DIR, error_boxes, screenshot, wait_for_app

DEMO_TITLES = ["4-year graduation rate", "Children with elevated blood lead", "High school completion rate",
               "Infant mortality rate", "Kindergarten readiness", "Teen birth rate", "Teen birth rate by neighbourhood",
               "4-year graduation rate", "4-year graduation rate by race/ethnicity"]
KEY_NUMBER = DEMO_TITLES.index("4-year graduation rate", 1) + 1


def svg_words(svg: str) -> str:
    """The words an SVG shows (a multi-line title is one <text> of <tspan>s)."""
    import html

    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)))


def slide_number(page) -> str:
    return parse_qs(urlparse(page.url).query).get("slide", ["1"])[0]


def test_the_keyboard_pages_through_the_demo_deck(app_server, page):
    page.set_viewport_size({"width": 1600, "height": 900})  # a 16:9 screen share
    page.goto(f"{app_server.url}/Present")
    wait_for_app(page)
    # Presenting: no sidebar and no raw tables on screen.
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    for number, title in enumerate(DEMO_TITLES, start=1):
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.get_by_text(f"Slide {number} of {len(DEMO_TITLES)}", exact=True)).to_be_visible()
        if number == KEY_NUMBER:  # the key number, with its status in words
            # (another browser test may have uploaded a newer year, so the number itself is not pinned here)
            expect(page.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^\d+\.\d%$"))
            expect(page.get_by_role("heading", name=re.compile(r"^[▲▼●○] "))).to_be_visible()
        else:
            page.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
        assert page.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').count() == 0
        assert error_boxes(page) == [], app_server.log_tail()
        screenshot(page, f"present-slide-{number}")
        if number < len(DEMO_TITLES):
            page.keyboard.press("ArrowRight")
            wait_for_app(page, initial_wait_ms=400)
    assert slide_number(page) == str(len(DEMO_TITLES))
    page.keyboard.press("ArrowLeft")
    wait_for_app(page, initial_wait_ms=400)
    expect(page.get_by_text(f"Slide {KEY_NUMBER} of {len(DEMO_TITLES)}", exact=True)).to_be_visible()
    assert slide_number(page) == str(KEY_NUMBER)


def test_a_reload_keeps_the_slide_and_the_notes_tell_the_story(app_server, page):
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{app_server.url}/Present?slide=4")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Infant mortality rate", exact=True)).to_be_visible()
    page.get_by_text("Show speaker notes").click()
    wait_for_app(page)
    expect(page.get_by_text("The story behind the curve", exact=False)).to_be_visible()
    screenshot(page, "present-speaker-notes")


def test_the_downloads_deliver_a_png_a_deck_and_a_report_card(app_server, page, tmp_path):
    from pptx import Presentation

    from backbone.show.render import png_size

    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{app_server.url}/Present?slide=1")
    wait_for_app(page)
    page.get_by_text("Deck and downloads").click()
    files = {}
    for label in ("This chart (PNG)", "This chart (SVG)", "Download deck (.pptx)", "Report card (.pdf)"):
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=label).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[label] = path
    assert png_size(files["This chart (PNG)"].read_bytes()) == (2400, 1200)
    assert files["This chart (PNG)"].name == "grad_rate_4yr-curve.png"
    assert len(Presentation(str(files["Download deck (.pptx)"])).slides) == len(DEMO_TITLES)
    # The chart taken away says what it is, where, in what unit, from whom and how fresh (read back from the SVG).
    words = svg_words(files["This chart (SVG)"].read_text())
    assert "4-year graduation rate" in words and "Whole community · all groups · percent" in words
    assert "Source: Kentucky Department of Education" in words and "Data as of " in words
    for entry in ("Actual", "Trend and forecast", "Baseline", "Target"):
        assert entry in words
    assert files["Report card (.pdf)"].read_bytes()[:5] == b"%PDF-"
    assert error_boxes(page) == [], app_server.log_tail()


SCREENS = [(1280, 720), (1366, 768), (1920, 1080)]


def test_every_slide_fits_the_screen_without_scrolling(app_server, page):
    """At a laptop's 1280x720, a projector's 1366x768 and a 1920x1080 screen: title, chart, takeaway, 'Slide n of N' and
    Previous / Next all on screen, nothing to scroll; a screenshot of each slide at each size."""
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        for number, title in enumerate(DEMO_TITLES, start=1):
            page.goto(f"{app_server.url}/Present?slide={number}")
            wait_for_app(page)
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
            if number != KEY_NUMBER:
                page.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
            page.wait_for_timeout(300)  # the chart takes the height the slide leaves it
            main = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                                 " return [m.scrollHeight, m.clientHeight]; }")
            assert main[0] <= main[1], f"slide {number} at {width}x{height} scrolls: {main[0]} px of content in {main[1]}"
            for locator in (page.get_by_role("button", name="Next"), page.get_by_text(f"Slide {number} of ", exact=False),
                            page.locator('[data-testid="stVegaLiteChart"]').first if number != KEY_NUMBER else None):
                if locator is None:
                    continue
                box = locator.bounding_box()
                assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (
                    f"slide {number} at {width}x{height}: {locator} ends at {box and box['y'] + box['height']}")
            assert error_boxes(page) == [], app_server.log_tail()
            page.screenshot(path=str(screenshot_path(f"present-{width}x{height}-slide-{number}")))


def test_every_plan_slide_fits_the_screen_with_the_plan_beside_the_curve(app_server, page):
    """The Turn-the-curve convening deck: the curve, the action plan beside it and the story below, on screen together
    at each size, the plan's last action above the story (nothing drawn over anything)."""
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        for number, title in enumerate(("Turning the curve: Infant mortality rate",
                                        "Turning the curve: Kindergarten readiness"), start=1):
            page.goto(f"{app_server.url}/Present?deck=Turn-the-curve+convening&slide={number}")
            wait_for_app(page)
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
            page.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
            page.wait_for_timeout(300)
            main = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                                 " return [m.scrollHeight, m.clientHeight]; }")
            assert main[0] <= main[1], f"plan slide {number} at {width}x{height} scrolls"
            chart = page.locator('[data-testid="stVegaLiteChart"]').first.bounding_box()
            last_action = page.locator(".st-key-slide-plan li").last.bounding_box()
            story = page.locator(".st-key-slide-takeaway p").first.bounding_box()
            assert chart["height"] >= 0.3 * height, f"plan slide {number} at {width}x{height}: a chart {chart['height']} px tall"
            assert last_action["y"] + last_action["height"] <= story["y"], (
                f"plan slide {number} at {width}x{height}: the action plan runs into the story")
            assert story["y"] + story["height"] <= height
            assert error_boxes(page) == [], app_server.log_tail()
            page.screenshot(path=str(screenshot_path(f"present-plan-{width}x{height}-slide-{number}")))


def screenshot_path(name: str):
    """tests/artifacts/<name>.png: what the screen shows (the viewport), not the page stretched."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR / f"{name}.png"
