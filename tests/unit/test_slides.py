"""Decks: saved by name in the store, directors only; the demo deck; what each slide says, from public figures only."""

from __future__ import annotations

from datetime import datetime

import pytest

from backbone.errors import BackboneError
from backbone.show import render, slides
from backbone.show.slides import Slide
from backbone.store.auth import LOCAL_DIRECTOR, PermissionDenied, User

VIEWER = User("board@example.org", "viewer")
PARTNER = User("ky@district.example.org", "partner", "COUNTY_SCHOOLS_KY")



def test_the_demo_ships_the_annual_community_dashboard_deck(demo_db):
    deck = slides.load_deck(slides.DEMO_DECK, demo_db)
    assert deck is not None and deck.saved_by == slides.DEMO_SAVED_BY
    curves = [s.metric_code for s in deck.slides if s.kind == "curve"]
    assert sorted(curves) == sorted(["grad_rate_4yr", "elevated_blood_lead", "hs_completion", "infant_mortality",
                                     "kindergarten_readiness", "teen_birth_rate"])  # one per community outcome
    assert deck.slides[-2:] == [Slide("number", "grad_rate_4yr", "Community"),
                                Slide("groups", "grad_rate_4yr", "Community", "Race/ethnicity")]
    # Baltimore publishes no city-wide value: those curves are the median neighbourhood's.
    assert Slide("curve", "infant_mortality", "Median of places") in deck.slides
    assert slides.seed_demo_deck(demo_db) is False  # once


def test_decks_are_saved_by_name_and_a_second_save_replaces_the_first(demo_db):
    first = [Slide("curve", "teen_birth_rate", "Median of places")]
    second = [Slide("number", "grad_rate_4yr"), Slide("curve", "grad_rate_4yr")]
    slides.save_deck("  Board   meeting ", first, LOCAL_DIRECTOR, demo_db, now=datetime(2026, 3, 1))
    slides.save_deck("Board meeting", second, LOCAL_DIRECTOR, demo_db, now=datetime(2026, 3, 2))
    deck = slides.load_deck("Board meeting", demo_db)
    assert deck.slides == second and deck.saved_by == "local director" and deck.saved_at == datetime(2026, 3, 2)
    listed = slides.list_decks(demo_db)
    assert listed[listed.name == "Board meeting"].slides.tolist() == [2]
    slides.delete_deck("Board meeting", LOCAL_DIRECTOR, demo_db)
    assert slides.load_deck("Board meeting", demo_db) is None


@pytest.mark.parametrize("user", [VIEWER, PARTNER])
def test_only_directors_save_or_delete_decks(demo_db, user):
    with pytest.raises(PermissionDenied):
        slides.save_deck("Mine", [Slide("curve", "grad_rate_4yr")], user, demo_db)
    with pytest.raises(PermissionDenied):
        slides.delete_deck(slides.DEMO_DECK, user, demo_db)
    assert slides.load_deck(slides.DEMO_DECK, demo_db) is not None


def test_a_deck_needs_a_name_and_slides_and_slides_are_well_formed(demo_db):
    with pytest.raises(BackboneError, match="name"):
        slides.save_deck("  ", [Slide("curve", "grad_rate_4yr")], LOCAL_DIRECTOR, demo_db)
    with pytest.raises(BackboneError, match="at least one slide"):
        slides.save_deck("Empty", [], LOCAL_DIRECTOR, demo_db)
    with pytest.raises(BackboneError):
        Slide("pie", "grad_rate_4yr")
    with pytest.raises(BackboneError, match="dimension"):
        Slide("groups", "grad_rate_4yr")
    slide = Slide("groups", "grad_rate_4yr", "Community", "Race/ethnicity")
    assert Slide.from_key(slide.key()) == slide


def test_available_slides_cover_each_outcome_and_its_breakdowns(demo_db):
    available = slides.available_slides(demo_db)
    assert Slide("groups", "grad_rate_4yr", "Community", "Gender") in available
    assert {s.metric_code for s in available if s.kind == "number"} >= {"grad_rate_4yr", "teen_birth_rate"}


def test_a_curve_slide_says_what_happened_in_one_sentence_with_the_notes_behind_it(demo_db):
    shown = slides.content(Slide("curve", "grad_rate_4yr", "Community"), demo_db)
    assert shown.title == "4-year graduation rate"
    assert shown.takeaway == "4-year graduation rate was 83.5% in 2019-20: better since the baseline (76.5% in 2013)."
    assert shown.takeaway.count(". ") == 0  # one sentence
    assert "The story behind the curve: 2012-13 came in a different file layout" in shown.notes
    assert "If nothing changes" in shown.notes  # story.curve_sentence
    assert shown.source.startswith("Kentucky Department of Education")
    assert shown.chart is not None and shown.description
    assert list(shown.values.columns) == ["Period", "Value"]  # the table alternative
    assert slides.values_text(shown).startswith("2012-13: 76.5%; ")


def test_a_key_number_slide_gives_the_change_and_status_in_words(demo_db):
    shown = slides.content(Slide("number", "grad_rate_4yr", "Community"), demo_db)
    assert (shown.number, shown.change, shown.status.words) == ("83.5%", "+7.0 points since 2013", "Better")
    assert shown.chart is None and "83.5%" in shown.description


def test_a_by_group_slide_reads_the_public_figures_and_says_what_was_hidden(demo_db):
    shown = slides.content(Slide("groups", "grad_rate_4yr", "Community", "Race/ethnicity"), demo_db)
    spec = shown.chart.to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    assert not [r for r in rows if r["group_value"] == "American Indian or Alaska Native" and r["period_label"] == "2017-18"]
    assert any(h.startswith("American Indian or Alaska Native, 2017-18") for h in shown.hidden)
    assert "widest gap" in shown.takeaway
    hidden_value = shown.values[(shown.values.Group == "American Indian or Alaska Native") & (shown.values.Period == "2017-18")]
    assert hidden_value.Value.tolist() != ["71.4%"]  # the table alternative hides it too
    assert "71.4" not in slides.values_text(shown)
    assert "2019-20 Asian: 94.6%" in slides.values_text(shown)


def test_slides_are_enlarged_for_the_back_of_the_room(demo_db):
    shown = slides.content(Slide("curve", "grad_rate_4yr", "Community"), demo_db)
    big = render.enlarge(shown.chart.to_dict())
    assert big["config"]["axis"]["labelFontSize"] >= 22 and big["config"]["axis"]["titleFontSize"] >= 22
    sizes = []

    def walk(node):
        if isinstance(node, dict):
            sizes.extend(v for k, v in node.items() if k in ("labelFontSize", "titleFontSize", "fontSize"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(big)
    assert sizes and min(sizes) >= 20


# --- turn-the-curve plans ---------------------------------------------------------------------------------------------

def test_a_plan_slide_shows_the_curve_the_story_in_three_sentences_and_the_top_actions(demo_db):
    shown = slides.content(Slide("plan", "infant_mortality", "Median of places"), demo_db)
    assert shown.title == "Turning the curve: Infant mortality rate"
    assert shown.where.endswith("Illustrative plan (made up for the demo)")
    assert shown.chart is not None and shown.description.startswith("Turn-the-curve chart of Infant mortality rate")
    assert shown.takeaway.startswith("The typical neighbourhood's infant mortality has edged down")
    assert shown.takeaway.count(". ") == 2  # three sentences
    # under way first, then the most recently due of those done; five at most
    assert shown.actions[0] == ("Share the infant-death reviews with home visitors every quarter: City Health Department, "
                                "under way (due 31 Dec 2025)")
    assert shown.actions[1] == "Group prenatal care at two clinics: City Health Department, done (due 30 Jun 2025)"
    assert len(shown.actions) == slides.TOP_ACTIONS
    assert "What works: Nurse home visiting" in shown.notes and "Partners with a role to play: Backbone Team" in shown.notes
    assert "(Four clinics refer at the first visit)" in shown.notes  # every action, with its note, for the speaker


def test_a_plan_slide_follows_the_plan_and_an_outcome_without_one_says_so(demo_db):
    from backbone.store.plans import PlanKey, get_plan, save_actions

    plan = get_plan(PlanKey("kindergarten_readiness"), db=demo_db)
    nudges = next(a for a in plan.actions if a.title.startswith("Attendance text nudges"))
    save_actions(plan.key, [nudges], [slides.plans.Action(**{**nudges.__dict__, "status": "done"})], user=LOCAL_DIRECTOR,
                 db=demo_db)
    shown = slides.content(Slide("plan", "kindergarten_readiness", "Median of places"), demo_db)
    assert ("Attendance text nudges for families of pre-K and kindergarten children: City Public Schools, done "
            "(due 31 Mar 2027)") == shown.actions[0]
    assert not [line for line in shown.actions if line.startswith("Family literacy nights")]  # dropped: not on the slide
    none = slides.content(Slide("plan", "teen_birth_rate", "Median of places"), demo_db)
    assert none.takeaway == "No turn-the-curve plan for Teen birth rate (everyone) yet." and none.chart is None


def test_plan_slides_are_offered_and_the_demo_ships_a_convening_deck(demo_db):
    deck = slides.load_deck(slides.PLAN_DECK, demo_db)
    assert deck.slides == [Slide("plan", "infant_mortality", "Median of places"),
                           Slide("plan", "kindergarten_readiness", "Median of places")]
    assert set(deck.slides) <= set(slides.available_slides(demo_db))
    equity = Slide("plan", "grad_rate_4yr", "Community", "Race/ethnicity", "African American")
    assert Slide.from_key(equity.key()) == equity and equity.key().count("|") == 4
    assert Slide.from_key("curve|grad_rate_4yr|Community|") == Slide("curve", "grad_rate_4yr")  # saved keys still read
    with pytest.raises(BackboneError, match="names its dimension and its group"):
        Slide("plan", "grad_rate_4yr", "Community", "Race/ethnicity")
    with pytest.raises(BackboneError):
        Slide("curve", "grad_rate_4yr", "Community", None, "African American")
def test_a_curve_of_two_years_says_there_is_no_forecast_yet(demo_db):
    shown = slides.content(Slide("curve", "kindergarten_readiness", "Median of places"), demo_db)
    assert shown.takeaway.endswith("Not enough data yet for a forecast.")
    assert "Not enough data yet for a forecast: 2 periods of data" in shown.notes
    assert "Trend and forecast" not in str(shown.chart.to_dict())


def test_a_median_place_curve_keeps_the_range_of_places_and_a_zero_median_is_explained(demo_db):
    teen = slides.content(Slide("curve", "teen_birth_rate", "Median of places"), demo_db).chart.to_dict()
    assert "Range of places" in str(teen)
    lead = slides.content(Slide("curve", "elevated_blood_lead", "Median of places"), demo_db)
    assert lead.takeaway.startswith("The median neighbourhood is 0.0% in every year")
    assert lead.status.words == "Better"  # 9 of 55 neighbourhoods above 0 in 2010, 3 of 52 in 2019
    number = slides.content(Slide("number", "elevated_blood_lead", "Median of places"), demo_db)
    assert (number.number, number.number_label, number.change) == ("6%", "Neighbourhoods above 0.0%", "−10.6 points since 2010")
