"""Data and history lists the tables held back from the public (store/holdback.py) to directors, with the reason;
partners do not see the list (their dashboard shows the figures as last published)."""

from __future__ import annotations

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import auth, database
from backbone.store.auth import User
from tests.app.conftest import plain
from tests.app.test_roles import PASSWORD, open_as
from tests.unit.test_holdback import SERVED, schools_1993
from tests.workbooks import data_workbook, small_catalog

DIRECTOR = User("dee@backbone.example.org", "director")
PARTNER = User("bo@clinic.example.org", "partner", "CLINIC")
HEADING = "Held back from the public"


def test_data_and_history_shows_a_director_the_held_back_table_and_why_and_a_partner_nothing(empty_store, tmp_path):
    db = empty_store
    assert load_catalog_workbook(small_catalog(tmp_path / "catalog.xlsx"), db=db).errors == []
    for user in (DIRECTOR, PARTNER):
        auth.add_account(user.email, user.role, user.partner_code, PASSWORD, db)
    for name, partner, rows in (("schools", "SCHOOLS", schools_1993(9)),
                                ("clinic", "CLINIC", [[SERVED, 1993, "Place 1", None, None, 10]])):
        assert ingest_file(data_workbook(tmp_path / f"{name}.xlsx", rows), partner, db=db).status == "loaded"
    database.close_all()

    at = open_as(DIRECTOR, "pages/6_Data_and_history.py")
    assert HEADING in [s.value for s in at.subheader]
    held = [plain(w.value) for w in at.warning if "held back" in w.value]
    assert len(held) == 1
    assert held[0].startswith("Children served, 1993: the new figures are held back from the public because, set beside "
                              "the figures already published, they would reveal a small number; the previous figures stay public.")
    assert "could otherwise be worked out" in held[0]
    # A partner's page has no list: the dashboard it sees shows the figures as last published.
    partner = open_as(PARTNER, "pages/6_Data_and_history.py")
    assert HEADING not in [s.value for s in partner.subheader]
    assert not [w.value for w in partner.warning if "held back" in w.value]
