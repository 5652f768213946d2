"""A partner's recipes: a confirmed mapping saved under a name with the shape of the files it reads (the headers of every
table read with it), applied by itself to a later file of the same shape, so next year's file loads with no choices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from backbone.errors import BackboneError
from backbone.store import database
from backbone.text import fold_label


@dataclass(frozen=True)
class Recipe:
    """One saved recipe: its name, mapping (as stored JSON, so recipes compare and hash) and the headers it reads."""

    name: str
    mapping_json: str
    headers: tuple[str, ...]
    saved_at: datetime

    @property
    def mapping(self) -> dict:
        return json.loads(self.mapping_json)


def shape(headers_seen: dict[str, list[str]]) -> tuple[str, ...]:
    """A file's shape as a recipe knows it: the folded headers of every table read, sorted (sheet names and the order
    of tables do not count: next year's sheet is often named after its year)."""
    return tuple(sorted({fold_label(h) for headers in headers_seen.values() for h in headers if fold_label(h)}))


def for_partner(cur: duckdb.DuckDBPyConnection, partner_code: str) -> tuple[Recipe, ...]:
    """The partner's recipes, the newest saved first."""
    rows = cur.execute("SELECT name, mapping_json, headers_json, saved_at FROM recipes WHERE partner_code = ?"
                       " ORDER BY saved_at DESC, name", [partner_code]).fetchall()
    return tuple(Recipe(name, mapping, tuple(json.loads(headers)), saved) for name, mapping, headers, saved in rows)


def named(cur: duckdb.DuckDBPyConnection, partner_code: str, name: str) -> Recipe:
    """The partner's recipe of this name (case and spacing aside), or a plain refusal listing the ones there are."""
    recipes = for_partner(cur, partner_code)
    found = next((r for r in recipes if fold_label(r.name) == fold_label(name)), None)
    if found is None:
        known = ", ".join(f"'{r.name}'" for r in recipes) or "none yet"
        raise BackboneError(f"{partner_code} has no recipe named '{name}'. Its recipes: {known} "
                            "(`python -m backbone recipes` lists every recipe).")
    return found


def save(cur: duckdb.DuckDBPyConnection, partner_code: str, name: str, mapping: dict, headers: tuple[str, ...],
         upload_id: str, by: str) -> None:
    """Save (or replace) the partner's recipe of this name, inside the load's transaction that confirmed it."""
    name = " ".join(name.split())
    if not name:
        raise BackboneError("A recipe needs a name, such as 'Oregon cohort media file'.")
    for existing in for_partner(cur, partner_code):
        if fold_label(existing.name) == fold_label(name):
            cur.execute("DELETE FROM recipes WHERE partner_code = ? AND name = ?", [partner_code, existing.name])
    now = datetime.now()
    cur.execute("INSERT INTO recipes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [database.new_id(), partner_code, name, json.dumps(mapping, sort_keys=True), json.dumps(list(headers)),
                 by, now, upload_id, now])


def used(cur: duckdb.DuckDBPyConnection, partner_code: str, name: str) -> None:
    """Note that a load read its file with this recipe."""
    cur.execute("UPDATE recipes SET last_used_at = ? WHERE partner_code = ? AND name = ?", [datetime.now(), partner_code, name])
