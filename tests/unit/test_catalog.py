"""The catalog workbook: vocabularies, located errors, aliases, updates."""

from __future__ import annotations

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.store import database
from backbone.store.catalog import Catalog
from tests.workbooks import METRICS_HEADER, metric_row, write_workbook


def test_labels_and_codes_are_both_accepted(db, tmp_path):
    book = write_workbook(tmp_path / "c.xlsx", {"Metrics": [
        METRICS_HEADER,
        metric_row("a", "Rate A", "Rate per 1,000", "Lower is Better", "Community Outcome", phase="ii",
                   component="Evaluation and improvement", horizon="Long-term", rba="Better off"),
        metric_row("b", "Dollars B", "dollars", "up", "backbone", activity="Mobilize funding"),
    ]})
    loaded = load_catalog_workbook(book, db=db)
    assert loaded.errors == []
    rows = database.cursor(db).execute(
        "SELECT metric_code, unit, direction, level, activity, phase, component FROM metrics ORDER BY 1").fetchall()
    assert rows == [
        ("a", "rate_per_1000", "down", "community_outcome", None, "II", "evaluation"),
        ("b", "dollars", "up", "backbone", 6, None, None),
    ]


def test_unknown_vocabulary_is_located_and_nothing_is_loaded(db, tmp_path):
    book = write_workbook(tmp_path / "c.xlsx", {
        "Metrics": [METRICS_HEADER, metric_row("ok", "Fine", "count"), metric_row("bad", "Bad", "percentage", "sideways")],
        "Partners": [["code", "name"], ["P1", "Partner one"]],
    })
    loaded = load_catalog_workbook(book, db=db)
    assert [(e.sheet, e.row, e.column) for e in loaded.errors] == [("Metrics", 3, "unit"), ("Metrics", 3, "direction")]
    assert "'percentage' is not a known unit" in loaded.errors[0].message
    assert "'percent'" in loaded.errors[0].message  # says what to write instead
    assert database.query("SELECT count(*) AS n FROM metrics", path=db).n[0] == 0
    assert database.query("SELECT count(*) AS n FROM partners", path=db).n[0] == 0


def test_reloading_updates_a_metric_instead_of_duplicating_it(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "c2.xlsx", {"Metrics": [
        METRICS_HEADER, metric_row("kindergarten_readiness", "Kindergarten readiness (KRA)", "percent", aliases="Ready")]})
    assert load_catalog_workbook(book, db=catalog_db).errors == []
    rows = database.query("SELECT name FROM metrics WHERE metric_code = 'kindergarten_readiness'", path=catalog_db)
    assert rows.name.tolist() == ["Kindergarten readiness (KRA)"]
    catalog = Catalog.from_store(database.cursor(catalog_db))
    assert catalog.find("ready").code == "kindergarten_readiness"
    assert catalog.find("KRA") is None  # the old alias list was replaced


def test_aliases_match_regardless_of_case_and_punctuation(catalog_db):
    catalog = Catalog.from_store(database.cursor(catalog_db))
    assert catalog.find("  kra ").code == "kindergarten_readiness"
    assert catalog.find("Ready-for-K").code == "kindergarten_readiness"
    assert catalog.find("KINDERGARTEN_READINESS").code == "kindergarten_readiness"
    assert catalog.suggest("Kindergarden readines") == ["Kindergarten readiness"]


def test_roles_targets_milestones_and_expectations_load(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "c3.xlsx", {
        "Roles": [["partner", "role", "since", "note"], ["SCHOOLS", "data analytics", "2019-01-01", None],
                  ["CLINIC", "Anchor entity / fiscal agent", None, "holds the grants"]],
        "Targets": [["metric", "geography", "dimension", "group", "year", "kind", "value"],
                    ["KRA", None, None, None, 2030, "target", 60], ["KRA", None, None, None, 2018, "baseline", 41]],
        "Milestones": [["phase", "component", "milestone", "status", "date", "note"],
                       ["I", "Governance and infrastructure", "Steering committee formed", "done", "2018-03-01", None]],
        "Expected": [["partner", "metric", "period", "due"], ["SCHOOLS", "KRA", "2023-24", "2024-10-31"]],
    })
    loaded = load_catalog_workbook(book, db=catalog_db)
    assert loaded.errors == []
    assert loaded.counts == {"Roles": 2, "Targets": 2, "Milestones": 1, "Expected": 1}
    roles = database.query("SELECT partner_code, role FROM backbone_roles ORDER BY 1", path=catalog_db)
    assert roles.values.tolist() == [["CLINIC", "anchor_entity"], ["SCHOOLS", "data_analytics"]]
    targets = database.query("SELECT kind, geography, group_value, value FROM targets ORDER BY kind", path=catalog_db)
    assert targets.values.tolist() == [["baseline", "Community", "All", 41.0], ["target", "Community", "All", 60.0]]
    expected = database.query("SELECT period_label, due_date FROM expectations", path=catalog_db)
    assert expected.period_label.tolist() == ["2023-24"]


def test_a_role_for_an_unknown_partner_is_refused_with_its_row(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "c4.xlsx", {"Roles": [["partner", "role"], ["SCHOOLS", "facilitation"], ["NOPE", "facilitation"]]})
    loaded = load_catalog_workbook(book, db=catalog_db)
    assert [(e.sheet, e.row, e.column) for e in loaded.errors] == [("Roles", 3, "partner")]
