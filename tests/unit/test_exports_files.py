"""The files people take away: chart PNG/SVG (vl-convert), the deck as PowerPoint, the report card as PDF."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from backbone.show import charts, deck_export, render, report_card, slides
from backbone.show.slides import Slide

PRINTED = datetime(2026, 11, 22, 9, 30)



@pytest.fixture(scope="module")
def curve(demo_db):
    return slides.content(Slide("curve", "grad_rate_4yr", "Community"), demo_db)


# --- PNG and SVG ----------------------------------------------------------------------------------------------------

def test_png_has_the_size_asked_for_at_twice_the_pixels(curve):
    image = render.png(curve.chart.to_dict(), size=(1200, 600))
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert render.png_size(image) == (2400, 1200)
    assert render.png_size(render.png(curve.chart.to_dict(), size=(800, 400), scale=1)) == (800, 400)


def test_svg_uses_the_app_palette_and_font_not_vegas_defaults(curve):
    svg = render.svg(curve.chart.to_dict())
    assert svg.startswith("<svg") and 'width="1200"' in svg
    assert charts.ACTUAL.lower() in svg.lower()  # the app's line colour, not Vega's #4c78a8
    assert "#4c78a8" not in svg.lower()
    assert render.app_fonts() is not None, "the app's font could not be made from Streamlit's web font"
    assert "Source Sans 3" in svg
    assert "font-family=\"sans-serif\"" not in svg


def test_the_app_font_is_real_truetype_with_the_status_symbols(curve):
    from fontTools.ttLib import TTFont

    fonts = render.app_fonts()
    for style in ("Regular", "Bold"):
        font = TTFont(str(fonts[style]))
        assert font["name"].getDebugName(1) == "Source Sans 3"
        cmap = font.getBestCmap()
        assert all(ord(c) in cmap for c in "Aa0%▲▼●○–·")
    assert TTFont(str(fonts["Bold"]))["OS/2"].usWeightClass == 700


# --- PowerPoint -----------------------------------------------------------------------------------------------------

def test_the_deck_opens_in_python_pptx_with_a_slide_per_slide_titles_pictures_and_notes(demo_db):
    deck = slides.load_deck(slides.DEMO_DECK, demo_db)
    data = deck_export.deck_pptx(deck, demo_db)
    presentation = Presentation(io.BytesIO(data))
    assert len(presentation.slides) == len(deck.slides) == 9
    titles = [s.shapes.title.text for s in presentation.slides]
    assert titles[0] == "4-year graduation rate" and titles[-1] == "4-year graduation rate by race/ethnicity"
    assert "Teen birth rate by neighbourhood" in titles  # the place map goes into the deck too
    for slide, wanted in zip(presentation.slides, deck.slides, strict=True):
        pictures = [shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
        texts = " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        notes = slide.notes_slide.notes_text_frame.text
        assert "Source:" in texts and "Data as of" in texts
        assert "Source:" in notes
        if wanted.kind == "number":
            assert not pictures and "83.5%" in texts and "Better" in texts
        else:
            assert len(pictures) == 1
            footer_top = min(shape.top for shape in slide.shapes if shape.has_text_frame and "Data as of" in shape.text_frame.text)
            assert pictures[0].top + pictures[0].height <= footer_top <= presentation.slide_height  # nothing overlaps
            assert pictures[0]._element.nvPicPr.cNvPr.get("descr")  # alt text
            assert render.png_size(pictures[0].image.blob)[0] >= 2000
    first_notes = presentation.slides[0].notes_slide.notes_text_frame.text
    assert "The story behind the curve: 2012-13 came in a different file layout" in first_notes
    assert "was 83.5% in 2019-20: better since the baseline" in " ".join(
        shape.text_frame.text for shape in presentation.slides[0].shapes if shape.has_text_frame)
    last_notes = presentation.slides[-1].notes_slide.notes_text_frame.text
    assert "American Indian or Alaska Native, 2017-18" in last_notes and "71.4" not in last_notes
    assert deck_export.file_name(deck) == "annual-community-dashboard.pptx"


def test_a_plan_slide_in_powerpoint_has_the_curve_beside_its_actions_and_the_story_below(demo_db):
    deck = slides.load_deck(slides.PLAN_DECK, demo_db)
    presentation = Presentation(io.BytesIO(deck_export.deck_pptx(deck, demo_db)))
    assert [s.shapes.title.text for s in presentation.slides] == ["Turning the curve: Infant mortality rate",
                                                                   "Turning the curve: Kindergarten readiness"]
    slide = presentation.slides[0]
    picture = next(shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE)
    boxes = {shape.text_frame.text.split("\n")[0]: shape for shape in slide.shapes if shape.has_text_frame}
    actions = next(shape for text, shape in boxes.items() if text.startswith("• Share the infant-death reviews"))
    story = next(shape for text, shape in boxes.items() if text.startswith("The typical neighbourhood"))
    assert actions.text_frame.text.count("• ") == slides.TOP_ACTIONS
    assert actions.left >= picture.left + picture.width  # beside the curve, not over it
    assert story.top >= picture.top + picture.height and story.top >= actions.top + actions.height  # below both
    assert "Illustrative plan" in " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
    assert "What works:" in slide.notes_slide.notes_text_frame.text


# --- the report card ------------------------------------------------------------------------------------------------

def _pdf_text(data: bytes, tmp_path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run `sh .ci/install-tools.sh` (Debian's poppler-utils)")
    path = tmp_path / "card.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]  # one string per page


BY_GROUP_PAGES = ["4-year graduation rate by gender", "4-year graduation rate by income",
                  "4-year graduation rate by race/ethnicity"]


def test_the_report_card_has_a_summary_page_then_a_page_per_outcome_and_breakdown_each_dated(demo_db, tmp_path):
    data = report_card.report_card_pdf(demo_db, now=PRINTED)
    assert data[:5] == b"%PDF-"
    pages = _pdf_text(data, tmp_path)
    assert len(pages) == 1 + 6 + 3 + 2  # summary, six outcomes, three breakdowns with two groups or more, two plans
    loaded = slides.vintage(demo_db)
    for number, page in enumerate(pages, start=1):
        assert f"Data as of {loaded:%d %b %Y}" in page
        assert "Printed 22 Nov 2026" in page
        assert f"Page {number} of 12" in page
    summary = pages[0]
    assert "Annual community report card" in summary
    # Blood lead's median is 0 every year: it is judged by the share of neighbourhoods above 0 (16% -> 6%: better).
    assert re.search(r"Better: 4", summary) and re.search(r"Worse: 1", summary) and re.search(r"No real change: 1", summary)
    assert "3 of 52 neighbourhoods above 0.0% in 2019" in summary
    titles = [page.split("\n")[3].strip() for page in pages[1:10]]
    assert sorted(titles) == sorted(["4-year graduation rate", "Children with elevated blood lead", "High school completion rate",
                                     "Infant mortality rate", "Kindergarten readiness", "Teen birth rate", *BY_GROUP_PAGES])
    # Each breakdown follows its outcome, with the gap in words and both charts' values.
    race = pages[titles.index("4-year graduation rate by race/ethnicity") + 1]
    assert "the widest gap is between Hispanic" in race and "The gap: each group's distance behind the best-off group" in race
    assert "American Indian or Alaska Native, 2017-18" in race and "71.4" not in race  # hidden, and said so
    graduation = next(page for page in pages if "4-year graduation rate was 83.5%" in page)
    assert "Kentucky Department of Education" in graduation and "Values:" in graduation
    assert report_card.file_name(demo_db, PRINTED) == "report-card-2026-11-22.pdf"
    plans = pages[10:]
    assert [page.split("\n")[3].strip() for page in plans] == ["Turning the curve: Infant mortality rate",
                                                               "Turning the curve: Kindergarten readiness"]
    for heading in ("The story behind the curve", "Partners with a role to play", "What works", "The action plan",
                    "Illustrative plan"):
        assert heading in plans[0] and heading in plans[1]
    assert "Family Home Visiting Network · done · 01 Jun 2023 to 31 Mar 2024 · measured by Enrolled in the first" in plans[0]
    assert "Read by Third Tutoring · dropped" in plans[1]


def test_the_report_card_is_a_frozen_snapshot(demo_db, tmp_path):
    first = _pdf_text(report_card.report_card_pdf(demo_db, now=datetime(2025, 11, 20)), tmp_path)
    assert "Printed 20 Nov 2025" in first[0]


# --- charts that carry their own context ----------------------------------------------------------------------------

def svg_text(svg: str) -> str:
    """The words of an SVG, as a person reads them off the image."""
    import html

    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)  # a multi-line title is one <text> of <tspan>s
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", text) for text in texts))


def test_a_downloaded_chart_carries_its_title_place_unit_source_and_vintage(demo_db, curve):
    words = svg_text(render.svg(curve.chart.to_dict()))
    loaded = slides.vintage(demo_db)
    assert "4-year graduation rate" in words
    assert "Whole community · all groups · percent" in words
    assert "Source: Kentucky Department of Education" in words
    assert f"Data as of {loaded:%d %b %Y}" in words
    # The legend names every layer; the target label is drawn in the app's font like everything else.
    for entry in ("Actual", "Trend and forecast", "Baseline", "Target"):
        assert f">{entry}</text>" in render.svg(curve.chart.to_dict()), f"no legend entry '{entry}'"
    assert 'font-family="Source Sans Pro' not in render.svg(curve.chart.to_dict())


def test_png_of_a_chart_is_rendered_from_the_same_titled_spec(curve):
    spec = curve.chart.to_dict()
    assert spec["title"]["text"] == "4-year graduation rate"
    assert any("Data as of" in line for line in spec["title"]["subtitle"])
    assert render.png(spec)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "title" not in render.untitled(spec)  # a slide, a PowerPoint page or a PDF page prints it itself


def test_a_map_slide_draws_every_area_and_names_its_boundaries(demo_db):
    shown = slides.content(Slide("map", "teen_birth_rate"), demo_db)
    words = svg_text(render.svg(shown.chart.to_dict(), size=(900, 700)))
    assert "Teen birth rate by neighbourhood" in words and "Boundaries: BNIA-JFI" in words
    svg = render.svg(shown.chart.to_dict(), size=(900, 700))
    assert svg.count('aria-roledescription="geoshape"') == 56  # the 55 areas and the jail tract (no data), from no tile server
    assert "Place: Belair-Edison; Value: 27.0 per 1,000; Period: 2019" in svg
