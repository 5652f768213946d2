"""Fixtures shared by the unit tests (tests/conftest.py has the per-test stores)."""

from __future__ import annotations

import pytest

from backbone.demo import load_demo
from backbone.store import database


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """The demo initiative in a store of this test module's own (tests in the module may write to it)."""
    path = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    database.close_all()
    load_demo(path)
    yield path
    database.close_all()
