"""A new version of a table that, set beside the versions published before, would give a hidden cell away whatever
else it hides is held back: the public keeps the previous figures, directors see why, and the first later version that
gives nothing away is published (backbone/store/holdback.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from backbone.errors import BackboneError
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import database, queries
from backbone.store.auth import User
from tests.disclosure_check import worked_out
from tests.unit.test_small_numbers import UNITS, published
from tests.workbooks import data_workbook

DIRECTOR = User("dee@backbone.example.org", "director")
PARTNER = User("bo@clinic.example.org", "partner", "CLINIC")
SERVED = "Children served"
HELD = ("Children served, 2018: the new figures are held back from the public because, set beside the figures already "
        "published, they would reveal a small number; the previous figures stay public.")


def public_rows(db: str) -> pd.DataFrame:
    return database.query("SELECT * EXCLUDE (last_updated) FROM public_outcomes ORDER BY ALL", path=db)


def load(db: str, tmp_path, name: str, partner: str, rows: list[list]):
    result = ingest_file(data_workbook(tmp_path / f"{name}.xlsx", rows), partner, db=db)
    assert result.status == "loaded", result.errors[:3]
    return result


def test_a_version_that_would_give_a_cell_away_beside_the_published_one_is_held_back_until_a_safe_one_comes(catalog_db, tmp_path):
    # Shrunk by hand from bench/suppression.py's fuzz (seed 3, children served in 2018). The schools send Place 0's 11
    # children and Place 3's 4 girls (hidden). The clinic then sends Place 0's boys: 11, everyone (hidden: "the whole
    # group"). Place 0's total of 11 was published in the first version with the same number, so hiding it now hides
    # nothing: the total shown before, beside the new version, says Place 0's children are all boys. Before hold-backs
    # the store published it anyway (and logged that it could not protect it).
    db = catalog_db
    load(db, tmp_path, "schools", "SCHOOLS", [[SERVED, 2018, "Place 0", None, None, 11],
                                              [SERVED, 2018, "Place 3", "Gender", "Female", 4]])
    first, first_rows = published(db), public_rows(db)
    history = database.query("SELECT count(*) AS n FROM suppression_history", path=db).n[0]

    clinic = [[SERVED, 2018, "Place 0", "Gender", "Male", 11]]
    preview = ingest_file(data_workbook(tmp_path / "clinic-preview.xlsx", clinic), "CLINIC", dry_run=True, db=db)
    # The partner's preview, checked against the dashboard, shows what the public would see: nothing changes.
    assert preview.impact["held_back"] == [HELD]
    assert preview.impact["figures_new"] == preview.impact["figures_changed"] == 0
    result = load(db, tmp_path, "clinic", "CLINIC", clinic)
    assert result.impact["held_back"] == [HELD]
    assert result.impact["figures_new"] == result.impact["figures_changed"] == 0

    # The public rows stay exactly as published; nothing of the new version is recorded as published.
    pd.testing.assert_frame_equal(public_rows(db), first_rows)
    assert database.query("SELECT count(*) AS n FROM suppression_history", path=db).n[0] == history
    second = published(db, first)
    assert worked_out([first, second], UNITS) == set()
    # Directors still see the current data, and the hold-back with its reason.
    boys = database.query("SELECT value FROM community_outcomes WHERE geography = 'Place 0' AND group_value = 'Male'", path=db)
    assert boys.value.tolist() == [11.0]
    held = queries.held_back(DIRECTOR, db=db)
    assert held[["metric", "period_label"]].values.tolist() == [[SERVED, "2018"]]
    assert held.cells[0] >= 1 and "would reveal a small number" in held.reason[0]
    with pytest.raises(BackboneError):
        queries.held_back(PARTNER, db=db)

    # A correction that gives nothing away is published, and the hold-back goes.
    load(db, tmp_path, "schools-2", "SCHOOLS", [[SERVED, 2018, "Place 0", None, None, 40],
                                                [SERVED, 2018, "Place 3", "Gender", "Female", 12]])
    third = published(db, second)
    shown = third[0].set_index(["geography", "dimension", "group_value"])
    assert shown.loc[("Place 0", "All", "All"), "value"] == 40 and shown.loc[("Place 0", "Gender", "Male"), "value"] == 11
    assert queries.held_back(DIRECTOR, db=db).empty
    assert worked_out([first, second, third], UNITS) == set()


def test_undoing_the_held_back_load_judges_the_table_again_and_the_hold_back_goes(catalog_db, tmp_path):
    db = catalog_db
    load(db, tmp_path, "schools", "SCHOOLS", [[SERVED, 2018, "Place 0", None, None, 11],
                                              [SERVED, 2018, "Place 3", "Gender", "Female", 4]])
    first, first_rows = published(db), public_rows(db)
    clinic = load(db, tmp_path, "clinic", "CLINIC", [[SERVED, 2018, "Place 0", "Gender", "Male", 11]])
    assert len(queries.held_back(DIRECTOR, db=db)) == 1
    second = published(db, first)
    done = undo_upload(clinic.upload_id, db=db)
    assert done["held_back"] == []
    assert queries.held_back(DIRECTOR, db=db).empty
    pd.testing.assert_frame_equal(public_rows(db), first_rows)
    assert worked_out([first, second, published(db, second)], UNITS) == set()
