"""axe-core over every page of the app as each role sees it (director, partner, viewer): no serious or critical
WCAG 2.1 A/AA violation. (The published site has its own audit in test_published_site.py.)"""

from __future__ import annotations

import pytest

from backbone import ui
from backbone.demo import load_demo
from backbone.store import auth, database
from backbone.store.auth import User
from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import sign_in_with_password, wait_for_app
from tests.e2e.server import ServerError, running_app

PASSWORD = "a long enough password"
PEOPLE = {
    "director": User("director@backbone.example.org", "director"),
    "partner": User("ky@district.example.org", "partner", "COUNTY_SCHOOLS_KY"),
    "viewer": User("board@example.org", "viewer"),
}


@pytest.fixture(scope="module")
def accounts_app(tmp_path_factory):
    """The demo with a director, a partner and a viewer account (sign-in on), on its own port."""
    tmp = tmp_path_factory.mktemp("accessibility")
    db = str(tmp / "database.duckdb")
    database.close_all()
    load_demo(db)
    for person in PEOPLE.values():
        auth.add_account(person.email, person.role, person.partner_code, PASSWORD, db)
    database.close_all()
    try:
        with running_app(tmp / "database.duckdb", tmp / "uploads", tmp / "server.log", demo=False) as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc))


def pages_for(person: User) -> list[str]:
    """The sidebar labels of the pages this person may open."""
    return [label for _path, label, _icon, needs in ui.PAGES if needs is None or auth.can(person, needs)]


@pytest.mark.parametrize("role", list(PEOPLE))
def test_axe_finds_no_serious_or_critical_violation_on_any_app_page(browser, accounts_app, role):
    person = PEOPLE[role]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_with_password(page, accounts_app.url, person.email, PASSWORD)
        found, audited = {}, []
        for label in pages_for(person):
            page.locator('[data-testid="stSidebar"]').get_by_role("link", name=label).click()
            wait_for_app(page)
            page.wait_for_timeout(500)  # charts draw after the script run ends
            audited.append(page.locator("h1").first.inner_text())
            problems = serious_violations(page)
            if problems:
                found[label] = problems
        assert len(audited) == len(pages_for(person))
        assert found == {}, f"{role}: {found}"
    finally:
        context.close()
