"""The Present page through AppTest: the demo deck slide by slide, always the public figures, no tables on screen."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from backbone.show import slides
from backbone.store import auth, database
from backbone.store.auth import User
from tests.app.conftest import APP, TIMEOUT_S, chart_rows, charts, plain

PRESENT = "pages/7_Present.py"
DIRECTOR = User("director@backbone.example.org", "director")
VIEWER = User("board@example.org", "viewer")
DEMO_TITLES = ["4-year graduation rate", "Children with elevated blood lead", "High school completion rate",
               "Infant mortality rate", "Kindergarten readiness", "Teen birth rate", "Teen birth rate by neighbourhood",
               "4-year graduation rate", "4-year graduation rate by race/ethnicity"]
LAST = len(DEMO_TITLES)


@pytest.fixture
def accounts_demo_store(writable_demo_store):
    """The demo with local accounts, so sign-in is on and roles apply."""
    for user in (VIEWER, DIRECTOR):
        auth.add_account(user.email, user.role, None, "a long enough password", writable_demo_store)
    database.close_all()
    return writable_demo_store


def open_present(user: User | None = None, query_params: dict | None = None, small_numbers: bool = False) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    if user is not None:
        at.session_state["user"] = user
    at.session_state["show-small-numbers"] = small_numbers
    at.run()
    at.switch_page(PRESENT)
    at.query_params.update(query_params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_demo_deck_pages_forward_and_back_with_the_slide_in_the_url(demo_store):
    at = open_present()
    seen = [plain(at.title[0].value)]
    assert f"Slide 1 of {LAST}" in [plain(m.value) for m in at.markdown if "Slide" in m.value][0]
    assert button(at, "Previous").disabled
    for _ in range(LAST - 1):
        button(at, "Next").click().run()
        assert not at.exception
        seen.append(plain(at.title[0].value))
    assert seen == DEMO_TITLES
    assert at.query_params["slide"] == str(LAST)
    assert button(at, "Next").disabled
    button(at, "Previous").click().run()
    assert plain(at.title[0].value) == "4-year graduation rate"
    assert at.query_params["slide"] == str(LAST - 1)
    # The key-number slide: the number, its change and the status in words (not colour alone).
    assert at.metric[0].value == "83.5%"
    assert "since 2013" in at.metric[0].delta
    assert any("Better" in m.value for m in at.markdown)


def test_a_reload_opens_the_slide_in_the_url(demo_store):
    at = open_present(query_params={"deck": slides.DEMO_DECK, "slide": str(LAST)})
    assert plain(at.title[0].value) == "4-year graduation rate by race/ethnicity"
    assert len(charts(at)) == 1


def test_keyboard_shortcuts_are_left_and_right(demo_store):
    at = open_present()
    assert button(at, "Next").proto.shortcut == "right"
    assert button(at, "Previous").proto.shortcut == "left"


@pytest.mark.parametrize("user", [VIEWER, DIRECTOR], ids=["presenter", "director"])
def test_suppressed_cells_never_reach_the_screen_whoever_presents(accounts_demo_store, user):
    # A director with "Show small numbers" on still presents the public figures.
    at = open_present(user, {"deck": slides.DEMO_DECK, "slide": str(LAST)}, small_numbers=True)
    rows = next(f for f in chart_rows(charts(at)[0]) if {"group_value", "value"} <= set(f.columns))
    hidden = rows[(rows.group_value == "American Indian or Alaska Native") & (rows.period_label == "2017-18")]
    assert hidden.empty  # public: 71.4% on 7 students is hidden
    assert any("to protect small numbers: American Indian or Alaska Native" in plain(m.value) for m in at.markdown)
    at.toggle(key="notes").set_value(True).run()
    assert any("American Indian or Alaska Native, 2017-18: fewer than 11 people" in plain(m.value) for m in at.markdown)


def test_no_tables_and_every_chart_has_a_text_alternative(accounts_demo_store):
    at = open_present(VIEWER)
    for index in range(1, LAST + 1):
        at.query_params["slide"] = str(index)
        at.run()
        assert not at.exception
        assert not at.dataframe and not at.table and not at.get("arrow_data_frame")
        for chart in charts(at):
            assert chart.proto.alt
    # A presenter sees no deck editor; the downloads are there.
    assert not [t for t in at.toggle if t.label == "Edit decks"]
    labels = [b.label for b in at.get("download_button")]
    assert "Download deck (.pptx)" in labels and "Report card (.pdf)" in labels


def test_a_director_builds_and_saves_a_deck(writable_demo_store):
    at = open_present()
    assert not at.get("arrow_data_frame") and not at.dataframe  # presenting: no editor table until asked for
    at.toggle(key="editing").set_value(True).run()
    at.text_input(key="edit-name-(a new deck)").input("Board, March")
    wanted = slides.available_slides(writable_demo_store)[:2]
    at.multiselect(key="edit-slides-(a new deck)").set_value([wanted[1].key(), wanted[0].key()]).run()
    assert not at.exception
    button(at, "Save deck").click().run()
    assert not at.exception, [e.value for e in at.exception]
    deck = slides.load_deck("Board, March", writable_demo_store)
    assert deck is not None and deck.slides == [wanted[1], wanted[0]]  # in the order picked
    assert deck.saved_by == "local director"
    assert at.query_params["deck"] == "Board, March"


def test_an_empty_store_says_what_to_do(empty_store):
    at = open_present()
    assert any("No decks saved yet" in plain(i.value) for i in at.info)
    assert not charts(at)


def test_a_demo_store_from_before_decks_gets_the_demo_deck(writable_demo_store):
    for name in slides.list_decks(writable_demo_store).name:  # a store from before decks has none (nor the plans' deck)
        slides.delete_deck(name, None, writable_demo_store)
    database.close_all()
    at = open_present()
    assert plain(at.title[0].value) == "4-year graduation rate"
    assert slides.load_deck(slides.DEMO_DECK, writable_demo_store) is not None
