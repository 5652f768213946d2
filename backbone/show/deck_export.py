"""A deck as PowerPoint (python-pptx): one 16:9 slide per slide of the deck, with its title, a one-sentence takeaway,
the chart as a picture (its text alternative as the picture's alt text) or the key number, the source, and the story
behind the curve in the speaker notes. Public (suppressed) figures only, like everything in backbone.show.slides.
"""

from __future__ import annotations

import io
import re

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Inches, Pt

from backbone.show import charts, render, slides
from backbone.show.slides import Deck, SlideContent

MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
INK = RGBColor.from_string(charts.INK.lstrip("#"))
MUTED = RGBColor.from_string(charts.MUTED.lstrip("#"))
TITLE_ONLY = 5  # the default template's "Title Only" layout
CHART_SIZE = (1200, 470)  # chart points; drawn 12.3 in wide (4.8 in high) between the takeaway and the footer
PLAN_CHART_SIZE = (900, 460)  # a plan slide's curve: 7.6 in wide (3.9 in high), its actions beside it


def file_name(deck: Deck) -> str:
    """'annual-community-dashboard.pptx'."""
    return (re.sub(r"[^a-z0-9]+", "-", deck.name.lower()).strip("-") or "deck") + ".pptx"


def _text(slide, text: str, left, top, width, height, size: int, colour=INK, bold: bool = False) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.text = text
    paragraph.font.size = Pt(size)
    paragraph.font.bold = bold
    paragraph.font.color.rgb = colour
    paragraph.font.name = render.APP_FAMILY


def _notes(shown: SlideContent) -> str:
    parts = [shown.notes]
    if len(shown.values):
        parts.append("Values: " + slides.values_text(shown) + ".")
    if shown.hidden:
        parts.append("Not shown, to protect small numbers: " + "; ".join(shown.hidden) + ".")
    parts.append(f"Source: {shown.source}.")
    return "\n\n".join(p for p in parts if p)


def _plan_body(slide, shown: SlideContent) -> None:
    """A turn-the-curve plan: the curve at the left, the top actions at the right, the story behind the curve below."""
    if shown.chart is not None:
        image = render.png(shown.chart.to_dict(), size=PLAN_CHART_SIZE, growth=1.4)
        picture = slide.shapes.add_picture(io.BytesIO(image), Inches(0.5), Inches(1.15), width=Inches(7.6))
        picture._element.nvPicPr.cNvPr.set("descr", shown.description)
    _text(slide, "The action plan", Inches(8.4), Inches(1.15), Inches(4.4), Inches(0.5), 18, bold=True)
    _text(slide, "\n".join(f"• {line}" for line in shown.actions) or "No actions yet.", Inches(8.4), Inches(1.7),
          Inches(4.4), Inches(3.45), 12)
    _text(slide, shown.takeaway, Inches(0.5), Inches(5.25), Inches(12.3), Inches(1.5), 16)


def add_slide(presentation, shown: SlideContent, vintage: str) -> None:
    """One slide of the presentation for one slide of the deck."""
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY])
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.9)
    title.text = shown.title
    for paragraph in title.text_frame.paragraphs:
        paragraph.font.size = Pt(36)
        paragraph.font.bold = True
        paragraph.font.color.rgb = INK
        paragraph.font.name = render.APP_FAMILY
    if shown.slide.kind == "plan":
        _plan_body(slide, shown)
    else:
        _text(slide, shown.takeaway, Inches(0.5), Inches(1.1), Inches(12.3), Inches(0.8), 20)
    if shown.chart is not None and shown.slide.kind != "plan":
        image = render.png(render.untitled(shown.chart.to_dict()), size=CHART_SIZE, growth=1.4)
        picture = slide.shapes.add_picture(io.BytesIO(image), Inches(0.5), Inches(1.95), width=Inches(12.3))
        picture._element.nvPicPr.cNvPr.set("descr", shown.description)  # alt text, for screen readers
    elif shown.number:
        _text(slide, shown.number, Inches(0.5), Inches(2.2), Inches(7), Inches(2), 110, bold=True)
        if shown.change:
            _text(slide, shown.change, Inches(0.5), Inches(4.4), Inches(7), Inches(0.8), 32)
        if shown.status is not None:
            _text(slide, f"{shown.status.symbol} {shown.status.words}", Inches(7.8), Inches(2.9), Inches(5), Inches(1), 40,
                  bold=True)
    _text(slide, f"{shown.where} · Source: {shown.source} · Data as of {vintage}", Inches(0.5), Inches(6.85),
          Inches(12.3), Inches(0.5), 11, MUTED)
    slide.notes_slide.notes_text_frame.text = _notes(shown)


def deck_pptx(deck: Deck, db: str | None = None) -> bytes:
    """The deck as a .pptx file."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    presentation.core_properties.title = deck.name
    presentation.core_properties.author = "Backbone"
    loaded = slides.vintage(db)
    vintage = f"{loaded:%d %b %Y}" if loaded else "no data loaded"
    for shown in slides.deck_contents(deck, db):
        add_slide(presentation, shown, vintage)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
