"""A partnership's map boundaries (GeoJSON or TopoJSON) read and checked: longitude/latitude areas, each with a name.

The catalog's Boundaries sheet names the file; the catalog load calls `read_boundaries` on its bytes and
`place_match` against the places the store holds, so the person loading it learns which places will be on the map
and which will not, before a chart is drawn.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from backbone import config
from backbone.errors import BackboneError
from backbone.text import fold_label

POLYGONS = {"Polygon", "MultiPolygon"}
# Property names that usually hold an area's name, tried when the sheet names none and no place matches decide.
NAME_LIKE = ("name", "community", "neighborhood", "neighbourhood", "district", "area", "place", "id")


@dataclass(frozen=True)
class BoundaryFile:
    """A checked boundary file: its format, the object holding the areas (TopoJSON), and each area's name."""

    file_name: str
    format: str  # 'geojson' or 'topojson'
    object_name: str | None
    name_property: str
    area_names: list[str]
    text: str
    sha256: str


@dataclass(frozen=True)
class PlaceMatch:
    """How a boundary file's areas meet the store's places (names compared without case or punctuation)."""

    matched: list[str]
    places_without_area: list[str]
    areas_without_data: list[str]


def _areas(document: dict, file_name: str) -> tuple[str, str | None, list[dict]]:
    """(format, TopoJSON object name, the features or geometries that are polygons)."""
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "FeatureCollection":
        features = [f for f in document.get("features") or [] if isinstance(f, dict)]
        return "geojson", None, [f for f in features if isinstance(f.get("geometry"), dict)
                                 and f["geometry"].get("type") in POLYGONS]
    if kind == "Topology":
        best: tuple[str | None, list[dict]] = (None, [])
        for name, shape in (document.get("objects") or {}).items():
            geometries = shape.get("geometries") or [] if isinstance(shape, dict) else []
            polygons = [g for g in geometries if isinstance(g, dict) and g.get("type") in POLYGONS]
            if len(polygons) > len(best[1]):
                best = (str(name), polygons)
        return "topojson", best[0], best[1]
    raise BackboneError(f"'{file_name}' is neither GeoJSON (a FeatureCollection) nor TopoJSON (a Topology). Export the "
                        "boundaries from your mapping tool as GeoJSON or TopoJSON, in longitude/latitude (WGS84).")


def _name_of(area: dict, prop: str) -> str:
    value = area.get("id") if prop == "id" else (area.get("properties") or {}).get(prop)
    return "" if value is None else str(value).strip()


def _candidates(areas: list[dict]) -> list[str]:
    """Properties (and TopoJSON's id) that give nearly every area a name."""
    keys: dict[str, int] = {}
    for area in areas:
        for key, value in (area.get("properties") or {}).items():
            if isinstance(value, str | int) and str(value).strip():
                keys[key] = keys.get(key, 0) + 1
        if area.get("id") is not None:
            keys["id"] = keys.get("id", 0) + 1
    return [key for key, count in keys.items() if count >= 0.9 * len(areas)]


def _pick_name_property(areas: list[dict], places: list[str]) -> str | None:
    """The property whose values match the most places; without places, the most name-like unique one."""
    folded_places = {fold_label(p) for p in places}

    def score(key: str) -> tuple:
        names = [_name_of(a, key) for a in areas]
        matches = len({fold_label(n) for n in names} & folded_places)
        name_like = next((len(NAME_LIKE) - i for i, word in enumerate(NAME_LIKE) if word in key.lower()), 0)
        return matches, len(set(names)), name_like

    candidates = _candidates(areas)
    return max(candidates, key=score) if candidates else None


def _positions(document: dict, fmt: str, areas: list[dict]):
    """Every position (lon, lat) of the areas, decoded from TopoJSON's quantised arcs where need be."""
    if fmt == "geojson":
        def walk(node):
            if isinstance(node, list) and len(node) >= 2 and all(isinstance(v, int | float) for v in node[:2]):
                yield node[0], node[1]
            elif isinstance(node, list):
                for item in node:
                    yield from walk(item)
        for area in areas:
            yield from walk(area["geometry"].get("coordinates"))
        return
    transform = document.get("transform") or {}
    scale, translate = transform.get("scale", [1, 1]), transform.get("translate", [0, 0])
    for arc in document.get("arcs") or []:
        x = y = 0
        for point in arc:
            if transform:  # quantised: each point is a delta from the previous one
                x, y = x + point[0], y + point[1]
                yield x * scale[0] + translate[0], y * scale[1] + translate[1]
            else:
                yield point[0], point[1]


def read_boundaries(data: bytes, file_name: str, name_property: str | None = None,
                    places: list[str] | None = None) -> BoundaryFile:
    """Check a boundary file: JSON, GeoJSON or TopoJSON polygons in longitude/latitude, every area named."""
    limit = config.read_limit("MAX_FILE_MB")
    if len(data) > limit * 1024 * 1024:
        raise BackboneError(f"'{file_name}' is larger than {limit} MB. Simplify the boundaries (TopoJSON is ~50 times "
                            "smaller than GeoJSON) and load it again.")
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise BackboneError(f"'{file_name}' is not a JSON file{where}: save the boundaries as GeoJSON or TopoJSON.") from None
    fmt, object_name, areas = _areas(document, file_name)
    if not areas:
        raise BackboneError(f"'{file_name}' holds no areas (polygons). A boundary file for a map needs one polygon per place.")
    prop = (name_property or "").strip() or _pick_name_property(areas, places or [])
    if prop is None:
        raise BackboneError(f"'{file_name}': no property gives every area a name. Add each area's place name as a property "
                            "and name that property in the Boundaries sheet's 'names' column.")
    names = [_name_of(area, prop) for area in areas]
    unnamed = sum(1 for name in names if not name)
    if unnamed:
        found = ", ".join(f"'{c}'" for c in _candidates(areas)) or "none"
        raise BackboneError(f"'{file_name}': {unnamed} of {len(areas)} areas have no '{prop}'. Name the property that holds "
                            f"each place's name in the Boundaries sheet's 'names' column (properties every area has: {found}).")
    try:
        for lon, lat in _positions(document, fmt, areas):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise BackboneError(f"'{file_name}' has coordinates that are not longitude/latitude (such as {lon:.0f}, "
                                    f"{lat:.0f}). Export it in WGS84 (EPSG:4326) and load it again.")
    except (TypeError, IndexError, RecursionError):
        raise BackboneError(f"'{file_name}' has coordinates that cannot be read: export the boundaries again as GeoJSON "
                            "or TopoJSON.") from None
    return BoundaryFile(file_name, fmt, object_name, prop, list(dict.fromkeys(names)), text,
                        hashlib.sha256(data).hexdigest())


def stored_boundary(cur, file_name: str) -> BoundaryFile | None:
    """The boundary file already in the store under this name, if any."""
    row = cur.execute("SELECT file_name, format, object_name, name_property, area_names_json, geometry_json, sha256 "
                      "FROM boundaries WHERE file_name = ?", [file_name]).fetchone()
    if row is None:
        return None
    return BoundaryFile(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6])


def place_match(area_names: list[str], places: list[str]) -> PlaceMatch:
    """Which places have an area, which have none, and which areas have no place with data."""
    areas = {fold_label(name): name for name in area_names}
    folded_places = {fold_label(place): place for place in places}
    return PlaceMatch(
        matched=sorted(folded_places[key] for key in folded_places.keys() & areas.keys()),
        places_without_area=sorted(folded_places[key] for key in folded_places.keys() - areas.keys()),
        areas_without_data=sorted(areas[key] for key in areas.keys() - folded_places.keys()),
    )


def match_note(boundary: BoundaryFile, match: PlaceMatch) -> str:
    """What the load says about a boundary file, in plain words."""
    def listed(names: list[str]) -> str:
        return ", ".join(f"'{n}'" for n in names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")

    note = (f"Boundaries '{boundary.file_name}': {len(boundary.area_names)} areas named by '{boundary.name_property}'; "
            f"{len(match.matched)} of the places with data have an area on the map.")
    if match.places_without_area:
        note += f" Places with data but no area (not on the map): {listed(match.places_without_area)}."
    if match.areas_without_data:
        note += f" Areas with no data yet (drawn as 'no data'): {listed(match.areas_without_data)}."
    return note
