"""The annual report card as PDF (fpdf2): a frozen snapshot of the community outcomes, public figures only.

Page 1 sums up how many outcomes got better, worse or did not really change, with each one's latest value; then one
page per community outcome: its turn-the-curve chart, the takeaway, the values (the chart's table alternative), what
was hidden to protect small numbers, the source and the story behind the curve; after it, a page per breakdown of
that outcome (by race/ethnicity, by income...): each group's line and each group's gap to the best-off group; then
one page per turn-the-curve plan (the five questions answered: curve, story, partners, what works, the action plan).
Every page prints the data's vintage (the latest load) and the date it was printed, so this year's card can be laid
beside last year's.
"""

from __future__ import annotations

import io
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backbone.show import charts, render, slides
from backbone.show.formatting import number, status
from backbone.show.story import median_is_always_zero, zero_median_summary
from backbone.store import plans, queries
from backbone.vocab import ACTION_STATUSES

TITLE = "Annual community report card"
ORDER = ["better", "worse", "no real change", "not enough data"]
CHART_SIZE = (1000, 480)
PLAN_CHART_SIZE = (1000, 380)
GROUP_CHART_SIZE = (1000, 400)
GAP_CHART_SIZE = (1000, 330)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


class _Card(FPDF):
    def __init__(self, vintage: str, printed: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.vintage, self.printed = vintage, printed
        fonts = render.app_fonts()
        if fonts:
            self.add_font("App", "", str(fonts["Regular"]))
            self.add_font("App", "B", str(fonts["Bold"]))
            self.family_name, self.unicode = "App", True
        else:  # no app font: the PDF core font, which knows Latin-1 only
            self.family_name, self.unicode = "Helvetica", False
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(18, 16, 18)
        self.set_text_color(*_rgb(charts.INK))

    def text_of(self, text: object) -> str:
        text = "" if text is None else str(text)
        if self.unicode:
            return text
        return text.replace("–", "-").replace("−", "-").replace("·", "-").encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def para(self, text: object, size: float = 11, bold: bool = False, height: float | None = None, colour: str = charts.INK) -> None:
        self.font(size, bold)
        self.set_text_color(*_rgb(colour))
        self.multi_cell(0, height or size * 0.5, self.text_of(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*_rgb(charts.INK))

    def header(self) -> None:
        self.font(9)
        self.set_text_color(*_rgb(charts.MUTED))
        self.cell(0, 5, self.text_of(f"{TITLE} · Backbone"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*_rgb(charts.INK))
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.font(9)
        self.set_text_color(*_rgb(charts.MUTED))
        self.cell(0, 5, self.text_of(f"Data as of {self.vintage} · Printed {self.printed} · Page {self.page_no()} of {{nb}}"),
                  align="C")
        self.set_text_color(*_rgb(charts.INK))


def file_name(db: str | None = None, now: datetime | None = None) -> str:
    """'report-card-2026-11-22.pdf' (the printing date: one file per year sits beside the last)."""
    return f"report-card-{(now or datetime.now()):%Y-%m-%d}.pdf"


def _headline_status(row, db: str | None) -> tuple[str, str]:
    """(status, latest value in words) of an outcome as its page shows it: for a median that is 0 every year, the share
    of places above 0 (slides.content says the same)."""
    spread = queries.place_spread(row.metric_code, public=True, db=db) if row.geography == "Median of places" else None
    if median_is_always_zero(spread):
        summary = zero_median_summary(spread, row.unit, row.direction)
        return summary.status, f"{summary.latest_text} in {summary.latest_period}"
    where = "whole community" if row.geography == "Community" else "median neighbourhood"
    return row.status, f"{number(row.latest_value, row.unit)} in {row.latest_period} ({where})"


def _summary(card: _Card, trends, db: str | None) -> None:
    latest = trends.groupby("metric_code", sort=False).tail(1)
    headlines = {row.metric_code: _headline_status(row, db) for row in latest.itertuples()}
    counts = latest.metric_code.map(lambda code: headlines[code][0]).value_counts()
    card.para(TITLE, 24, bold=True, height=11)
    card.para(f"Data as of {card.vintage}. Printed {card.printed}.", 12)
    card.ln(3)
    card.para(f"{len(latest)} community outcomes. Since each one's baseline:", 13, bold=True)
    for key in ORDER:
        shown = status(key)
        card.para(f"{shown.symbol} {shown.words}: {int(counts.get(key, 0))}", 13, colour=shown.colour)
    card.ln(3)
    card.para("A change within 5% of the baseline is 'no real change'. Small numbers are hidden throughout.", 10)
    card.ln(4)
    for row in latest.itertuples():
        state, latest_words = headlines[row.metric_code]
        shown = status(state)
        card.para(row.metric_name, 12, bold=True, height=6)
        card.para(f"{latest_words} · {shown.symbol} {shown.words}", 11, height=5.5)
        card.ln(1.5)


def _page_top(card: _Card, shown: slides.SlideContent) -> None:
    """A new page with the slide's title, where it is about, and its takeaway."""
    card.add_page()
    card.para(shown.title, 20, bold=True, height=9)
    card.para(shown.where, 10, colour=charts.MUTED)
    card.ln(1)
    card.para(shown.takeaway, 12, height=6)


def _outcome_page(card: _Card, shown: slides.SlideContent) -> None:
    _page_top(card, shown)
    if shown.chart is not None:
        _chart(card, shown.chart, CHART_SIZE, shown.description)
    card.ln(2)
    if len(shown.values):
        card.para("Values: " + slides.values_text(shown) + ".", 9, height=4.5)
    if shown.hidden:
        card.para("Not shown, to protect small numbers: " + "; ".join(shown.hidden) + ".", 9, height=4.5)
    card.ln(1)
    card.para(shown.notes, 10, height=5)
    card.ln(1)
    card.para(f"Source: {shown.source}", 9, height=4.5, colour=charts.MUTED)


def _chart(card: _Card, chart, size: tuple[int, int], description: str) -> None:
    """A chart the page width across (its own title left off: the page prints it), with its text alternative."""
    image = render.png(render.untitled(chart.to_dict()), size=size, growth=1.25)
    card.image(io.BytesIO(image), x=card.l_margin, w=card.epw, alt_text=card.text_of(description))


def _group_page(card: _Card, shown: slides.SlideContent, gaps) -> None:
    """One breakdown of an outcome: each group's line, then each group's gap to the best-off group, with the values."""
    slide = shown.slide
    _page_top(card, shown)
    if shown.chart is not None:
        _chart(card, shown.chart, GROUP_CHART_SIZE, shown.description)
        if len(gaps):
            card.para("The gap: each group's distance behind the best-off group (0 is no gap; a line falling toward 0 "
                      "is a gap closing).", 10, height=5)
            _chart(card, charts.equity_gap(gaps, shown.unit, slide.dimension), GAP_CHART_SIZE,
                   f"Gap between each {slide.dimension} group and the best-off group over time.")
    card.ln(1)
    if len(shown.values):
        card.para("Values: " + slides.values_text(shown) + ".", 8, height=4)
    if shown.hidden:
        card.para("Not shown, to protect small numbers: " + "; ".join(shown.hidden) + ".", 8, height=4)
    card.para(f"Source: {shown.source}", 9, height=4.5, colour=charts.MUTED)


def _plan_page(card: _Card, shown: slides.SlideContent, names: dict[str, str], measures: dict[str, str]) -> None:
    """One turn-the-curve plan: the curve, the story behind it, the partners, what works, every action."""
    plan = shown.plan
    card.add_page()
    card.para(shown.title, 20, bold=True, height=9)
    card.para(shown.where, 10, colour=charts.MUTED)
    if shown.chart is not None:
        _chart(card, shown.chart, PLAN_CHART_SIZE, shown.description)
    sections = [
        ("The story behind the curve", plan.story or "Not written yet."),
        ("Partners with a role to play", "; ".join(names.get(r.partner_code, r.partner_code)
                                                   + (f" ({r.brings})" if r.brings else "") for r in plan.roles)
         or "None named yet."),
        ("What works", plan.what_works or "Not written yet."),
    ]
    for heading, text in sections:
        card.ln(1.5)
        card.para(heading, 12, bold=True, height=6)
        card.para(text, 10, height=5)
    card.ln(1.5)
    card.para("The action plan", 12, bold=True, height=6)
    accepted = [a for a in plan.actions if not a.proposed]
    for action in accepted:
        dates = " to ".join(f"{day:%d %b %Y}" for day in (action.start_date, action.due_date) if day)
        card.para(f"{action.title}", 10, bold=True, height=5)
        card.para(f"{names.get(action.owner_code, action.owner_code)} · {ACTION_STATUSES[action.status]}"
                  + (f" · {dates}" if dates else "")
                  + (f" · measured by {', '.join(measures.get(c, c) for c in action.measure_codes)}" if action.measure_codes else "")
                  + (f". {action.note}" if action.note else ""), 9, height=4.5)
    if not accepted:
        card.para("No actions yet.", 10, height=5)
    card.ln(1)
    last = max([plan.changed_at, *(a.changed_at for a in plan.actions)])
    card.para(f"Plan started {plan.started_at:%d %b %Y}; last changed {last:%d %b %Y}.", 9, height=4.5, colour=charts.MUTED)


def report_card_pdf(db: str | None = None, now: datetime | None = None) -> bytes:
    """The report card as PDF bytes."""
    now = now or datetime.now()
    loaded = slides.vintage(db)
    card = _Card(f"{loaded:%d %b %Y}" if loaded else "no data loaded", f"{now:%d %b %Y}")
    card.set_title(TITLE)
    card.set_author("Backbone")
    card.set_creation_date(now)
    card.add_page()
    trends = queries.headline_trends("community_outcome", public=True, db=db)
    if trends.empty:
        card.para(TITLE, 24, bold=True, height=11)
        card.para("No community outcomes have data yet.", 12)
        return bytes(card.output())
    _summary(card, trends, db)
    for code, series in trends.groupby("metric_code", sort=False):
        place = series.geography.iloc[0]
        _outcome_page(card, slides.content(slides.Slide("curve", code, place), db))
        for dimension in queries.dimensions(code, place, public=True, db=db):
            gaps = queries.equity(code, place, dimension, public=True, db=db)
            if gaps.group_value.nunique() >= 2:  # a breakdown with one group has no gap to show
                _group_page(card, slides.content(slides.Slide("groups", code, place, dimension), db), gaps)
    names, measures = plans.partner_names(db), plans.performance_measures(db)
    for slide in slides.plan_slides(db):
        _plan_page(card, slides.content(slide, db), names, measures)
    return bytes(card.output())
