"""A network's worth of partners and places (tests/network.py: 100 partners, 500 places): every page opens without an
error, and no chart sends more rows than a chart can draw (Altair's limit of 5,000)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backbone.store import database
from tests.app.conftest import _point_at, chart_named, chart_rows, charts, texts
from tests.app.test_pages import TITLES, metric_values, no_exception
from tests.network import PARTNERS, PLACES, add_network

CHART_ROWS = 5000
MATRIX = "Which partner sent which metric"
PARTNERS_PAGE = "pages/4_Partners.py"
OUTCOMES = "pages/1_Outcomes.py"
PRESENT = "pages/7_Present.py"


@pytest.fixture(scope="session")
def network_template(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the network added, built once; tests open copies."""
    folder = tmp_path_factory.mktemp("network") / "store"
    shutil.copytree(demo_template, folder)
    with pytest.MonkeyPatch.context() as patch:
        path = _point_at(patch, folder)
        database.close_all()
        add_network(path)
        database.close_all()
    return folder


@pytest.fixture
def network_store(network_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _point_at(monkeypatch, Path(shutil.copytree(network_template, tmp_path / "network")))


def assert_drawable(at) -> None:
    """No exception, no error, and every chart within the rows a chart may send."""
    no_exception(at)
    assert not at.error, texts(at.error)
    for element in charts(at):
        rows = sum(len(frame) for frame in chart_rows(element))
        assert rows <= CHART_ROWS, f"{element.proto.alt[:60]}: {rows} rows"


@pytest.mark.parametrize("page", [*TITLES, PRESENT])
def test_every_page_opens_with_100_partners_and_500_places(network_store, app, page):
    at = app(page)
    assert_drawable(at)
    if page in TITLES:
        assert texts(at.title) == [TITLES[page]]


def test_the_network_is_the_size_the_tests_claim(network_store):
    counts = database.query("""SELECT count(DISTINCT partner_code) AS partners, count(DISTINCT geography) AS places
                               FROM current_observations""", path=network_store)
    assert counts.partners[0] >= PARTNERS and counts.places[0] >= PLACES


def test_outcomes_of_a_metric_with_500_places(network_store, app):
    at = app(OUTCOMES, {"metric": "High school completion"})
    assert_drawable(at)
    assert any(len(chart_rows(element)) for element in charts(at))


def test_partners_matrix_shows_one_page_of_partners_at_a_time(network_store, app):
    at = app(PARTNERS_PAGE)
    assert_drawable(at)
    counts = metric_values(at)
    # The summary counts every submission, whichever page of the matrix is shown.
    assert int(counts["Missing"].replace(",", "")) == 4 * PARTNERS * 10 + 4
    first = chart_rows(chart_named(at, MATRIX))[0]
    assert 0 < first.partner_code.nunique() < PARTNERS
    pages = at.selectbox(key="matrix_page")
    assert len(pages.options) > 1
    pages.set_value(pages.options[1]).run()
    assert_drawable(at)
    second = chart_rows(chart_named(at, MATRIX))[0]
    assert not set(second.partner_code) & set(first.partner_code)


def test_partners_matrix_filters_by_group_late_and_missing_and_search(network_store, app):
    at = app(PARTNERS_PAGE)
    at.selectbox(key="matrix_sector").set_value("Philanthropy").run()
    assert_drawable(at)
    sectors = database.query("SELECT partner_code, sector FROM partners", path=network_store).set_index("partner_code").sector
    shown = chart_rows(chart_named(at, MATRIX))[0]
    assert set(sectors[shown.partner_code.unique()]) == {"Philanthropy"}

    at.toggle(key="matrix_problems").set_value(True).run()
    assert_drawable(at)
    shown = chart_rows(chart_named(at, MATRIX))[0]
    assert set(shown.submission) == {"missing", "received late"}

    at.text_input(key="matrix_search").input("partner 005").run()
    assert_drawable(at)
    shown = chart_rows(chart_named(at, MATRIX))[0]
    assert set(shown.partner_code) == {"NET_005"}
    assert set(shown.submission) == {"missing"}  # NET_005 sent on time what it sent; the rest is missing
