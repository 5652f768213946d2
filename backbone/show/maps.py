"""Place maps (choropleths) drawn from the partnership's own boundary files, with no map tiles and no outside request.

The boundary file (GeoJSON or TopoJSON, stored by the catalog load) goes into the chart spec as it is; each area's value
is looked up by its name, matched to the store's places without case or punctuation (as the catalog load checked them).
"""

from __future__ import annotations

import dataclasses
import json

import altair as alt
import pandas as pd

from backbone.show.charts import NO_DATA_FILL, SUPPRESSED_FILL, ChartContext, _finish, value_format
from backbone.show.formatting import number, plural, unit_label
from backbone.text import fold_label

MAP_HEIGHT = 560


def pick_boundary(boundaries: pd.DataFrame, places: list[str]) -> pd.Series | None:
    """The boundary file whose areas match the most of these places; None when no area matches any place."""
    wanted = {fold_label(p) for p in places}
    best, best_matches = None, 0
    for row in boundaries.itertuples(index=False):
        matches = len(wanted & {fold_label(n) for n in json.loads(row.area_names_json)})
        if matches > best_matches:
            best, best_matches = pd.Series(row._asdict()), matches
    return best


def map_areas(places: pd.DataFrame, boundary: pd.Series, unit: str) -> pd.DataFrame:
    """One row per area of the boundary file: its place's value, or why there is none ('suppressed', 'no data')."""
    by_key = {fold_label(r.geography): r for r in places.itertuples(index=False)}
    period = places.period_label.iloc[0] if len(places) else ""
    rows = []
    for area in json.loads(boundary.area_names_json):
        place = by_key.get(fold_label(area))
        value = None if place is None or pd.isna(place.value) else float(place.value)
        suppressed = place is not None and bool(place.suppressed)
        state = "value" if value is not None else "suppressed" if suppressed else "no data"
        reason = (getattr(place, "suppression_reason", None) or "hidden to protect small numbers") if suppressed else (
            "no value for this period" if state == "no data" else "")
        display = getattr(place, "display", None) if place is not None else None
        shown = number(value, unit) if value is not None else (display if isinstance(display, str) else
                                                                 "not shown" if suppressed else "no data")
        rows.append({"area": area, "place": place.geography if place is not None else area, "value": value,
                     "state": state, "value_text": shown, "reason": reason, "period_label": period})
    return pd.DataFrame(rows)


def _geometry(boundary: pd.Series) -> alt.LookupData:
    """The boundary file as lookup data keyed by each area's name (TopoJSON decoded by Vega in the browser)."""
    document = json.loads(boundary.geometry_json)
    prop = boundary.name_property
    if boundary.format == "topojson":
        data = alt.Data(values=document, format=alt.DataFormat(type="topojson", feature=boundary.object_name))
    else:
        data = alt.Data(values=document, format=alt.DataFormat(property="features"))
    return alt.LookupData(data=data, key="id" if prop == "id" else f"properties.{prop}")


def choropleth(places: pd.DataFrame, boundary: pd.Series, unit: str, direction: str,
               context: ChartContext | None = None) -> alt.TopLevelMixin:
    """The latest value per place on the partnership's own map: darker is better (the metric's direction decides which
    end that is); a hidden value grey with its reason on hover; an area without a value light, labelled 'no data'."""
    areas = map_areas(places, boundary, unit)
    geometry = _geometry(boundary)
    base = alt.Chart(areas).transform_lookup(lookup="area", from_=geometry, as_="geo").encode(
        shape="geo:G",
        tooltip=[alt.Tooltip("place:N", title="Place"), alt.Tooltip("value_text:N", title="Value"),
                 alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("reason:N", title="Why no value")],
    )
    better = "higher" if direction == "up" else "lower"
    colour = alt.Color("value:Q", title=f"{unit_label(unit)} (darker is better: {better})",
                       scale=alt.Scale(scheme="blues", reverse=direction != "up"),
                       legend=alt.Legend(gradientLength=260, format=value_format(unit), titleLimit=400))
    layers = [
        base.transform_filter("datum.state == 'value'").mark_geoshape(stroke="white", strokeWidth=0.8).encode(color=colour),
        base.transform_filter("datum.state == 'suppressed'").mark_geoshape(fill=SUPPRESSED_FILL, stroke="white", strokeWidth=0.8),
        base.transform_filter("datum.state == 'no data'").mark_geoshape(fill=NO_DATA_FILL, stroke="#C4C9CF", strokeWidth=0.8),
    ]
    notes = []
    if (areas.state == "suppressed").any():
        notes.append(f"Grey: not shown, to protect small numbers ({plural(int((areas.state == 'suppressed').sum()), 'place')})")
    if (areas.state == "no data").any():
        notes.append(f"Light: no data ({plural(int((areas.state == 'no data').sum()), 'area')})")
    if context is not None and notes:
        context = dataclasses.replace(context, note=" · ".join(filter(None, [context.note, *notes])))
    chart = alt.layer(*layers).project(type="mercator")
    return _finish(chart, MAP_HEIGHT, context)
