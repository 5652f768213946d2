"""Present: a saved deck on a big screen, one chart or key number per slide; the deck and report card to take away.

Always the public (suppressed) figures, whoever presents: everything here is read through backbone.show.slides, which
reads only the public views.
"""

import pandas as pd
import streamlit as st

from backbone import config, ui
from backbone.errors import BackboneError
from backbone.show import deck_export, render, report_card, slides
from backbone.show.formatting import direction_words, md
from backbone.store import auth, database, queries

# No sign-in banner on a screen the room sees; every other page shows it.
user = ui.setup_page("Present", ":material/slideshow:", banner=False)
st.set_page_config(initial_sidebar_state="collapsed")

# A fixed style block of the app's own (no user text in it): no sidebar, header or chart toolbars while presenting,
# type readable from the back of a room, and a slide that fits the screen without scrolling. Sizes follow the screen's
# height (vh), so one slide fits 1280x720, 1366x768 and 1920x1080 alike: the chart takes what the words leave
# (SLIDE_WORDS_HEIGHT below), and the source line is cut to one line (the notes and the exports carry it whole).
st.html("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stElementToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 2vh; padding-bottom: 2rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { gap: 1.2vh; }
[data-testid="stMain"] h1 { font-size: clamp(1.6rem, 5.6vh, 3.4rem); line-height: 1.15; padding: 0; }
.stMarkdown p, .stMarkdown li { font-size: clamp(1rem, 2.6vh, 1.6rem); line-height: 1.35; color: #1A1A1A; }
.st-key-slide-where p { font-size: clamp(0.9rem, 2.2vh, 1.35rem); white-space: nowrap; overflow: hidden;
                        text-overflow: ellipsis; margin: 0; }
.st-key-slide-chart { flex: 0 0 auto !important; height: calc(100vh - 15.5rem - 13vh) !important; min-height: 220px; }
/* A plan slide: the curve beside the action plan, the story (three sentences) below, so the pair is shorter. */
.st-key-slide-plan { flex: 0 0 auto !important; height: calc(100vh - 15.5rem - 22vh) !important; min-height: 200px; }
.st-key-slide-plan [data-testid="stLayoutWrapper"], .st-key-slide-plan [data-testid="stHorizontalBlock"],
.st-key-slide-plan [data-testid="stColumn"],
.st-key-slide-plan [data-testid="stColumn"] > [data-testid="stVerticalBlock"] { height: 100%; }
.st-key-slide-plan [data-testid="stColumn"] { overflow: hidden; }
.st-key-slide-plan .stMarkdown p, .st-key-slide-plan .stMarkdown li { font-size: clamp(0.85rem, 2.2vh, 1.3rem);
                                                                        line-height: 1.3; }
.st-key-slide-takeaway p { font-size: clamp(1rem, 2.8vh, 1.7rem); margin-bottom: 0.2rem; }
.st-key-slide-hidden p { font-size: clamp(0.85rem, 2vh, 1.2rem); }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 1.1rem; color: #1A1A1A !important; }
[data-testid="stMetricValue"] { font-size: clamp(3rem, 15vh, 8rem); line-height: 1.1; }
[data-testid="stMetricLabel"] p { font-size: clamp(1rem, 2.8vh, 1.7rem); }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * { font-size: clamp(1.3rem, 4vh, 2.4rem); color: #1A1A1A !important; }
.st-key-slide-number h2 { font-size: clamp(1.4rem, 5vh, 2.6rem); }
</style>""")

db = config.db_path()


@st.cache_data(show_spinner=False, max_entries=256)
def _slide(db: str, version: tuple, key: str) -> tuple[slides.SlideContent, dict | None, dict | None]:
    """A slide's words, its big-type chart spec for the screen (the slide prints the title and source itself) and
    the chart as downloaded (carrying its title, place, unit, source and vintage); cached until the data change."""
    shown = slides.content(slides.Slide.from_key(key), db)
    download = shown.chart.to_dict() if shown.chart is not None else None
    # On screen the chart fills the height the slide leaves it ("container", resized by Streamlit's stretch height).
    screen = render.enlarge(render.untitled({**download, "height": "container"})) if download is not None else None
    if screen is not None:
        # A wide screen has room beside the chart, not below it: group legends go to the right, one per line.
        screen["config"]["legend"].update(orient="right", columns=1)
    shown.chart = None
    return shown, screen, download


@st.cache_data(show_spinner=False, max_entries=64)
def _choices(db: str, version: tuple) -> dict[str, str]:
    """Every slide a deck can hold: key -> label."""
    names = dict(zip(*[queries.metrics_catalog(db=db)[c] for c in ("metric_code", "name")], strict=True))
    return {s.key(): slides.slide_label(s, names) for s in slides.available_slides(db)}


def _go(index: int) -> None:
    st.query_params["slide"] = str(index)


decks = slides.list_decks(db)
if decks.empty and queries.data_freshness(db=db).demo_loaded.iloc[0]:
    # A store that took the demo before decks existed gets the demo's deck once it has none.
    slides.seed_demo_deck(db)
    decks = slides.list_decks(db)
if decks.empty:
    st.title("Present")
    ui.empty_state("No decks saved yet. A director builds one below, under 'Edit decks', from the community outcomes.")
    names: list[str] = []
else:
    names = decks.name.tolist()

deck_name = None
if names:
    if st.query_params.get("deck") not in names:
        st.query_params["deck"] = slides.DEMO_DECK if slides.DEMO_DECK in names else names[0]
    deck_name = st.query_params["deck"]
deck = slides.load_deck(deck_name, db) if deck_name else None

if deck is not None and deck.slides:
    total = len(deck.slides)
    try:
        index = min(max(int(st.query_params.get("slide", "1")), 1), total)
    except ValueError:
        index = 1
    version = database.data_version(db)
    shown, spec, download_spec = _slide(db, version, deck.slides[index - 1].key())

    st.title(md(shown.title))
    with st.container(key="slide-where"):
        st.markdown(f"{md(shown.where)} · Source: {md(shown.source)}")
    if shown.slide.kind == "number":
        with st.container(key="slide-number"):
            left, right = st.columns([3, 2], vertical_alignment="center")
            left.metric(f"{md(shown.number_label)} ({md(shown.latest_period)})", shown.number or "–", delta=shown.change,
                        delta_color="off", delta_arrow="off")
            if shown.status is not None:
                right.markdown(f"## {shown.status.symbol} {md(shown.status.words)}")
                right.markdown(md(direction_words(shown.direction).capitalize() + "."))
    elif shown.slide.kind == "plan":  # the curve beside the action plan; the story behind the curve below both
        with st.container(key="slide-plan"):
            left, right = st.columns([3, 2])
            if spec is not None:
                left.vega_lite_chart(spec=spec, theme=None, width="stretch", height="stretch", alt=shown.description,
                                     key=f"slide-{index}")
            right.markdown("**The action plan**")
            right.markdown("\n".join(f"- {md(line)}" for line in shown.actions) or "No actions yet.")
    elif spec is not None:
        with st.container(key="slide-chart"):
            st.vega_lite_chart(spec=spec, theme=None, width="stretch", height="stretch", alt=shown.description,
                               key=f"slide-{index}")
    with st.container(key="slide-takeaway"):
        st.markdown(f"**{md(shown.takeaway)}**")
        if shown.hidden:
            # On screen, who is missing; the notes (and the exports) say which years and why.
            who = sorted({line.split(", ")[0] for line in shown.hidden}) if shown.slide.kind in ("groups", "map") else []
            with st.container(key="slide-hidden"):
                st.markdown(f"Not shown in {len(shown.hidden)} places on this chart, to protect small numbers"
                            + (f": {md(', '.join(who))}" if who else "") + ". The speaker notes say which years and why.")

    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    back.button("Previous", icon=":material/arrow_back:", shortcut="Left", disabled=index <= 1, width="stretch",
                on_click=_go, args=(index - 1,), key="previous")
    where.markdown(f"Slide {index} of {total}", text_alignment="center")
    forward.button("Next", icon=":material/arrow_forward:", shortcut="Right", disabled=index >= total, width="stretch",
                   on_click=_go, args=(index + 1,), key="next")

    if st.toggle("Show speaker notes", key="notes"):
        with st.container(border=True):
            st.markdown(md(shown.notes))
            if shown.hidden:
                st.markdown("Not shown, to protect small numbers: " + md("; ".join(shown.hidden)) + ".")
            if len(shown.values):
                st.markdown("The values behind the chart: " + md(slides.values_text(shown)) + ".")

    with st.expander("Deck and downloads"):
        st.selectbox("Deck", names, key="deck-picker", index=names.index(deck.name),
                     on_change=lambda: (st.query_params.update(deck=st.session_state["deck-picker"], slide="1")))
        st.caption(f"{len(deck.slides)} slides · saved by {md(deck.saved_by)}"
                   + (f" on {pd.Timestamp(deck.saved_at):%d %b %Y}" if deck.saved_at else ""))
        slide = deck.slides[index - 1]
        base = f"{slide.metric_code}-{slide.kind}" + (f"-{slide.dimension}" if slide.dimension else "")
        cols = st.columns(4)
        if download_spec is not None:
            # The chart as it leaves the room: with its title, place, unit, source and the data's vintage on it.
            cols[0].download_button("This chart (PNG)", lambda: render.png(download_spec), f"{base}.png", "image/png",
                                    on_click="ignore", icon=":material/image:", width="stretch", key="png")
            cols[1].download_button("This chart (SVG)", lambda: render.svg(download_spec), f"{base}.svg", "image/svg+xml",
                                    on_click="ignore", icon=":material/image:", width="stretch", key="svg")
        cols[2].download_button("Download deck (.pptx)", lambda: deck_export.deck_pptx(deck, db),
                                deck_export.file_name(deck), deck_export.MIME, on_click="ignore",
                                icon=":material/slideshow:", width="stretch", key="pptx")
        cols[3].download_button("Report card (.pdf)", lambda: report_card.report_card_pdf(db), report_card.file_name(db),
                                "application/pdf", on_click="ignore", icon=":material/picture_as_pdf:", width="stretch",
                                key="pdf")
        st.caption("Every figure here is the public one: small numbers are hidden, whoever is presenting.")
        if auth.can(user, "edit"):
            st.toggle("Edit decks", key="editing", help="Directors: pick, order, name and save the slides of a deck.")

# The editor is drawn only when asked for (or when there is no deck yet), so a presentation carries no table.
if auth.can(user, "edit") and (deck is None or st.session_state.get("editing")):
    with st.container(border=True):
        st.subheader("Edit decks")
        choices = _choices(db, database.data_version(db))
        start = st.selectbox("Start from", ["(a new deck)", *names], key="edit-from")
        start_deck = slides.load_deck(start, db) if start in names else None
        name = st.text_input("Deck name", value=start_deck.name if start_deck else "", key=f"edit-name-{start}",
                             max_chars=120)
        picked = st.multiselect("Slides, in the order picked", list(choices), format_func=choices.get,
                                default=[s.key() for s in start_deck.slides if s.key() in choices] if start_deck else [],
                                key=f"edit-slides-{start}")
        order = st.data_editor(pd.DataFrame({"position": range(1, len(picked) + 1), "slide": [choices[k] for k in picked],
                                             "key": picked}),
                               column_config={"position": st.column_config.NumberColumn("Position", min_value=1, step=1),
                                              "slide": st.column_config.TextColumn("Slide", disabled=True),
                                              "key": None},
                               hide_index=True, width="stretch", key=f"edit-order-{start}-{len(picked)}")
        save, remove = st.columns(2)
        if save.button("Save deck", type="primary", icon=":material/save:", key="save-deck"):
            ordered = order.sort_values("position", kind="stable").key.tolist()
            try:
                saved = slides.save_deck(name, [slides.Slide.from_key(k) for k in ordered], user, db)
            except BackboneError as exc:
                st.error(md(str(exc)), icon=":material/error:")
            else:
                st.query_params.update(deck=saved.name, slide="1")
                st.success(f"Saved '{md(saved.name)}' with {len(saved.slides)} slides.", icon=":material/check:")
                st.rerun()
        if start_deck and remove.button("Delete this deck", icon=":material/delete:", key="delete-deck"):
            slides.delete_deck(start_deck.name, user, db)
            st.query_params.pop("deck", None)
            st.rerun()
