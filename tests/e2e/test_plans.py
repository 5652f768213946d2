"""A turn-the-curve plan in a real browser: a director writes the story and an action, the partner who owns the action
signs in and marks it done, and the Present deck's turn-the-curve slide shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from backbone.demo import load_demo
from backbone.store import auth, database
from tests.e2e.conftest import error_boxes, screenshot, sign_in_with_password, wait_for_app
from tests.e2e.server import ServerError, running_app

PASSWORD = "a long enough password"
DIRECTOR = "director@backbone.example.org"
PARTNER = "data@homevisiting.example.org"
STORY = ("Sleep-related deaths rose again last winter in the east-side neighbourhoods. Families there join home visiting "
         "late. Cribs ran short at two clinics. The table will look at preterm births next.")
ACTION = "Crib and safe-sleep visit within a week of birth"


@pytest.fixture(scope="module")
def plans_app(tmp_path_factory):
    """The demo (with its illustrative plans) and two local accounts: a director and the home-visiting partner."""
    tmp = tmp_path_factory.mktemp("plans")
    db = str(tmp / "database.duckdb")
    database.close_all()
    load_demo(db)
    auth.add_account(DIRECTOR, "director", None, PASSWORD, db)
    auth.add_account(PARTNER, "partner", "HOME_VISITING", PASSWORD, db)
    database.close_all()  # the server process must be the only one holding the file
    try:
        with running_app(tmp / "database.duckdb", tmp / "uploads", tmp / "server.log", demo=False) as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc))


def open_signed_in(page, url: str, email: str) -> None:
    sign_in_with_password(page, url, email, PASSWORD)


def pick(page, combobox, typed: str, option: str, attempts: int = 5) -> None:
    """Pick `option` in a select box by typing `typed` into it. Charts above the box are still being drawn just after a
    rerun and move it down the page, so a click can land where it was: try again until the box holds the pick."""
    for _ in range(attempts):
        combobox.scroll_into_view_if_needed()
        combobox.click()
        try:
            page.get_by_role("listbox").wait_for(timeout=2_000)
            combobox.type(typed)  # the list filters as one types
            page.get_by_role("option", name=option).click(timeout=2_000)
            expect(combobox).to_have_value(option, timeout=2_000)
            return
        except (PlaywrightError, AssertionError):  # a timeout, or the box redrawn under the click
            page.keyboard.press("Escape")
    raise AssertionError(f"could not pick {option!r} after {attempts} tries")


def test_a_director_plans_a_partner_acts_and_the_deck_shows_it(plans_app, browser):
    outcomes = f"{plans_app.url}/Outcomes?metric=Infant+mortality+rate"

    director = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    open_signed_in(director, outcomes, DIRECTOR)
    expect(director.get_by_role("heading", name="Turning the curve: the plan")).to_be_visible(timeout=30_000)
    director.get_by_text("Edit the plan", exact=True).click()
    story = director.get_by_role("textbox", name="The story behind the curve")
    story.fill(STORY)
    director.get_by_role("button", name="Save the story, partners and what works").click()
    wait_for_app(director)
    expect(director.get_by_text("Plan saved.")).to_be_visible()
    expect(director.get_by_text("Sleep-related deaths rose again last winter", exact=False).first).to_be_visible()

    director.get_by_text("Add an action", exact=True).click()
    director.get_by_role("textbox", name="Action", exact=True).fill(ACTION)
    owner = director.get_by_role("combobox", name="Owner")
    pick(director, owner, "Family Home Visiting", "Family Home Visiting Network")
    director.get_by_role("button", name="Add the action").click()
    wait_for_app(director)
    expect(director.get_by_text(f"'{ACTION}' added to the plan.")).to_be_visible()
    screenshot(director, "plan-director-wrote")
    assert error_boxes(director) == [], plans_app.log_tail()
    director.context.close()

    partner = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    open_signed_in(partner, outcomes, PARTNER)
    # the partner's own action carries the status buttons; it presses "done". (Streamlit skips laying out what is far
    # below the window, which hides its text from the locators: a window as tall as the page shows every card.)
    partner.set_viewport_size({"width": 1400, "height": 6000})
    partner.wait_for_timeout(300)
    card = (partner.locator('[data-testid="stVerticalBlock"]').filter(has_text=ACTION)
            .filter(has=partner.locator("button", has_text="● done")).last)
    card.locator("button", has_text="● done").click()
    wait_for_app(partner)
    expect(partner.get_by_text(f"'{ACTION}' is now done.")).to_be_visible(timeout=30_000)
    # the story is the directors': a partner gets no form for it
    expect(partner.get_by_role("button", name="Save the story, partners and what works")).to_have_count(0)
    screenshot(partner, "plan-partner-marked-done")
    assert error_boxes(partner) == [], plans_app.log_tail()

    partner.goto(f"{plans_app.url}/Present?deck=Turn-the-curve+convening&slide=1")
    wait_for_app(partner)
    partner.locator("h1").first.wait_for()
    if partner.locator("h1").first.inner_text().startswith("Sign in to Backbone"):  # a typed URL is a new session
        partner.get_by_role("textbox", name="Email").fill(PARTNER)
        partner.get_by_role("textbox", name="Password").fill(PASSWORD)
        partner.get_by_role("button", name="Sign in").click()
        wait_for_app(partner)
    partner.set_viewport_size({"width": 1600, "height": 900})
    # (a first plan slide may take a while on a busy machine: the page reruns once the window is resized)
    expect(partner.get_by_role("heading", name="Turning the curve: Infant mortality rate", exact=True)).to_be_visible(
        timeout=30_000)
    expect(partner.get_by_text("The action plan", exact=True)).to_be_visible()
    expect(partner.get_by_text(f"{ACTION}: Family Home Visiting Network, done", exact=False)).to_be_visible()
    expect(partner.get_by_text("Sleep-related deaths rose again last winter in the east-side neighbourhoods. Families "
                               "there join home visiting late. Cribs ran short at two clinics.", exact=False)).to_be_visible()
    expect(partner.get_by_text("The table will look at preterm births next.", exact=False)).to_have_count(0)  # 3 sentences
    partner.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
    assert partner.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').count() == 0
    screenshot(partner, "present-turn-the-curve-slide")
    assert error_boxes(partner) == [], plans_app.log_tail()
    partner.context.close()
