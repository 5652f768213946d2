"""What the public site shows, read from the suppressed (public) views only: the outcomes, their charts with the
tables and downloads of exactly what each chart draws, the plans, the six activities and the phase of the initiative."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import altair as alt
import pandas as pd

from backbone import config
from backbone.show import charts, maps
from backbone.show.formatting import Status, change, is_missing, number, status
from backbone.show.slides import action_line, map_sentence, vintage, where_words
from backbone.show.story import curve_sentence, equity_line, gap_sentence, median_is_always_zero, zero_median_summary
from backbone.show.tables import HumanTable, equity_table, outcome_table, places_table
from backbone.store import plans, queries

LEVEL = "community_outcome"  # the site publishes the community's outcomes: what the partnership exists to move
# DuckDB sums floats in parallel, so a trend's last digits can differ between two reads of the same store: the site
# rounds every figure to this many decimals (far below any shown) so two publishes write the same bytes.
DECIMALS = 9
# What a drawn chart carries of a series (its spec holds its data): the columns the chart and its tooltips read.
CURVE_COLUMNS = ["period_label", "period_year", "value", "numerator", "denominator", "suppressed", "trend_value",
                 "baseline_value", "baseline_year", "target_value", "target_year", "forecast_value", "forecast_year"]
GROUP_COLUMNS = ["period_label", "period_year", "group_value", "value", "numerator", "denominator", "suppressed",
                 "colour_index"]


@dataclass
class Chart:
    """One chart of the site: its files share `chart_id` (charts/<id>.svg and .js, data/<id>.csv and .xlsx,
    embed/<id>.html); `table` is its alternative in words and `data` exactly what it draws."""

    chart_id: str
    heading: str
    title: str  # what an embed of it is called
    takeaway: str
    description: str  # the text alternative: the takeaway and the values
    chart: alt.TopLevelMixin
    table: HumanTable
    data: pd.DataFrame
    hidden: list[str] = field(default_factory=list)
    size: tuple[int, int] = (800, 420)  # the drawn (scriptless) image's size
    note: str = ""


@dataclass
class Outcome:
    """One community outcome's page."""

    code: str
    name: str
    where: str
    unit: str
    direction: str
    definition: str
    source: str
    notes: str
    area: str
    latest: str
    latest_period: str
    change: str
    target: str
    status: Status
    takeaway: str
    charts: list[Chart]
    plans: list[plans.Plan]
    threshold: int = config.DEFAULT_SUPPRESSION_THRESHOLD  # the smallest count shown
    card: alt.TopLevelMixin | None = None  # the small curve on the home page
    card_text: str = ""


@dataclass
class Site:
    """Everything the site shows."""

    outcomes: list[Outcome]
    equity: pd.DataFrame
    activities: pd.DataFrame
    phase: pd.DataFrame
    phase_matrix: pd.DataFrame
    partner_names: dict[str, str]
    boundary_sources: list[str]
    vintage: datetime | None
    demo: bool

    @property
    def vintage_text(self) -> str:
        return f"{self.vintage:%d %b %Y}" if self.vintage else "no data loaded yet"


def slug(text: str) -> str:
    """A file-name part from a label: 'Race/ethnicity' -> 'race-ethnicity'."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "all"


def _steady(frame: pd.DataFrame) -> pd.DataFrame:
    """A read with its floats rounded to DECIMALS: the same store gives the same digits."""
    floats = frame.select_dtypes("float").columns
    return frame.assign(**{c: frame[c].round(DECIMALS) for c in floats}) if len(floats) else frame


def _public(read, *args, db: str | None) -> pd.DataFrame:
    """A named read of the suppressed views (store.queries), steadied."""
    return _steady(read(*args, public=True, db=db))


def curve_id(code: str) -> str:
    """The site's name for an outcome's turn-the-curve chart (its embed is embed/<id>.html)."""
    return code


def groups_id(code: str, dimension: str, gap: bool = False) -> str:
    """The site's name for an outcome's chart by a breakdown's groups (or their gap to the best-off group)."""
    return f"{code}-{slug(dimension)}" + ("-gap" if gap else "")


def places_id(code: str) -> str:
    """The site's name for an outcome's map (or ranking) of places."""
    return f"{code}-places"


def _text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) and value else default


def _hidden(frame: pd.DataFrame, label: str = "group_value") -> list[str]:
    """Each value not shown, and why, in words."""
    lines = []
    for row in frame[frame.suppressed.fillna(False).astype(bool)].itertuples():
        who = getattr(row, label, "All")
        shown = f" ({row.display})" if isinstance(getattr(row, "display", None), str) else ""
        reason = getattr(row, "suppression_reason", None) or "hidden to protect small numbers"
        lines.append(f"{'' if who in (None, 'All') else f'{who}, '}{row.period_label}{shown}: {reason}")
    return lines


def _values_words(frame: pd.DataFrame, unit: str, label: str | None = None) -> str:
    """The values as one line of words, for a chart's text alternative."""
    parts = []
    for row in frame.itertuples():
        who = f"{getattr(row, label)} " if label else ""
        parts.append(f"{who}{row.period_label}: {'not shown' if is_missing(row.value) else number(row.value, unit)}")
    return "; ".join(parts)


def _curve(meta: pd.Series, geography: str, db: str | None) -> tuple[Chart | None, pd.Series | None]:
    code, unit = meta.metric_code, str(meta.unit)
    series = _public(queries.trend, code, geography, db=db)
    if series.empty:
        return None, None
    row = series.iloc[-1]
    spread = _public(queries.place_spread, code, db=db) if geography == "Median of places" else None
    takeaway = curve_sentence(row)
    data = series.assign(metric=row.metric_name, place=geography)[[
        "metric_code", "metric", "place", "period_label", "value", "numerator", "denominator", "suppressed", "display",
        "suppression_reason", "unstable", "trend_value", "baseline_value", "target_value", "target_year"]]
    if median_is_always_zero(spread):
        summary = zero_median_summary(spread, unit, str(meta.direction or ""))
        takeaway = summary.explanation
        chart = charts.share_above_zero(spread, "neighbourhoods")
    else:
        chart = charts.turn_the_curve(series[CURVE_COLUMNS], unit, spread)
    description = f"Turn-the-curve chart. {takeaway} Values: {_values_words(series, unit)}."
    return Chart(curve_id(code), "Turning the curve", f"{row.metric_name}: turning the curve", takeaway, description, chart,
                 outcome_table(series, unit), data, _hidden(series)), row


def _groups(meta: pd.Series, geography: str, dimension: str, db: str | None) -> list[Chart]:
    code, name, unit = meta.metric_code, str(meta["name"]), str(meta.unit)
    groups = _public(queries.by_group, code, geography, dimension, db=db)
    if groups.empty or groups.value.isna().all():
        return []
    gaps = _public(queries.equity, code, geography, dimension, db=db)
    takeaway = gap_sentence(gaps, unit)
    data = groups.assign(metric=name, place=geography, dimension=dimension)[[
        "metric_code", "metric", "place", "dimension", "group_value", "period_label", "value", "numerator", "denominator",
        "suppressed", "display", "suppression_reason", "unstable"]]
    made = [Chart(groups_id(code, dimension), f"By {dimension.lower()}", f"{name} by {dimension.lower()}", takeaway,
                  f"{name} by {dimension.lower()}, one line per group. {takeaway} Values: "
                  f"{_values_words(groups, unit, 'group_value')}.",
                  charts.by_group(groups[GROUP_COLUMNS], unit, dimension), outcome_table(groups, unit, groups=True), data, _hidden(groups))]
    behind = gaps[gaps.group_value != gaps.best_group] if len(gaps) else gaps
    if len(behind):
        gap_data = gaps.assign(metric=name, place=geography, dimension=dimension)[[
            "metric_code", "metric", "place", "dimension", "group_value", "period_label", "value", "best_group",
            "best_value", "gap_to_best", "ratio_to_best", "difference_to_all", "gap_trend"]]
        words = "; ".join(f"{r.group_value} {r.period_label}: {r.gap_to_best:.1f} behind {r.best_group}"
                          for r in behind.itertuples() if not is_missing(r.gap_to_best))
        made.append(Chart(groups_id(code, dimension, gap=True), f"The equity gap by {dimension.lower()}",
                          f"{name}: gap to the best-off group by {dimension.lower()}", takeaway,
                          f"Each group's gap to the best-off group over time; a line falling toward zero is a gap "
                          f"closing. {takeaway} Gaps: {words}.",
                          charts.equity_gap(gaps, unit, dimension), equity_table(gaps, unit), gap_data, size=(800, 400)))
    return made


def _places(meta: pd.Series, boundaries: pd.DataFrame, db: str | None) -> Chart | None:
    code, name, unit, direction = meta.metric_code, str(meta["name"]), str(meta.unit), str(meta.direction or "")
    places = _public(queries.places_latest, code, db=db)
    if len(places) < 2:
        return None
    period = str(places.period_label.iloc[0])
    boundary = maps.pick_boundary(boundaries, places.geography.tolist()) if len(boundaries) else None
    takeaway = map_sentence(places, unit, direction)
    data = places.assign(metric_code=code, metric=name)[["metric_code", "metric", "geography", "period_label", "value",
                                                         "suppressed", "display", "suppression_reason"]]
    words = _values_words(places, unit, "geography")
    hidden = _hidden(places, "geography")
    if boundary is not None:
        note = (f"Darker is better ({'higher' if direction == 'up' else 'lower'} is better); grey places are not shown, "
                "to protect small numbers; light areas have no data.")
        return Chart(places_id(code), f"By place, {period}", f"{name} by place, {period}", takeaway,
                     f"Map of {name} in {len(places)} places, {period}. {takeaway} Values: {words}.",
                     maps.choropleth(places, boundary, unit, direction), places_table(places, unit), data, hidden,
                     size=(800, 620), note=note)
    return Chart(places_id(code), f"By place, {period}", f"{name} by place, {period}", takeaway,
                 f"{name} in each of {len(places)} places, {period}, highest first. {takeaway} Values: {words}.",
                 charts.by_place(places, unit), places_table(places, unit), data, hidden,
                 size=(800, max(160, 18 * int(places.value.notna().sum()) + 60)))


def _outcome(meta: pd.Series, boundaries: pd.DataFrame, db: str | None) -> Outcome | None:
    code, unit = meta.metric_code, str(meta.unit)
    places = queries.geographies(code, public=True, db=db)
    if not places:
        return None
    geography = places[0]  # the whole community, else the median place
    curve, row = _curve(meta, geography, db)
    if curve is None or row is None:
        return None
    made = [curve]
    for dimension in queries.dimensions(code, geography, public=True, db=db):
        made += _groups(meta, geography, dimension, db)
    place_chart = _places(meta, boundaries, db)
    if place_chart is not None:
        made.append(place_chart)
    has_target = not is_missing(row.target_value) and not is_missing(row.target_year)
    shown_plans = [p for p in (plans.get_plan(k, db=db) for k in plans.plan_keys(code, db=db)) if p is not None]
    series = _public(queries.trend, code, geography, db=db)
    spread = _public(queries.place_spread, code, db=db) if geography == "Median of places" else None
    card = (None if is_missing(row.latest_value) else charts.share_above_zero(spread, "neighbourhoods")
            if median_is_always_zero(spread) else charts.small_multiple(series[CURVE_COLUMNS], unit, spread))
    return Outcome(
        code=code, name=str(meta["name"]), where=where_words(geography), unit=unit, direction=str(meta.direction or ""),
        definition=_text(meta.definition, "No definition in the catalog yet."),
        source=_text(meta.source, "Not recorded in the catalog"), notes=_text(meta.notes), area=_text(meta.outcome_area),
        latest=number(row.latest_value, unit), latest_period=_text(row.latest_period, "–"),
        change=(f"{change(row.change_since_baseline, unit)} since {int(row.baseline_year)}"
                if not is_missing(row.baseline_year) and not is_missing(row.change_since_baseline) else "No baseline yet"),
        target=(f"{number(row.target_value, unit)} by {int(row.target_year)}" if has_target else "No target set"),
        status=status(row.status), takeaway=curve.takeaway, charts=made, plans=shown_plans, card=card,
        threshold=int(meta.suppression_threshold) if pd.notna(meta.suppression_threshold)
        else config.DEFAULT_SUPPRESSION_THRESHOLD,
        card_text=(f"{meta['name']}: small curve, {_values_words(series, unit)}." if card is not None else ""))


def gather(db: str | None = None) -> Site:
    """Read everything the site shows from the public views, in a fixed order (the same store gives the same site)."""
    catalog = queries.metrics_catalog(db=db)
    outcomes_meta = catalog[catalog.has_data & (catalog.level == LEVEL)].sort_values(["outcome_area", "name"])
    boundaries = queries.boundaries(db=db)
    outcomes = [o for o in (_outcome(meta, boundaries, db) for _, meta in outcomes_meta.iterrows()) if o is not None]
    equity = _public(queries.equity_summary, db=db)
    equity = equity.assign(line=[equity_line(r) for _, r in equity.iterrows()]) if len(equity) else equity.assign(line=[])
    freshness = queries.data_freshness(db=db).iloc[0]
    return Site(outcomes=outcomes, equity=equity, activities=_public(queries.activity_scorecard, db=db),
                phase=queries.initiative_phase(db=db), phase_matrix=queries.phase_matrix(db=db),
                partner_names=plans.partner_names(db),
                boundary_sources=sorted({s for s in boundaries.source if isinstance(s, str) and s}),
                vintage=vintage(db), demo=bool(freshness.demo_loaded))


def plan_actions(plan: plans.Plan, names: dict[str, str]) -> list[str]:
    """A plan's agreed actions (proposals stay inside the partnership) in words, with owners and status."""
    return [action_line(a, names) for a in plan.actions if not a.proposed]

