"""Decks for convenings: the slides a director picks, saved by name, and what each slide shows.

A slide is (kind, metric, place, dimension): a turn-the-curve chart ("curve"), one key number with its change and
status in words ("number"), each group's line ("groups"), the places on the partnership's map ("map"), or a
turn-the-curve plan ("plan": the curve, the story in three sentences, the top actions with owners and status; for an
equity plan also the group). Every read here is of the suppressed (public) views, whoever is presenting: a deck is
shown to rooms and taken away as files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

import altair as alt
import duckdb
import pandas as pd

from backbone.errors import BackboneError
from backbone.show import charts, maps
from backbone.show.charts import ChartContext
from backbone.show.formatting import Status, change, direction_words, is_missing, number, plural, status
from backbone.show.story import (
    curve_sentence,
    forecast_note,
    gap_sentence,
    median_is_always_zero,
    story_in_brief,
    zero_median_summary,
)
from backbone.store import database, plans, queries
from backbone.store.auth import User, require
from backbone.vocab import ACTION_STATUSES

KINDS = {"curve": "Turn the curve", "number": "Key number", "groups": "By group", "map": "Place map",
         "plan": "Turn-the-curve plan"}
DEMO_DECK = "Annual community dashboard"
PLAN_DECK = "Turn-the-curve convening"
TOP_ACTIONS = 5  # actions on a plan slide: as many as a room can read
DEMO_SAVED_BY = "demo loader"


@dataclass(frozen=True)
class Slide:
    """One slide: what to show (kind) of which metric, where, and by which groups (for kind 'groups'); a 'plan' slide
    of an equity plan names its dimension and group."""

    kind: str
    metric_code: str
    geography: str = "Community"
    dimension: str | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise BackboneError(f"A slide is one of: {', '.join(KINDS)} (not '{self.kind}').")
        if self.kind == "plan":
            if bool(self.dimension) != bool(self.group):
                raise BackboneError("A plan slide for a group names its dimension and its group; for everyone, neither.")
        elif (self.kind == "groups") != bool(self.dimension) or self.group:
            raise BackboneError("A 'groups' slide names its dimension (such as Race/ethnicity); other slides name none.")

    def key(self) -> str:
        """A stable text key, for pickers and widget keys."""
        return "|".join([self.kind, self.metric_code, self.geography, self.dimension or ""] + ([self.group] if self.group else []))

    @classmethod
    def from_key(cls, key: str) -> Slide:
        kind, metric_code, geography, dimension, *group = key.split("|")
        return cls(kind, metric_code, geography, dimension or None, group[0] if group else None)

    def plan_key(self) -> plans.PlanKey:
        """The plan a 'plan' slide shows."""
        return plans.PlanKey(self.metric_code, self.dimension or plans.EVERYONE, self.group or plans.EVERYONE)


@dataclass
class Deck:
    """A named, ordered list of slides, with who saved it and when."""

    name: str
    slides: list[Slide]
    saved_by: str | None = None
    saved_at: datetime | None = None


# --- the store ----------------------------------------------------------------------------------------------------

def _slides_json(slides: list[Slide]) -> str:
    return json.dumps([{k: v for k, v in asdict(s).items() if v is not None} for s in slides])


def _slides_from_json(text: str) -> list[Slide]:
    return [Slide(**item) for item in json.loads(text or "[]")]


def list_decks(db: str | None = None) -> pd.DataFrame:
    """Every saved deck: name, number of slides, who saved it and when (newest first)."""
    frame = database.query("SELECT name, slides_json, saved_by, saved_at FROM decks ORDER BY saved_at DESC, name", path=db)
    frame["slides"] = frame.pop("slides_json").map(lambda text: len(json.loads(text or "[]")))
    return frame[["name", "slides", "saved_by", "saved_at"]]


def load_deck(name: str, db: str | None = None) -> Deck | None:
    """The deck saved under `name` (the latest save), or None."""
    row = database.cursor(db).execute(
        "SELECT name, slides_json, saved_by, saved_at FROM decks WHERE name = ? ORDER BY saved_at DESC LIMIT 1", [name]
    ).fetchone()
    return Deck(row[0], _slides_from_json(row[1]), row[2], row[3]) if row else None


def save_deck(name: str, slides: list[Slide], user: User | None, db: str | None = None,
              now: datetime | None = None) -> Deck:
    """Save (or replace) the deck called `name`. Directors only; None is the command line / the demo loader."""
    require(user, "edit")
    name = " ".join(str(name or "").split())
    if not name:
        raise BackboneError("Give the deck a name.")
    if len(name) > 120:
        raise BackboneError("Keep the deck's name under 120 characters.")
    if not slides:
        raise BackboneError("Pick at least one slide for the deck.")
    saved_by = user.email if user is not None else DEMO_SAVED_BY
    now = now or datetime.now()

    def save(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("DELETE FROM decks WHERE name = ?", [name])
        cur.execute("INSERT INTO decks VALUES (?, ?, ?, ?, ?)", [database.new_id(), name, _slides_json(slides), saved_by, now])

    database.write(save, db)
    return Deck(name, list(slides), saved_by, now)


def delete_deck(name: str, user: User | None, db: str | None = None) -> None:
    """Remove a saved deck (directors only)."""
    require(user, "edit")
    database.write(lambda cur: cur.execute("DELETE FROM decks WHERE name = ?", [name]), db)


# --- what can go on a slide ---------------------------------------------------------------------------------------

def _catalog(db: str | None) -> pd.DataFrame:
    return queries.metrics_catalog(db=db).set_index("metric_code")


def headline_geography(metric_code: str, db: str | None = None) -> str | None:
    """The whole community where it has a value, else the median place; None without public data."""
    places = queries.geographies(metric_code, public=True, db=db)  # the headline place comes first
    return places[0] if places else None


def has_map(metric_code: str, db: str | None = None) -> bool:
    """Whether the metric has places that the partnership's boundary files draw."""
    boundaries = queries.boundaries(db=db)
    if boundaries.empty:
        return False
    places = queries.places_latest(metric_code, public=True, db=db)
    return maps.pick_boundary(boundaries, places.geography.tolist()) is not None


def available_slides(db: str | None = None) -> list[Slide]:
    """Every slide a deck can hold: for each community outcome with data, its curve, its key number, each breakdown,
    and its place map where the boundaries draw its places."""
    catalog = queries.metrics_catalog(db=db)
    outcomes = catalog[catalog.has_data & (catalog.level == "community_outcome")]
    slides = []
    for code in outcomes.metric_code:
        place = headline_geography(code, db)
        if place is None:
            continue
        slides += [Slide("curve", code, place), Slide("number", code, place)]
        slides += [Slide("groups", code, place, d) for d in queries.dimensions(code, place, public=True, db=db)]
        if has_map(code, db):
            slides.append(Slide("map", code))
    return slides + plan_slides(db)


def plan_slides(db: str | None = None) -> list[Slide]:
    """A turn-the-curve plan slide for every plan there is now, at its outcome's headline place."""
    slides = []
    for row in plans.list_plans(db=db).itertuples():
        everyone = row.group_value == plans.EVERYONE
        slides.append(Slide("plan", row.metric_code, headline_geography(row.metric_code, db) or "Community",
                            None if everyone else row.dimension, None if everyone else row.group_value))
    return slides


def slide_label(slide: Slide, names: dict[str, str]) -> str:
    """How a picker names a slide: '4-year graduation rate · By group: Race/ethnicity (Community)'."""
    what = KINDS[slide.kind] + (f": {slide.dimension}" if slide.dimension else "") + (f", {slide.group}" if slide.group else "")
    return f"{names.get(slide.metric_code, slide.metric_code)} · {what} ({slide.geography})"


def demo_slides(db: str | None = None) -> list[Slide]:
    """The demo deck: each community outcome's curve, the teen birth rate's neighbourhood map, then the graduation
    rate's key number and its by-race lines."""
    catalog = queries.metrics_catalog(db=db)
    outcomes = catalog[catalog.has_data & (catalog.level == "community_outcome")]
    slides = []
    for code in outcomes.metric_code:
        place = headline_geography(code, db)
        if place is not None:
            slides.append(Slide("curve", code, place))
    if "teen_birth_rate" in set(outcomes.metric_code) and has_map("teen_birth_rate", db):
        slides.append(Slide("map", "teen_birth_rate"))
    graduation = "grad_rate_4yr"
    place = headline_geography(graduation, db) if graduation in set(outcomes.metric_code) else None
    if place is not None:
        slides.append(Slide("number", graduation, place))
        if "Race/ethnicity" in queries.dimensions(graduation, place, public=True, db=db):
            slides.append(Slide("groups", graduation, place, "Race/ethnicity"))
    return slides


def seed_plan_deck(db: str | None = None) -> bool:
    """Save the demo's convening deck (one plan slide per plan) unless it exists or there are no plans; True when saved."""
    if load_deck(PLAN_DECK, db) is not None or not (slides := plan_slides(db)):
        return False
    save_deck(PLAN_DECK, slides, None, db)
    return True


def seed_demo_deck(db: str | None = None) -> bool:
    """Save the demo deck unless one by that name exists; True when it was saved now."""
    if load_deck(DEMO_DECK, db) is not None:
        return False
    slides = demo_slides(db)
    if not slides:
        return False
    save_deck(DEMO_DECK, slides, None, db)
    return True


# --- what a slide shows -------------------------------------------------------------------------------------------

@dataclass
class SlideContent:
    """Everything a slide, a PowerPoint slide and a report-card page show, in plain words and one chart (or number)."""

    slide: Slide
    title: str
    where: str
    takeaway: str
    source: str
    notes: str
    description: str  # the chart's text alternative
    unit: str = "number"
    chart: alt.TopLevelMixin | None = None
    values: pd.DataFrame = field(default_factory=pd.DataFrame)  # the table alternative: what the chart shows
    hidden: list[str] = field(default_factory=list)  # values not shown to protect small numbers, with why
    number: str | None = None
    number_label: str = "Latest"  # what the key number is ('Neighbourhoods above 0.0%' where the median is always 0)
    change: str | None = None
    status: Status | None = None
    latest_period: str | None = None
    direction: str = ""
    actions: list[str] = field(default_factory=list)  # a plan slide's top actions, with owners and status
    plan: plans.Plan | None = None  # the plan a 'plan' slide shows, whole (the report card prints all of it)
    context: ChartContext | None = None  # the chart's own title and credits, drawn on downloads (not on screen)

    @property
    def has_chart(self) -> bool:
        return self.chart is not None


def where_words(geography: str) -> str:
    """A place as a slide, a card and a chart's subtitle name it."""
    if geography == "Community":
        return "Whole community"
    if geography == "Median of places":
        return "Median neighbourhood (no community-wide value is reported)"
    return geography


def _hidden(frame: pd.DataFrame) -> list[str]:
    lines = []
    for row in frame[frame.suppressed.fillna(False).astype(bool)].itertuples():
        group = getattr(row, "group_value", "All")
        shown = f" ({row.display})" if isinstance(getattr(row, "display", None), str) else ""
        reason = getattr(row, "suppression_reason", None) or "suppressed"
        lines.append(f"{'' if group in (None, 'All') else f'{group}, '}{row.period_label}{shown}: {reason}")
    return lines


def _value_words(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The table alternative in words: period (and group) and the value as people read it."""
    shown = frame.copy()
    shown["value_text"] = [
        row.display if isinstance(getattr(row, "display", None), str) and is_missing(row.value) else
        ("not shown" if is_missing(row.value) else number(row.value, unit))
        for row in shown.itertuples()
    ]
    columns = {"period_label": "Period", "group_value": "Group", "value_text": "Value"}
    if "group_value" in shown.columns and set(shown.group_value) <= {"All"}:
        columns.pop("group_value")
    return shown[[c for c in columns if c in shown.columns]].rename(columns=columns)


def _notes(meta: pd.Series, extra: str) -> str:
    parts = [extra]
    if isinstance(meta.get("definition"), str) and meta["definition"]:
        parts.append(f"What it measures: {meta['definition']}")
    if isinstance(meta.get("notes"), str) and meta["notes"]:
        parts.append(f"The story behind the curve: {meta['notes']}")
    return "\n\n".join(p for p in parts if p)


def chart_context(title: str, geography: str, groups: str, unit: str, source: str, db: str | None = None,
                  note: str = "") -> ChartContext:
    """The context a downloaded chart carries: title, place, groups, unit, source and the data's vintage."""
    loaded = vintage(db)
    return ChartContext(title, where_words(geography), groups, unit, source,
                        f"{loaded:%d %b %Y}" if loaded else "no data loaded", note)


def content(slide: Slide, db: str | None = None) -> SlideContent:
    """What `slide` shows, read from the public (suppressed) views."""
    catalog = _catalog(db)
    if slide.metric_code not in catalog.index:
        return SlideContent(slide, slide.metric_code, where_words(slide.geography), "This metric is no longer in the catalog.",
                            "", "", "No chart: the metric is no longer in the catalog.")
    meta = catalog.loc[slide.metric_code]
    name, unit = str(meta["name"]), str(meta["unit"])
    source = str(meta["source"]) if isinstance(meta.get("source"), str) and meta["source"] else "Not recorded in the catalog"
    base = {"slide": slide, "title": name, "where": where_words(slide.geography), "source": source, "unit": unit,
            "direction": str(meta["direction"] or "")}
    if slide.kind == "groups":
        return _groups(slide, meta, base, db)
    if slide.kind == "plan":
        return _plan(slide, meta, base, db)
    if slide.kind == "map":
        return _map(slide, meta, base, db)
    series = queries.trend(slide.metric_code, slide.geography, public=True, db=db)
    if series.empty:
        return SlideContent(**base, takeaway=f"No data yet for {name} in this place.", notes=_notes(meta, ""),
                            description=f"No data yet for {name}.")
    row = series.iloc[-1]
    state = status(row.status)
    if is_missing(row.latest_value):
        takeaway = f"No values yet for {name}."
    else:
        since = ("" if is_missing(row.baseline_year)
                 else f" since the baseline ({number(row.baseline_value, unit)} in {int(row.baseline_year)})")
        takeaway = f"{name} was {number(row.latest_value, unit)} in {row.latest_period}: {state.words.lower()}{since}."
    sentence = curve_sentence(row) if not is_missing(row.baseline_year) or is_missing(row.latest_value) else takeaway
    spread = queries.place_spread(slide.metric_code, public=True, db=db) if slide.geography == "Median of places" else None
    common = {**base, "takeaway": takeaway, "notes": _notes(meta, sentence), "values": _value_words(series, unit),
              "hidden": _hidden(series), "status": state, "latest_period": str(row.latest_period)}
    if median_is_always_zero(spread):
        # A median of 0 every year is a flat line saying nothing: show the share of places above 0 instead, and say why.
        summary = zero_median_summary(spread, unit, str(meta["direction"] or ""))
        common.update(takeaway=summary.explanation, status=status(summary.status), latest_period=summary.latest_period,
                      notes=_notes(meta, summary.explanation))
        if slide.kind == "number":
            return SlideContent(**common, number=f"{summary.latest_share:.0f}%", change=summary.change_text,
                                number_label=f"Neighbourhoods above {number(0, unit)}",
                                description=f"{name}: {summary.latest_text} in {summary.latest_period}.")
        context = chart_context(name, slide.geography, "share of neighbourhoods above 0", "percent", source, db)
        return SlideContent(**common, chart=charts.share_above_zero(spread, "neighbourhoods", context=context),
                            context=context, description=summary.explanation)
    if slide.kind == "number":
        changed = change(row.change_since_baseline, unit)
        return SlideContent(**common, number=number(row.latest_value, unit),
                            change=f"{changed} since {int(row.baseline_year)}" if not is_missing(row.baseline_year) else None,
                            description=f"{name}, {row.latest_period}: {number(row.latest_value, unit)}. {state.words}. "
                                        f"{direction_words(row.direction).capitalize()}.")
    context = chart_context(name, slide.geography, "all groups", unit, source, db, forecast_note(row))
    if forecast_note(row):  # the slide's chart is drawn without its subtitle: the takeaway says it
        common["takeaway"] += " Not enough data yet for a forecast."
    return SlideContent(**common, chart=charts.turn_the_curve(series, unit, spread, context), context=context,
                        description=sentence)


def _groups(slide: Slide, meta: pd.Series, base: dict, db: str | None) -> SlideContent:
    name, unit = str(meta["name"]), str(meta["unit"])
    groups = queries.by_group(slide.metric_code, slide.geography, slide.dimension, public=True, db=db)
    base = {**base, "title": f"{name} by {slide.dimension.lower()}"}
    if groups.empty:
        return SlideContent(**base, takeaway=f"No {slide.dimension.lower()} breakdown of {name} yet.", notes=_notes(meta, ""),
                            description=f"No breakdown of {name} yet.")
    gaps = queries.equity(slide.metric_code, slide.geography, slide.dimension, public=True, db=db)
    takeaway = gap_sentence(gaps, unit)
    latest = groups.sort_values("period_end").period_label.iloc[-1]
    shown = groups[groups.value.notna()]
    description = (f"{name} by {slide.dimension}, {where_words(slide.geography).lower()}: one line per group, "
                   f"{shown.group_value.nunique()} groups, {groups.period_label.iloc[0]} to {latest}. {takeaway}")
    context = chart_context(base["title"], slide.geography, f"by {slide.dimension.lower()}", unit, base["source"], db)
    return SlideContent(**base, takeaway=takeaway, notes=_notes(meta, takeaway), description=description,
                        chart=charts.by_group(groups, unit, slide.dimension, context), context=context,
                        values=_value_words(groups, unit), hidden=_hidden(groups), latest_period=str(latest))


def _map(slide: Slide, meta: pd.Series, base: dict, db: str | None) -> SlideContent:
    name, unit, direction = str(meta["name"]), str(meta["unit"]), str(meta["direction"] or "")
    places = queries.places_latest(slide.metric_code, public=True, db=db)
    boundary = maps.pick_boundary(queries.boundaries(db=db), places.geography.tolist())
    base = {**base, "title": f"{name} by neighbourhood", "where": "Every place on the partnership's map"}
    if boundary is None or places.empty:
        return SlideContent(**base, takeaway=f"No place of {name} is on the partnership's map.", notes=_notes(meta, ""),
                            description=f"No map of {name}.")
    period = str(places.period_label.iloc[0])
    takeaway = map_sentence(places, unit, direction)
    source = base["source"] + (f"; {boundary.source}" if isinstance(boundary.source, str) and boundary.source else "")
    context = chart_context(base["title"], "Community", f"places in {period}", unit, source, db)
    values = places.rename(columns={"geography": "group_value"}).assign(period_label=period)
    return SlideContent(**base, takeaway=takeaway, notes=_notes(meta, takeaway), latest_period=period,
                        description=f"Map of {name} in {period}: {takeaway}", context=context,
                        chart=maps.choropleth(places, boundary, unit, direction, context),
                        values=_value_words(values, unit).rename(columns={"Group": "Place"}),
                        hidden=_hidden(places.rename(columns={"geography": "group_value"})))


def map_sentence(places: pd.DataFrame, unit: str, direction: str) -> str:
    """The map in one sentence: how many places, and the best-off and worst-off place in the latest period."""
    shown = places[places.value.notna()].sort_values("value")
    if shown.empty:
        return "No place has a value to show."
    best, worst = (shown.iloc[-1], shown.iloc[0]) if direction == "up" else (shown.iloc[0], shown.iloc[-1])
    hidden = int(places.suppressed.fillna(False).astype(bool).sum())
    return (f"In {places.period_label.iloc[0]}, {plural(len(shown), 'place')} with a value: best {best.geography} "
            f"({number(best.value, unit)}), worst {worst.geography} ({number(worst.value, unit)})"
            + (f"; {plural(hidden, 'place')} not shown, to protect small numbers." if hidden else "."))


def top_actions(plan: plans.Plan, limit: int = TOP_ACTIONS) -> list[plans.Action]:
    """The actions a plan slide shows: accepted and not dropped; under way, then planned (soonest due first), then the
    most recently due of those done."""
    order = {"under_way": 0, "planned": 1, "done": 2}
    live = [a for a in plan.actions if not a.proposed and a.status in order]

    def rank(action: plans.Action) -> tuple:
        due = (action.due_date or datetime.max.date()).toordinal()
        return order[action.status], -due if action.status == "done" else due, action.title

    return sorted(live, key=rank)[:limit]


def action_line(action: plans.Action, names: dict[str, str]) -> str:
    """'Safe-sleep talk at every home visit: Family Home Visiting Network, done (due 30 Jun 2024)'."""
    due = f" (due {action.due_date:%d %b %Y})" if action.due_date else ""
    return f"{action.title}: {names.get(action.owner_code, action.owner_code)}, {ACTION_STATUSES[action.status]}{due}"


def _plan(slide: Slide, meta: pd.Series, base: dict, db: str | None) -> SlideContent:
    name, unit = str(meta["name"]), str(meta["unit"])
    key = slide.plan_key()
    base = {**base, "title": f"Turning the curve: {name}" + ("" if key.for_everyone else f", {key.group_value}")}
    plan = plans.get_plan(key, db=db)
    if plan is None:
        return SlideContent(**base, takeaway=f"No turn-the-curve plan for {name} ({key.label()}) yet.",
                            notes=_notes(meta, ""), description=f"No plan for {name} yet.")
    names = plans.partner_names(db)
    if plan.illustrative:
        base["where"] += " · Illustrative plan (made up for the demo)"
    series = (queries.trend(slide.metric_code, slide.geography, public=True, db=db) if key.for_everyone else
              queries.group_trend(slide.metric_code, slide.geography, key.dimension, key.group_value, public=True, db=db))
    sentence = curve_sentence(series.iloc[-1]) if len(series) else f"No values yet for {name}."
    shown = top_actions(plan)
    notes = [f"How are we doing? {sentence}", f"The story behind the curve: {plan.story or 'not written yet.'}",
             "Partners with a role to play: " + ("; ".join(
                 f"{names.get(r.partner_code, r.partner_code)}" + (f" ({r.brings})" if r.brings else "") for r in plan.roles)
                 or "none named yet."),
             f"What works: {plan.what_works or 'not written yet.'}",
             "The action plan: " + ("; ".join(action_line(a, names) + (f" ({a.note.rstrip('.')})" if a.note else "")
                                             for a in plan.actions if not a.proposed) or "no actions yet.")]
    description = (f"Turn-the-curve chart of {name} for {key.label()}: {sentence}" if len(series)
                   else f"No values yet for {name}.")
    context = chart_context(base["title"], slide.geography, key.label(), unit, base["source"], db)
    spread = (queries.place_spread(slide.metric_code, public=True, db=db)
              if slide.geography == "Median of places" and key.for_everyone else None)  # the range of places, as on a curve slide
    return SlideContent(**base, takeaway=story_in_brief(plan.story), notes="\n\n".join(notes), description=description,
                        chart=charts.turn_the_curve(series, unit, spread, context) if len(series) else None,
                        context=context if len(series) else None,
                        values=_value_words(series, unit) if len(series) else pd.DataFrame(),
                        hidden=_hidden(series) if len(series) else [], actions=[action_line(a, names) for a in shown],
                        plan=plan, latest_period=str(series.iloc[-1].latest_period) if len(series) else None)


def values_text(shown: SlideContent) -> str:
    """The table alternative as one line of words: '2011: 12.8 per 1,000; 2012: 11.8 per 1,000'."""
    return "; ".join(f"{' '.join(str(v) for v in row[:-1])}: {row[-1]}" for row in shown.values.itertuples(index=False))


def deck_contents(deck: Deck, db: str | None = None) -> list[SlideContent]:
    """Every slide of a deck, in order."""
    return [content(slide, db) for slide in deck.slides]


def vintage(db: str | None = None) -> datetime | None:
    """When the data shown was last loaded (the latest partner load): the 'data as of' of every export."""
    value = queries.data_freshness(db=db).last_partner_load.iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()
