"""Every test gets its own store: a fresh DuckDB file (or, for tests marked both_backends, also a fresh DuckLake),
its own uploads folder, no demo autoload."""

from __future__ import annotations

import pytest

from backbone.store import database
from tests.postgres import TemporaryPostgres
from tests.workbooks import small_catalog

BACKENDS = ["duckdb", "ducklake"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_backends` that use a store run once on a DuckDB file and once on a DuckLake."""
    if metafunc.definition.get_closest_marker("both_backends") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS)


@pytest.fixture
def backend() -> str:
    """Which kind of store `db` makes: a DuckDB file unless the test is marked both_backends."""
    return "duckdb"


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL server for the whole run (each lake gets its own database in it)."""
    server = TemporaryPostgres().start()
    yield server
    server.stop()


@pytest.fixture
def db(backend, request, tmp_path, monkeypatch) -> str:
    """An empty store in a temporary folder, set as the configured store."""
    if backend == "ducklake":
        path = request.getfixturevalue("postgres").new_lake_target()
        monkeypatch.setenv("BACKBONE_DATA_PATH", str(tmp_path / "shared"))
    else:
        path = str(tmp_path / "database.duckdb")
    monkeypatch.setenv("BACKBONE_DB", path)
    monkeypatch.setenv("BACKBONE_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("BACKBONE_DEMO", "0")
    database.close_all()
    yield path
    database.close_all()


@pytest.fixture
def catalog_db(db, tmp_path) -> str:
    """A store holding the small two-partner catalog."""
    from backbone.intake.catalog_workbook import load_catalog_workbook

    loaded = load_catalog_workbook(small_catalog(tmp_path / "catalog.xlsx"), db=db)
    assert loaded.errors == []
    return db
