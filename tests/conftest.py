"""Every test gets its own store: a fresh DuckDB file, its own uploads folder, no demo autoload."""

from __future__ import annotations

import pytest

from backbone import store
from tests.workbooks import small_catalog


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    """An empty store in a temporary folder, set as the configured store."""
    path = str(tmp_path / "store.duckdb")
    monkeypatch.setenv("BACKBONE_DB", path)
    monkeypatch.setenv("BACKBONE_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("BACKBONE_DEMO", "0")
    store.close_all()
    yield path
    store.close_all()


@pytest.fixture
def catalog_db(db, tmp_path) -> str:
    """A store holding the small two-partner catalog."""
    from backbone.catalog import load_catalog_workbook

    loaded = load_catalog_workbook(small_catalog(tmp_path / "catalog.xlsx"), db=db)
    assert loaded.errors == []
    return db
