"""Never a traceback: every real file of the corpus, read under many generated mappings (wrong, conflicting, partial,
malformed), ends in findings, never in an exception. The reading and checking are called directly (ingest's
catch-all would turn a fault into a finding and hide it from this test)."""

from __future__ import annotations

import random
from functools import cache

import pytest

from backbone.intake.ingest import Basis, IngestResult, check_grids
from backbone.intake.reader.grid import read_grids
from backbone.intake.reader.mapping import MAPPED_FIELDS
from backbone.intake.reader.table import find_tables
from backbone.intake.reader.workbook import read_limits
from backbone.store.catalog import Catalog, Metric, Place
from tests.corpus import cases

CORPUS = {case.name: case for case in cases()}
MAPPINGS_PER_FILE = 10


@cache
def grids_of(name: str) -> list:
    return read_grids(CORPUS[name].path, read_limits())


def catalog_of(name: str) -> Catalog:
    spec = CORPUS[name].spec["catalog"]
    metrics = [Metric(m["code"], m["name"], m["unit"].replace(" ", "_").replace(",", "").replace("rate_per_1000", "rate_per_1000"),
                      "up", (m.get("frequency") or "").replace(" ", "_") or None) for m in spec["metrics"]]
    aliases = [(m["code"], a) for m in spec["metrics"] for a in m.get("aliases", [])]
    places = [Place(p["place"], p["level"], p["role"]) for p in spec.get("places", [])]
    place_aliases = [(p["place"], a) for p in spec.get("places", []) for a in p.get("aliases", [])]
    return Catalog(metrics, aliases, places, place_aliases, 7, {CORPUS[name].partner: 4})


def generated_mappings(name: str, headers: list[str], rng: random.Random) -> list[dict]:
    """Mappings a confused partner could write: random fields, two columns for one field, partial and malformed ones."""
    fields = [*MAPPED_FIELDS, "ignore"]
    metric_names = [m["name"] for m in CORPUS[name].spec["catalog"]["metrics"]]
    pick = (lambda k: rng.sample(headers, min(k, len(headers)))) if headers else (lambda k: [])
    mappings = [
        {h: rng.choice(fields) for h in pick(4)},
        {h: "geography" for h in pick(3)} | {h: "group" for h in pick(2)},
        {h: "value" for h in pick(2)} | {h: "period" for h in pick(2)},
        {h: {"metric": rng.choice(metric_names), "period": rng.choice(["2019", "2019-20", "FY 2020", "soon"])} for h in pick(3)},
        {"metric": "=" + rng.choice(metric_names + ["Nonsense"]), "period": "=" + rng.choice(["2020", "later", ""]),
         "geography": "=" + rng.choice(["Alabama", "Community", ""])},
        {"codes": rng.choice([{"-": "suppressed", "x": "missing"}, {"-": "banana"}, "x", []]),
         "tables": rng.choice([["Table 1"], "Table", 3, []]), "title": rng.choice(["group", "metric", "nonsense", 4])},
        {f"sheet:{rng.choice(['Nope', *[g.name for g in grids_of(name)]])}": {h: rng.choice(fields) for h in pick(2)},
         "table:Table 1": rng.choice([{"title": "group"}, "value"]), f"column {rng.choice('ABZ')}": rng.choice(fields)},
        {h: rng.choice([5, None, ["value"], {"unit": "x"}, "=x", ""]) for h in pick(3)},
        dict(list((CORPUS[name].mapping or {}).items())[: rng.randint(0, 3)]),
        {h: rng.choice(["numerator", "denominator", "suppressed", "note"]) for h in pick(4)},
    ]
    return mappings[:MAPPINGS_PER_FILE]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_no_mapping_makes_any_real_file_raise(name):
    grids = grids_of(name)
    catalog = catalog_of(name)
    seen = find_tables(grids, None, catalog).headers_seen
    headers = sorted({h for hs in seen.values() for h in hs})
    rng = random.Random(name)
    for mapping in generated_mappings(name, headers, rng):
        result = IngestResult(status="rejected", file_name=name, partner_code=CORPUS[name].partner)
        basis = Basis("sha", CORPUS[name].partner, mapping or None, None, catalog)
        checked = check_grids(grids, result, basis)  # raises on a fault: that is what this test catches
        assert checked.errors or checked.checked.rows is not None, mapping
        for finding in checked.errors + checked.warnings:
            assert finding.sheet and finding.message, (mapping, finding)
