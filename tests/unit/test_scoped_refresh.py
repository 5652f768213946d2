"""A load or an undo rebuilds only the public rows of the tables (a metric in a period) it touches, and what it leaves
(public_outcomes, and the directors' community_outcomes and outcome_trends kept beside it) is exactly what a full
rebuild of every table gives, after loads, corrections, new periods and undos, on a DuckDB file and on a DuckLake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import database, queries
from backbone.store.privacy import refresh_public_outcomes
from tests.unit.test_small_numbers import random_tables
from tests.workbooks import data_workbook

pytestmark = pytest.mark.both_backends


class _RolledBack(Exception):
    pass


def _load(db: str, folder, partner: str, rows: list[list], name: str) -> str:
    result = ingest_file(data_workbook(folder / f"{name}.xlsx", rows), partner, db=db)
    assert result.status == "loaded", result.errors[:3]
    return result.upload_id


def _public(db: str) -> pd.DataFrame:
    return database.query("SELECT * FROM public_outcomes ORDER BY ALL", path=db)


def _history(db: str) -> tuple[int, int]:
    return tuple(database.query("""SELECT (SELECT count(*) FROM suppression_history) AS versions,
                                          (SELECT count(*) FROM published_values) AS shown_before""", path=db).iloc[0])


def assert_same_as_a_full_rebuild(db: str) -> None:
    """A full rebuild now (rolled back after) writes the same public rows, and no new version of any table."""
    scoped, history = _public(db), _history(db)
    try:
        with database.write_transaction(db) as cur:
            refresh_public_outcomes(cur)
            full = cur.execute("SELECT * FROM public_outcomes ORDER BY ALL").df()
            full_history = tuple(cur.execute("""SELECT (SELECT count(*) FROM suppression_history),
                                                       (SELECT count(*) FROM published_values)""").fetchone())
            raise _RolledBack
    except _RolledBack:
        pass
    assert len(scoped) and scoped.suppressed.any()
    pd.testing.assert_frame_equal(scoped, full)
    assert full_history == history
    assert_directors_views_are_current(db)


def assert_directors_views_are_current(db: str) -> None:
    """community_outcomes (kept by the loads) and outcome_trends over it are what combining every current value now
    gives."""
    cur = database.new_cursor(db)
    try:
        kept = cur.execute("SELECT * FROM community_outcomes ORDER BY ALL").df()
        fresh = cur.execute("SELECT * FROM community_outcomes_from('current_observations') ORDER BY ALL").df()
        assert len(kept) and len(kept) == len(fresh)
        pd.testing.assert_frame_equal(kept, fresh)
        cur.execute("CREATE OR REPLACE TEMP VIEW fresh_outcomes AS SELECT * FROM community_outcomes_from('current_observations')")
        trends = cur.execute("SELECT * FROM outcome_trends ORDER BY ALL").df()
        pd.testing.assert_frame_equal(trends, cur.execute("SELECT * FROM outcome_trends_from('fresh_outcomes') ORDER BY ALL").df())
        # What each partner sent of each table (the Partners page and submission_status read it), kept by the loads.
        kept_received = cur.execute("SELECT * FROM kept_received_tables ORDER BY ALL").df()
        assert len(kept_received)
        pd.testing.assert_frame_equal(kept_received, cur.execute("SELECT * FROM received_tables ORDER BY ALL").df())
        # The Partners page's counts, from the loaded values, are those of the current ones.
        current = cur.execute("""SELECT partner_code, count(DISTINCT metric_code) AS metrics_reported, count(*) AS current_values
                                 FROM current_observations GROUP BY ALL ORDER BY ALL""").df()
    finally:
        cur.close()
    shown = queries.partners_overview(db=db)
    shown = shown[shown.current_values > 0].sort_values("partner_code")[["partner_code", "metrics_reported", "current_values"]]
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), current, check_dtype=False)


def _corrected(rows: list[list], periods: set[int], rng: np.random.Generator) -> list[list]:
    """The rows of `periods` only, each count moved by 1 to 3 (a partner's correction of a few tables)."""
    out = []
    for row in rows:
        if row[1] in periods:
            row = list(row)
            column = 7 if len(row) > 7 else 5
            row[column] = int(row[column]) + int(rng.integers(1, 4))
            out.append(row)
    return out


def test_loads_corrections_and_undos_leave_what_a_full_rebuild_gives(catalog_db, tmp_path):
    rng = np.random.default_rng(19)
    rows = random_tables(rng, 16)  # 8 periods of each of two metrics
    _load(catalog_db, tmp_path, "SCHOOLS", rows["SCHOOLS"], "schools")
    assert_same_as_a_full_rebuild(catalog_db)
    clinic = _load(catalog_db, tmp_path, "CLINIC", rows["CLINIC"], "clinic")
    assert_same_as_a_full_rebuild(catalog_db)
    correction = _load(catalog_db, tmp_path, "SCHOOLS", _corrected(rows["SCHOOLS"], {1991, 1994}, rng), "correction")
    assert_same_as_a_full_rebuild(catalog_db)
    later = random_tables(rng, 20)  # 1990-1999: two periods no one sent before
    _load(catalog_db, tmp_path, "CLINIC", [r for r in later["CLINIC"] if r[1] >= 1998], "new-periods")
    assert_same_as_a_full_rebuild(catalog_db)
    undo_upload(correction, db=catalog_db)
    assert_same_as_a_full_rebuild(catalog_db)
    undo_upload(clinic, db=catalog_db)
    assert_same_as_a_full_rebuild(catalog_db)


def test_a_load_and_its_undo_rewrite_only_their_own_tables_public_rows(catalog_db, tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    rows = random_tables(rng, 16)
    _load(catalog_db, tmp_path, "SCHOOLS", rows["SCHOOLS"], "schools")
    _load(catalog_db, tmp_path, "CLINIC", rows["CLINIC"], "clinic")
    before = _public(catalog_db)
    versions_before = database.query("SELECT metric_code, period_label, version FROM suppression_history", path=catalog_db)
    written = _count_rows_written(monkeypatch)

    correction = _load(catalog_db, tmp_path, "SCHOOLS", _corrected(rows["SCHOOLS"], {1992}, rng), "correction")
    touched = {tuple(t) for t in database.query("SELECT DISTINCT metric_code, period_label FROM observations WHERE upload_id = ?",
                                               [correction], path=catalog_db).itertuples(index=False)}
    assert len(touched) == 2  # one period of each metric, of 16 tables
    after = _public(catalog_db)
    # What the load wrote: the touched tables' rows, and no other.
    [(tables, deleted, tables_written, rows_written)] = written
    assert set(tables) == touched == tables_written
    assert deleted == _in(before, touched).sum() and rows_written == _in(after, touched).sum() > 0
    assert len(before) > 5 * rows_written
    # Every other table's rows are as they were, and only the touched tables have new published versions.
    pd.testing.assert_frame_equal(before[~_in(before, touched)].reset_index(drop=True),
                                  after[~_in(after, touched)].reset_index(drop=True))
    versions = database.query("SELECT metric_code, period_label, version FROM suppression_history", path=catalog_db)
    new = versions.merge(versions_before, how="left", indicator=True).query("_merge == 'left_only'")
    assert set(zip(new.metric_code, new.period_label, strict=True)) <= touched

    written.clear()
    undo_upload(correction, db=catalog_db)
    [(tables, deleted, tables_written, rows_written)] = written
    assert set(tables) == touched == tables_written
    undone = _public(catalog_db)
    assert deleted == _in(after, touched).sum() and rows_written == _in(undone, touched).sum() > 0
    pd.testing.assert_frame_equal(after[~_in(after, touched)].reset_index(drop=True),
                                  undone[~_in(undone, touched)].reset_index(drop=True))
    # The undo ran on this thread's own connection, which stays open for its next reads (a session's, in the app): it
    # keeps none of the values the rules were given.
    assert database.cursor(catalog_db).execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def _in(frame: pd.DataFrame, tables: set) -> np.ndarray:
    """Per row: whether it belongs to one of `tables`."""
    return np.array([(m, p) in tables for m, p in zip(frame.metric_code, frame.period_label, strict=True)], dtype=bool)


def _count_rows_written(monkeypatch: pytest.MonkeyPatch) -> list:
    """Records, for every replacement of public rows from now on: the tables asked for, the public rows it deleted,
    and the tables and number of the rows it wrote."""
    from backbone.store import privacy

    real = privacy.replace_public_rows
    written = []

    def counting(cur, tables, public):
        deleted = cur.execute("SELECT count(*) FROM public_outcomes").fetchone()[0]
        result = real(cur, tables, public)
        deleted -= cur.execute("SELECT count(*) FROM public_outcomes").fetchone()[0] - public.rows.num_rows
        pairs = public.rows.select(["metric_code", "period_label"]).to_pylist()
        written.append((tables, deleted, {(p["metric_code"], p["period_label"]) for p in pairs}, public.rows.num_rows))
        return result

    monkeypatch.setattr(privacy, "replace_public_rows", counting)
    return written


def test_a_store_from_before_the_kept_received_tables_gets_them_when_opened(catalog_db, tmp_path):
    rows = random_tables(np.random.default_rng(7), 6)
    _load(catalog_db, tmp_path, "SCHOOLS", rows["SCHOOLS"], "schools")
    _load(catalog_db, tmp_path, "CLINIC", rows["CLINIC"], "clinic")
    # As a store written by the code before this table: empty, and an older schema fingerprint.
    with database.write_transaction(catalog_db) as cur:
        cur.execute("DELETE FROM kept_received_tables")
        cur.execute("UPDATE schema_info SET value = 'older' WHERE key = 'fingerprint'")
    database.close_all()
    assert_directors_views_are_current(catalog_db)  # opening it again fills the table (and compares it)
    shown = queries.partners_overview(db=catalog_db).set_index("partner_code")
    assert shown.loc["SCHOOLS", "current_values"] == len(rows["SCHOOLS"]) and shown.loc["CLINIC", "metrics_reported"] > 0
