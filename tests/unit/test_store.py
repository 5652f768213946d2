"""The store: idempotent schema, DuckLake-ready tables, views applied from queries/ in order."""

from __future__ import annotations

import re

import pytest

from backbone import config
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import database
from backbone.store.privacy import refresh_public_outcomes
from tests.workbooks import data_workbook

# The store and every view behave the same on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.both_backends


def test_init_twice_keeps_every_row(catalog_db, tmp_path):
    ingest_file(data_workbook(tmp_path / "a.xlsx", [["KRA", 2020, "North", None, None, 40, 40, 100]]), "SCHOOLS", db=catalog_db)
    before = database.query("SELECT count(*) AS n FROM observations", path=catalog_db).n[0]
    database.close_all()
    database.apply_schema(database.connect(catalog_db))  # a second start on the same file
    database.close_all()
    assert database.query("SELECT count(*) AS n FROM observations", path=catalog_db).n[0] == before == 1
    assert database.query("SELECT count(*) AS n FROM milestones", path=catalog_db).n[0] == 12


def test_public_rows_worked_out_beside_each_load_are_what_a_full_rebuild_gives(catalog_db, tmp_path):
    race = "Race/ethnicity"
    loads = [
        ("SCHOOLS", [["KRA", 2022, "North", race, "Black", None, 7, 120], ["KRA", 2022, "North", race, "White", None, 60, 100],
                     ["KRA", 2022, "North", None, None, None, 67, 220], ["KRA", 2022, "South", None, None, None, 30, 90],
                     ["children_served", 2022, "North", None, None, 4], ["children_served", 2022, "South", None, None, 300]]),
        # the same partner again: one key replaced (7 -> 9 of 120), one added
        ("SCHOOLS", [["KRA", 2022, "North", race, "Black", None, 9, 120], ["KRA", 2023, "North", None, None, None, 50, 100]]),
        # another partner on the same places and keys: the community sums both
        ("CLINIC", [["KRA", 2022, "North", None, None, None, 3, 15], ["KRA", 2022, "Community", race, "Black", None, 40, 200],
                    ["children_served", 2022, "North", None, None, 12]]),
    ]
    uploads = [ingest_file(data_workbook(tmp_path / f"load-{i}.xlsx", rows), partner, db=catalog_db).upload_id
               for i, (partner, rows) in enumerate(loads)]
    undo_upload(uploads[1], db=catalog_db)
    ingest_file(data_workbook(tmp_path / "again.xlsx", [["KRA", 2022, "South", None, None, None, 31, 90]]), "SCHOOLS",
                db=catalog_db)

    published = database.query("SELECT * FROM public_outcomes ORDER BY ALL", path=catalog_db)
    assert published.suppressed.any() and (~published.suppressed).any()  # small cells hidden, others shown
    with database.write_transaction(catalog_db) as cur:
        refresh_public_outcomes(cur)
    assert published.equals(database.query("SELECT * FROM public_outcomes ORDER BY ALL", path=catalog_db))


def test_fresh_store_has_the_twelve_phase_cells_and_no_data(db):
    cells = database.query("SELECT phase, component FROM milestones ORDER BY ALL", path=db)
    assert len(cells) == 12
    assert set(cells.phase) == {"I", "II", "III"}
    assert database.is_empty(db)


def test_schema_uses_no_constraints_sequences_or_indexes(db):
    """DuckLake has none of these, so the same schema must run without them."""
    cur = database.cursor(db)
    # Only the store's own database: a lake's connection also attaches its PostgreSQL catalog (for the writers' lock),
    # whose tables are DuckLake's, not ours.
    ours = "database_name = current_database()"
    assert cur.execute(f"SELECT count(*) FROM duckdb_tables() WHERE {ours}").fetchone()[0] >= 10
    assert cur.execute(f"SELECT count(*) FROM duckdb_constraints() WHERE {ours} AND constraint_type <> 'NOT NULL'").fetchone()[0] == 0
    assert cur.execute(f"SELECT count(*) FROM duckdb_sequences() WHERE {ours}").fetchone()[0] == 0
    assert cur.execute(f"SELECT count(*) FROM duckdb_indexes() WHERE {ours}").fetchone()[0] == 0


def test_each_query_file_creates_the_view_or_macro_it_is_named_after():
    for sql_file in database.view_files():
        text = sql_file.read_text()
        created = re.findall(r"CREATE OR REPLACE (?:VIEW|MACRO) (\w+)", text)
        assert created == [sql_file.stem.split("_", 1)[1]], sql_file.name
        assert re.match(r"^\d{3}_", sql_file.name), "view files carry a number that orders them"


def test_default_store_is_under_data(monkeypatch):
    monkeypatch.delenv("BACKBONE_DB", raising=False)
    assert config.db_path() == str(config.PROJECT_ROOT / "data" / "backbone.duckdb")


def test_each_thread_gets_its_own_cursor(db):
    import threading

    cursors = []
    thread = threading.Thread(target=lambda: cursors.append(database.cursor(db)))
    thread.start()
    thread.join()
    assert cursors[0] is not database.cursor(db)
    assert database.cursor(db) is database.cursor(db)
