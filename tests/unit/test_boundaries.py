"""Map boundaries: a GeoJSON or TopoJSON file named in the catalog, checked on load against the store's places; the
catalog downloaded as the workbook it is loaded from, and loaded back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backbone.config import DEMO_DIR
from backbone.errors import BackboneError
from backbone.intake.boundaries import place_match, read_boundaries
from backbone.intake.catalog_download import catalog_sheets, catalog_workbook_bytes
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import database
from tests.workbooks import data_workbook, write_workbook

CSA = DEMO_DIR / "boundaries" / "baltimore_csa_2010.topo.json"
BOUNDARIES_HEADER = ["file", "names", "source"]


def square(lon: float, lat: float, size: float = 0.01) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def geojson(names: dict[str, tuple[float, float]], prop: str = "NAME") -> bytes:
    features = [{"type": "Feature", "properties": {prop: name, "OBJECTID": i},
                 "geometry": {"type": "Polygon", "coordinates": square(*at)}} for i, (name, at) in enumerate(names.items())]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


NORTH_SOUTH = {"North": (-76.60, 39.30), "South": (-76.60, 39.25), "Harbor": (-76.58, 39.27)}


# --- reading a boundary file ----------------------------------------------------------------------------------------

def test_the_demo_topojson_has_the_55_baltimore_areas_and_the_jail_tract():
    found = read_boundaries(CSA.read_bytes(), CSA.name, "Community")
    assert (found.format, found.object_name, found.name_property) == ("topojson", "CSA_NSA_Tracts", "Community")
    assert len(found.area_names) == 56 and "Unassigned -- Jail" in found.area_names
    assert {"Canton", "Cherry Hill", "Allendale/Irvington/S. Hilton"} <= set(found.area_names)


def test_the_name_property_is_found_from_the_places_when_the_sheet_names_none():
    data = geojson(NORTH_SOUTH, prop="district_name")
    found = read_boundaries(data, "d.geojson", None, places=["North", "South"])
    assert found.name_property == "district_name" and found.area_names == ["North", "South", "Harbor"]


def test_places_are_matched_without_case_or_punctuation_and_the_rest_listed():
    match = place_match(["North", "South-East", "Harbor"], ["north", "South East", "Jefferson County, KY"])
    assert match.matched == ["South East", "north"]
    assert match.places_without_area == ["Jefferson County, KY"]
    assert match.areas_without_data == ["Harbor"]


@pytest.mark.parametrize(("data", "says"), [
    (b"not json at all", "is not a JSON file (line 1, column 1)"),
    (json.dumps({"type": "Feature"}).encode(), "neither GeoJSON (a FeatureCollection) nor TopoJSON"),
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "holds no areas (polygons)"),
    # Maryland State Plane feet: a file that was never exported as longitude/latitude
    (geojson({"North": (1420000.0, 590000.0)}), "not longitude/latitude (such as 1420000, 590000)"),
    (geojson(NORTH_SOUTH, prop="NAME").replace(b'"NAME": "Harbor"', b'"NAME": null'), "1 of 3 areas have no 'NAME'"),
    (b"[" * 100_000 + b"]" * 100_000, "is not a JSON file"),  # nested beyond what the parser takes: refused, not a crash
])
def test_a_bad_boundary_file_is_refused_in_plain_words(data, says):
    with pytest.raises(BackboneError) as refused:
        read_boundaries(data, "areas.geojson", "NAME")
    assert says in str(refused.value) and "areas.geojson" in str(refused.value)


# --- the catalog's Boundaries sheet ---------------------------------------------------------------------------------

def _catalog_with_boundaries(folder: Path, file_name: str = "areas.geojson") -> Path:
    return write_workbook(folder / "catalog.xlsx", {"Boundaries": [
        BOUNDARIES_HEADER, [file_name, "NAME", "Boundaries: the city's planning department"]]})


def test_a_boundary_file_named_in_the_catalog_is_checked_against_the_places_and_stored(catalog_db, tmp_path):
    ingest_file(data_workbook(tmp_path / "d.xlsx", [["infant_mortality", 2022, p, None, None, 5.0] for p in ("North", "South", "West")]),
                "CLINIC", db=catalog_db)
    (tmp_path / "areas.geojson").write_bytes(geojson(NORTH_SOUTH))
    loaded = load_catalog_workbook(_catalog_with_boundaries(tmp_path), db=catalog_db)  # the command line: beside the workbook
    assert loaded.errors == [] and loaded.counts == {"Boundaries": 1}
    assert loaded.notes == ["Boundaries 'areas.geojson': 3 areas named by 'NAME'; 2 of the places with data have an area on "
                            "the map. Places with data but no area (not on the map): 'West'. Areas with no data yet (drawn as "
                            "'no data'): 'Harbor'."]
    stored = database.query("SELECT file_name, format, name_property, source, area_names_json FROM boundaries", path=catalog_db)
    assert stored.values.tolist() == [["areas.geojson", "geojson", "NAME", "Boundaries: the city's planning department",
                                       '["North", "South", "Harbor"]']]


def test_a_boundary_file_not_sent_refuses_the_whole_catalog(catalog_db, tmp_path):
    book = write_workbook(tmp_path / "catalog.xlsx", {
        "Partners": [["code", "name"], ["NEWPARTNER", "New partner"]],
        "Boundaries": [BOUNDARIES_HEADER, ["areas.geojson", "NAME", None]]})
    loaded = load_catalog_workbook(book, db=catalog_db, files={})  # through the browser, without the file
    assert [(e.sheet, e.row, e.column) for e in loaded.errors] == [("Boundaries", 2, "file")]
    assert "'areas.geojson' was not found beside the workbook (choose both files together)" in str(loaded.errors[0])
    assert database.query("SELECT count(*) AS n FROM partners WHERE partner_code = 'NEWPARTNER'", path=catalog_db).n[0] == 0


def test_a_bad_boundary_file_is_located_on_its_catalog_row(catalog_db, tmp_path):
    loaded = load_catalog_workbook(_catalog_with_boundaries(tmp_path), db=catalog_db,
                                   files={"areas.geojson": geojson({"North": (1420000.0, 590000.0)})})
    assert [(e.sheet, e.row, e.column) for e in loaded.errors] == [("Boundaries", 2, "file")]
    assert "Export it in WGS84 (EPSG:4326)" in loaded.errors[0].message
    assert database.query("SELECT count(*) AS n FROM boundaries", path=catalog_db).n[0] == 0


# --- the catalog downloaded and loaded back -------------------------------------------------------------------------

CATALOG_TABLES = {
    "metrics": "SELECT * EXCLUDE (updated_at) FROM metrics ORDER BY metric_code",
    "metric_aliases": "SELECT * FROM metric_aliases ORDER BY ALL",
    "partners": "SELECT * EXCLUDE (updated_at) FROM partners ORDER BY partner_code",
    "backbone_roles": "SELECT * FROM backbone_roles ORDER BY ALL",
    "targets": "SELECT * FROM targets ORDER BY ALL",
    "milestones": "SELECT * EXCLUDE (milestone_id, updated_at) FROM milestones ORDER BY ALL",
    "expectations": "SELECT * FROM expectations ORDER BY ALL",
    "boundaries": "SELECT * EXCLUDE (loaded_at) FROM boundaries ORDER BY ALL",
    "places": "SELECT * FROM places ORDER BY ALL",
    "place_aliases": "SELECT * FROM place_aliases ORDER BY ALL",
    "catalog_settings": "SELECT * FROM catalog_settings ORDER BY ALL",
}


def test_the_catalog_downloads_as_the_workbook_it_loads_from_and_loads_back_unchanged(demo_db, tmp_path):
    before = {name: database.query(sql, path=demo_db) for name, sql in CATALOG_TABLES.items()}
    sheets = catalog_sheets(demo_db)
    # In words, as a person writes them: units, statuses and roles as labels, not codes.
    metrics = sheets["Metrics"].set_index("code")
    assert metrics.loc["infant_mortality", "unit"] == "rate per 1,000" and metrics.loc["infant_mortality", "direction"] == "lower is better"
    assert set(sheets["Milestones"].status) <= {"not started", "in progress", "done"}
    assert sheets["Boundaries"].values.tolist() == [["boundaries/baltimore_csa_2010.topo.json", "Community",
                                                     "Boundaries: BNIA-JFI, Baltimore Community Statistical Areas (2010)"]]
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(catalog_workbook_bytes(demo_db))
    # Loaded back through the browser with no boundary file: the stored one of that name is kept.
    loaded = load_catalog_workbook(path, db=demo_db, files={})
    assert loaded.errors == []
    assert len(sheets["Places"]) == len(before["places"]) > 50  # the community's places and its comparisons
    assert loaded.counts == {"Metrics": 27, "Partners": 8, "Places": len(before["places"]), "Settings": 0, "Roles": 9,
                             "Targets": 48, "Milestones": 24, "Expected": 216, "Boundaries": 1}
    for name, sql in CATALOG_TABLES.items():
        after = database.query(sql, path=demo_db)
        assert after.reset_index(drop=True).equals(before[name].reset_index(drop=True)), f"{name} changed on the round trip"
