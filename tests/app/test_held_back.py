"""Data and history lists the tables held back from the public (store/holdback.py) to directors, with the reason;
partners do not see the list (their dashboard shows the figures as last published). A partner whose upload is held
back is told so on the Upload page, before and after it loads."""

from __future__ import annotations

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import auth, database
from backbone.store.auth import User
from tests.app.conftest import plain
from tests.app.test_pages import XLSX, button
from tests.app.test_roles import PASSWORD, open_as
from tests.unit.test_holdback import SERVED, schools_1993
from tests.workbooks import data_workbook, small_catalog

DIRECTOR = User("dee@backbone.example.org", "director")
PARTNER = User("bo@clinic.example.org", "partner", "CLINIC")
HEADING = "Held back from the public"


HELD = ("Children served, 1993: the new figures are held back from the public because, set beside the figures already "
        "published, they would reveal a small number; the previous figures stay public.")


def store_with_schools(db: str, tmp_path) -> None:
    """The small catalog, a director's and the clinic's accounts, and the schools' 1993 children (see test_holdback)."""
    assert load_catalog_workbook(small_catalog(tmp_path / "catalog.xlsx"), db=db).errors == []
    for user in (DIRECTOR, PARTNER):
        auth.add_account(user.email, user.role, user.partner_code, PASSWORD, db)
    assert ingest_file(data_workbook(tmp_path / "schools.xlsx", schools_1993(9)), "SCHOOLS", db=db).status == "loaded"


def held_notes(at) -> list[str]:
    return [plain(i.value) for i in at.info if "held back" in i.value]


def test_a_partner_is_told_on_the_upload_page_that_its_figures_are_held_back(empty_store, tmp_path):
    store_with_schools(empty_store, tmp_path)
    database.close_all()
    clinic = data_workbook(tmp_path / "clinic.xlsx", [[SERVED, 1993, "Place 1", None, None, 10]]).read_bytes()
    at = open_as(PARTNER, "pages/5_Upload.py")
    at.file_uploader(key="workbook").set_value(("clinic.xlsx", clinic, XLSX)).run()
    assert not at.exception
    assert held_notes(at) == [HELD]  # in what it would change on the dashboard: nothing
    button(at, "Load 1 value").click().run()
    assert not at.exception
    assert held_notes(at) == [HELD]  # and once loaded
    assert len(database.query("SELECT * FROM held_back", path=empty_store)) == 1


def test_data_and_history_shows_a_director_the_held_back_table_and_why_and_a_partner_nothing(empty_store, tmp_path):
    db = empty_store
    store_with_schools(db, tmp_path)
    clinic = [[SERVED, 1993, "Place 1", None, None, 10]]
    assert ingest_file(data_workbook(tmp_path / "clinic.xlsx", clinic), "CLINIC", db=db).status == "loaded"
    database.close_all()

    at = open_as(DIRECTOR, "pages/6_Data_and_history.py")
    assert HEADING in [s.value for s in at.subheader]
    held = [plain(w.value) for w in at.warning if "held back" in w.value]
    assert len(held) == 1
    assert held[0].startswith(HELD)
    assert "could otherwise be worked out" in held[0]
    # A partner's page has no list: the dashboard it sees shows the figures as last published.
    partner = open_as(PARTNER, "pages/6_Data_and_history.py")
    assert HEADING not in [s.value for s in partner.subheader]
    assert not [w.value for w in partner.warning if "held back" in w.value]
