"""Which place each row of a table is, and how it relates to the community: the community itself, one of its places,
a part inside one of them, a comparison place, or a place outside the community (skipped with a count).

A table's place column may join several columns ('Jefferson County / ---District Total---') and name totals at any
level ('---State Total---', 'National total(a)', 'Total England and Wales'). A total of named parts is that place; a
total of the whole table is the community when every other row is the community's, else the comparison place the
catalog names at that level. With no places in the catalog every place is loaded as before, but a total is never
summed with its parts: parts inside a place are 'part', and a nation or state among its own sub-areas a 'comparison'.
"""

from __future__ import annotations

from dataclasses import dataclass

from backbone.intake.reader.labels import (
    LEVELS,
    clean_label,
    is_summary,
    known_place_level,
    label_key,
    level_of,
    level_rank,
    total_of,
)

COMMUNITY = "Community"


@dataclass(frozen=True)
class Resolved:
    """A row's place: its name as loaded and its role ('community', 'place', 'part', 'comparison'); or, when it is not
    loaded, the reason ('summary', 'outside')."""

    geography: str | None
    role: str
    reason: str | None = None


@dataclass
class _Parsed:
    parts: list[str]
    total_at: int | None = None  # index of an anonymous total ('State Total') among the parts
    total_level: str | None = None
    summary: bool = False


def _parse(raw: str, catalog=None, among_states: bool = False) -> _Parsed:
    pieces = [clean_label(p) for p in str(raw).split(" / ")]
    pieces = [p for p in pieces if p]
    # Among rows of US states, 'SD' is South Dakota, not a standard deviation.
    if any(is_summary(p) and not (among_states and known_place_level(p) == "state") for p in pieces):
        return _Parsed(pieces, summary=True)
    # A trailing level word says what kind of place the row is ('Portland SD 1J / District'); it names no place.
    while len(pieces) > 1 and level_of(pieces[-1]) and not total_of(pieces[-1])[0]:
        pieces.pop()
    parsed = _Parsed([])
    for piece in pieces:
        # A label the catalog names as a place is that place, even when it reads like a total ('National total').
        is_total, level, named = (False, None, None) if _known(catalog, piece) else total_of(piece)
        if is_total and named:
            piece = named  # 'Total England and Wales' is England and Wales
        elif is_total:
            if parsed.total_at is not None and level and level_rank(level) < level_rank(parsed.total_level):
                parsed.total_level = level  # 'All Counties / Statewide': the widest total named
            if parsed.total_at is None:
                # 'State / ---State Total---': the level word before the total only says which total it is.
                if parsed.parts and level_of(parsed.parts[-1]):
                    level = level or level_of(parsed.parts[-1])
                    parsed.parts.pop()
                parsed.total_at, parsed.total_level = len(parsed.parts), level
            continue
        if not parsed.parts or label_key(parsed.parts[-1]) != label_key(piece):
            parsed.parts.append(piece)
    return parsed


def _known(catalog, piece: str) -> bool:
    return bool(catalog is not None and getattr(catalog, "places", None) and catalog.place(piece))


def resolve_places(texts: list[str], catalog=None) -> dict[str, Resolved]:
    """Each distinct place text of one table -> how it is loaded (see the module's docstring)."""
    has_places = bool(catalog is not None and getattr(catalog, "places", None))
    among_states = sum(known_place_level(t) == "state" for t in texts) * 2 > len(texts)
    parsed = {text: _parse(text, catalog if has_places else None, among_states) for text in texts}
    resolved = {text: (_with_catalog(p, parsed, catalog) if has_places else _without_catalog(p, parsed))
                for text, p in parsed.items()}
    for text in texts:
        if label_key(text) == "community":
            resolved[text] = Resolved(COMMUNITY, "community")
    return _keep_distinct(resolved)


def _keep_distinct(resolved: dict[str, Resolved]) -> dict[str, Resolved]:
    """Two different texts read as one place keep their own names ('Portland SD 1J' the district and the school that
    bears its name), so neither replaces the other."""
    seen: dict[str, list[str]] = {}
    for text, place in resolved.items():
        if place.geography and place.geography != COMMUNITY:
            seen.setdefault(place.geography, []).append(text)
    for names in seen.values():
        if len(names) > 1:
            for text in names:
                place = resolved[text]
                joined = " / ".join(p for p in (clean_label(x) for x in text.split(" / ")) if p)
                resolved[text] = Resolved(joined, place.role if place.role != "place" else "part")
    return resolved


def _without_catalog(p: _Parsed, everything: dict[str, _Parsed]) -> Resolved:
    if p.summary:
        return Resolved(None, "skip", "summary")
    if p.total_at is not None:
        before, after = p.parts[:p.total_at], p.parts[p.total_at:]
        if not before:
            return Resolved(" / ".join(after), "part") if after else Resolved(COMMUNITY, "community")
        return Resolved(" / ".join(p.parts), "place" if len(before) == 1 and not after else "part")
    if not p.parts:
        return Resolved(COMMUNITY, "community")
    if len(p.parts) > 1:
        return Resolved(" / ".join(p.parts), "part")
    level = known_place_level(p.parts[0])
    if level and _wider_than_the_rest(p.parts[0], level, everything):
        return Resolved(p.parts[0], "comparison")
    return Resolved(p.parts[0], "place")


def _wider_than_the_rest(name: str, level: str, everything: dict[str, _Parsed]) -> bool:
    """A nation among states, or a state among counties and schools: the area the others are parts of."""
    others = [q.parts[0] for q in everything.values() if q.parts and not q.summary and label_key(q.parts[0]) != label_key(name)]
    if not others:
        return False
    return all(level_rank(known_place_level(o)) > level_rank(level) for o in others)


def _with_catalog(p: _Parsed, everything: dict[str, _Parsed], catalog) -> Resolved:
    if p.summary:
        return Resolved(None, "skip", "summary")
    if p.total_at is not None:
        before, after = p.parts[:p.total_at], p.parts[p.total_at:]
        if before:
            return _named(before + after, catalog)
        whole = _whole(p.total_level, everything, catalog)
        if after:
            return Resolved(None, "skip", "outside") if whole.role != "community" else _named(after, catalog)
        return whole
    if not p.parts:
        return Resolved(COMMUNITY, "community")
    return _named(p.parts, catalog)


def _named(parts: list[str], catalog) -> Resolved:
    """A place named by its parts: the deepest part the catalog knows decides; deeper parts lie inside it."""
    for index in range(len(parts) - 1, -1, -1):
        place = catalog.place(parts[index])
        if place is None:
            continue
        inner = parts[index + 1:]
        if not inner:
            return Resolved(place.name, "place" if place.role == "community" else "comparison")
        if place.role == "community":
            return Resolved(" / ".join([place.name, *inner]), "part")
        return Resolved(None, "skip", "outside")
    return Resolved(None, "skip", "outside")


def _whole(level: str | None, everything: dict[str, _Parsed], catalog) -> Resolved:
    """The total of a whole table: the community when every row is the community's, else the comparison place the
    catalog names at that level (or the widest one, wider than the community's places), else outside."""
    others = [q for q in everything.values() if q.total_at is None and not q.summary and q.parts]
    comparisons = [p for p in catalog.places.values() if p.role == "comparison"]
    community_rank = min((level_rank(p.level) for p in catalog.places.values() if p.role == "community"), default=99)
    # The total of rows that are all the community's is the community, unless it says it is wider ('Statewide' under
    # the community's counties is the state).
    wider = level is not None and level_rank(level) < community_rank
    if others and not wider and all(_named(q.parts, catalog).role in ("place", "part") for q in others):
        return Resolved(COMMUNITY, "community")
    if level:
        at_level = [p for p in comparisons if p.level == level]
        if len(at_level) == 1:
            return Resolved(at_level[0].name, "comparison")
    # A total is wider than every row it adds up: the 'Total' under a list of states is no state, even the one the
    # catalog compares with.
    rows_rank = min((level_rank(_level(q.parts[0], catalog)) for q in others), default=len(LEVELS))
    wider = sorted((p for p in comparisons if level_rank(p.level) < min(community_rank, rows_rank)),
                   key=lambda p: level_rank(p.level))
    if wider and (level is None or level_rank(wider[0].level) <= level_rank(level)):
        return Resolved(wider[0].name, "comparison")
    return Resolved(None, "skip", "outside")


def _level(name: str, catalog) -> str | None:
    """A row's level: as the catalog places it, else a nation or US state known by name."""
    place = catalog.place(name)
    return place.level if place is not None and place.level else known_place_level(name)
