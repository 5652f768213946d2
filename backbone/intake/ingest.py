"""A partner workbook -> one all-or-nothing load: upload record, versioned observations, kept original; and undo."""

from __future__ import annotations

import importlib
import json
import logging
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from backbone import config
from backbone.errors import BackboneError, Finding
from backbone.intake import mappings, recipes
from backbone.intake.reader.mapping import parse_mapping
from backbone.intake.reader.sandbox import read_untrusted
from backbone.intake.reader.table import find_tables
from backbone.intake.staging import file_sha256
from backbone.intake.validate import KEY_FIELDS, check_blocks
from backbone.store import database, received
from backbone.store.auth import User, require
from backbone.store.catalog import Catalog

OBSERVATION_COLUMNS = [
    "upload_id", "partner_code", "metric_code", "period_label", "period_start", "period_end", "geography",
    "dimension", "group_value", "value", "numerator", "denominator", "suppressed", "suppression_mark", "note",
    "source_sheet", "source_row", "place_role",
]
log = logging.getLogger(__name__)
# What a load needs besides reading and checking (the small-numbers rules and the impact: pandas, scipy): imported when
# first needed, or by warm_up() beside the read.
_FOR_THE_LOAD = ("backbone.store.privacy", "backbone.intake.impact")


def warm_up() -> threading.Thread:
    """Import what a load needs in a thread of its own, while this one reads the file (the read waits on the reader
    child, so the two run side by side); the command line calls it before ingest_file."""
    thread = threading.Thread(target=lambda: [importlib.import_module(name) for name in _FOR_THE_LOAD], daemon=True)
    thread.start()
    return thread


@dataclass
class IngestResult:
    """What happened to one workbook; `as_dict` is the command line's JSON."""

    status: str
    file_name: str
    partner_code: str
    upload_id: str | None = None
    rows_loaded: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    rows_suppressed: int = 0
    rows_missing: int = 0
    missing_reasons: dict[str, int] = field(default_factory=dict)
    # Rows read but not loaded for a stated reason (places outside the community, summary rows...), counted as reported.
    skipped: dict[str, int] = field(default_factory=dict)
    sheets_used: list[str] = field(default_factory=list)
    sheets_skipped: dict[str, str] = field(default_factory=dict)
    columns_mapped: dict[str, dict[str, str]] = field(default_factory=dict)
    headers_seen: dict[str, list[str]] = field(default_factory=dict)
    # Each table found (as headers_seen names it) -> its nearest title row, by which a mapping can name it ('' if none).
    table_titles: dict[str, str] = field(default_factory=dict)
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    duplicate_of: str | None = None
    # Every value cell read ends in one of loaded / suppressed / missing / reported: nothing is dropped silently.
    cells: dict[str, int] = field(default_factory=dict)
    rows_not_data: int = 0
    mapping_used: dict | None = None
    mapping_source: str | None = None  # 'given', 'recipe' or 'remembered'
    recipe: str | None = None  # the partner's recipe the file was read with, by name
    # What the load does (or would do) to the public figures: impact.impact_of's summary, flags first.
    impact: dict | None = None
    # The rows that passed and what they were checked against (a load after this dry run reuses them); not reported.
    checked: _CheckedRows | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        """Plain JSON-ready dict; findings as {sheet, row, column, message}."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "checked"}
        data["errors"] = [f.as_dict() for f in self.errors]
        data["warnings"] = [f.as_dict() for f in self.warnings]
        return data


def partner_exists(cur: duckdb.DuckDBPyConnection, partner_code: str) -> bool:
    """True when the partner is in the store."""
    return cur.execute("SELECT count(*) FROM partners WHERE partner_code = ?", [partner_code]).fetchone()[0] > 0


def ingest_file(
    path: Path,
    partner_code: str,
    *,
    uploaded_by: str = "cli",
    dry_run: bool = False,
    original_name: str | None = None,
    column_map: dict | None = None,
    actor: User | None = None,
    db: str | None = None,
    checked_before: IngestResult | None = None,
    recipe: str | None = None,
    save_recipe: str | None = None,
) -> IngestResult:
    """Validate and load one partner file; nothing is written unless every row passes.

    `column_map` names what a column holds where the reader cannot tell: {"Their header": "value", ...}.
    `checked_before` is this file's dry run: when the file, the mapping and the catalog are still what it read, the
    load uses its checked rows instead of reading and checking the file again.
    With no `column_map`, a recipe of the partner's whose shape the file has is applied by itself; `recipe` names the
    one to apply. `save_recipe` saves the mapping the load used as the partner's recipe of that name.
    """
    path = Path(path)
    partner_code = partner_code.strip().upper()
    require(actor, "upload", partner_code)
    name = original_name or path.name
    cur = database.cursor(db)
    if not partner_exists(cur, partner_code):
        known = ", ".join(r[0] for r in cur.execute("SELECT partner_code FROM partners ORDER BY 1").fetchall())
        raise BackboneError(f"Unknown partner code '{partner_code}'. Known partners: {known or 'none yet (load a catalog first)'}.")
    sha = file_sha256(path)
    chosen = recipes.named(cur, partner_code, recipe) if recipe else None
    column_map = chosen.mapping if chosen else column_map
    basis = Basis(sha, partner_code, column_map or None, None if column_map else mappings.remembered(cur, partner_code),
                   Catalog.from_store(cur), () if column_map else recipes.for_partner(cur, partner_code),
                   chosen.name if chosen else None)
    # The same file read again with a different mapping is read again: only the same file and mapping is a duplicate
    # (no mapping given means a recipe of the partner's, the one remembered for them, or none).
    same_mapping = [_mapping_text(column_map)] if column_map else [
        None, _mapping_text(basis.remembered and basis.remembered[0]), *(r.mapping_json for r in basis.recipes)]
    previous = _loaded_with_sha(cur, partner_code, sha, same_mapping)
    if previous:
        return IngestResult(status="duplicate", file_name=name, partner_code=partner_code, duplicate_of=previous)
    if checked_before is not None and checked_before.checked is not None and checked_before.checked.basis == basis:
        result = replace(checked_before, file_name=name, status="rejected")
    else:
        result = _read_and_check(path, name, basis)
    if result.errors:
        return result
    incoming = result.checked.rows  # Arrow: DuckDB reads it without a copy (a pandas frame of strings costs ~1 s at 200k rows)
    if dry_run:
        _count_changes(cur, partner_code, incoming, result)
        result.impact = _dry_run_impact(db, cur, partner_code, incoming)
        result.status = "dry-run"
        return result

    upload_id = database.new_id()
    stored = config.uploads_dir(db) / f"{upload_id}{Path(name).suffix.lower() or '.bin'}"

    def load(wcur: duckdb.DuckDBPyConnection) -> IngestResult:
        from backbone.intake.impact import impact_of, totals_with_parts
        from backbone.store import holdback, privacy

        # Checked again inside the transaction: two identical uploads at the same moment load once (on a lake, the
        # second one's COMMIT conflicts on the load counter, and when run again it finds the first).
        previous = _loaded_with_sha(wcur, partner_code, sha, same_mapping)
        if previous:
            result.status, result.duplicate_of = "duplicate", previous
            return result
        load_seq, uploaded_at = database.next_load_seq(wcur), datetime.now()
        landing = _as_current(incoming, upload_id, partner_code, load_seq, uploaded_at)
        tables = tables_of(incoming)
        # The public rows are worked out on a second connection, from the values as they will be once this upload
        # lands, while this one counts the changes and inserts the observations: the two take as long as the longer
        # of them, not as both.
        # The touched tables' current values are read once, for both.
        now = privacy.current_values_of(wcur, tables)
        with ThreadPoolExecutor(max_workers=1) as beside:
            public = beside.submit(_public_rows_once_landed, db, landing, tables, now)
            replaced = _count_changes(wcur, partner_code, incoming, result, now)
            wcur.register("incoming_rows", landing)
            wcur.execute("INSERT INTO observations BY NAME SELECT * EXCLUDE (load_seq, uploaded_at) FROM incoming_rows")
            wcur.unregister("incoming_rows")
            result.rows_loaded = incoming.num_rows
            # Before public_outcomes is replaced: what the dashboard showed (read while the rules work), against what
            # it will show; and what depends on this load alone.
            shown, totals = _public_now(wcur, tables), totals_with_parts(wcur, landing)
            rows = public.result()
            result.impact = impact_of(wcur, shown, rows.rows, landing, totals)
            result.impact["held_back"] = holdback.sentences(wcur, rows.held)
            wcur.execute(
                "INSERT INTO uploads (upload_id, load_seq, kind, partner_code, uploaded_by, uploaded_at, file_name, sha256,"
                " stored_path, status, rows_loaded, rows_new, rows_changed, rows_unchanged, rows_suppressed, rows_missing,"
                " replaced_uploads, mapping_json, impact_json)"
                " VALUES (?, ?, 'partner', ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [upload_id, load_seq, partner_code, uploaded_by, uploaded_at, name, sha, str(stored),
                 result.rows_loaded, result.rows_new, result.rows_changed, result.rows_unchanged, result.rows_suppressed,
                 result.rows_missing, ",".join(replaced) or None, _mapping_text(result.mapping_used),
                 json.dumps(result.impact)],
            )
        privacy.replace_public_rows(wcur, tables, rows)
        received.keep(wcur, tables, partner_code)
        if result.mapping_source == "given":
            mappings.remember(wcur, partner_code, column_map, upload_id, uploaded_by)
        if save_recipe and result.mapping_used:
            recipes.save(wcur, partner_code, save_recipe, result.mapping_used, recipes.shape(result.headers_seen),
                         upload_id, uploaded_by)
        elif result.recipe:
            recipes.used(wcur, partner_code, result.recipe)
        # The original is kept before COMMIT; if the copy fails, the load rolls back with it.
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, stored)
        result.upload_id, result.status = upload_id, "loaded"
        return result

    try:
        return database.write(load, db)
    except BaseException:
        stored.unlink(missing_ok=True)  # the copy is made inside the transaction: a load that did not land keeps none
        raise


def _as_current(incoming: pa.Table, upload_id: str, partner_code: str, load_seq: int, uploaded_at: datetime) -> pa.Table:
    """This upload's checked rows with what current_observations adds to each: its upload, partner, order and time."""
    n = incoming.num_rows
    rows = incoming.select([c for c in OBSERVATION_COLUMNS if c in incoming.column_names])
    for name, value in (("upload_id", pa.scalar(upload_id)), ("partner_code", pa.scalar(partner_code)),
                        ("load_seq", pa.scalar(load_seq, pa.int32())), ("uploaded_at", pa.scalar(uploaded_at, pa.timestamp("us")))):
        rows = rows.append_column(name, pa.repeat(value, n))
    return rows


def tables_of(rows: pa.Table) -> list[tuple[str, str]]:
    """The (metric_code, period_label) tables some observations fall in: all that loading them can change."""
    found = rows.group_by(["metric_code", "period_label"]).aggregate([])
    return list(zip(found.column("metric_code").to_pylist(), found.column("period_label").to_pylist(), strict=True))


def _public_rows_once_landed(db: str | None, landing: pa.Table, tables: list[tuple[str, str]],
                             now: pa.Table | None = None) -> pa.Table:
    """public_outcomes' rows for `tables` as they will be once `landing` (from _as_current) is current (`now`: the
    tables' current values, when already read: privacy.current_values_of).

    Reads the store as committed: the caller holds the write lock, so nothing else lands meanwhile.
    """
    from backbone.intake.impact import CURRENT_ONCE_LANDED
    from backbone.store import privacy

    cur = database.new_cursor(db)
    try:
        cur.register("landing", landing)
        privacy.current_of_tables(cur, tables, now)
        cur.execute(CURRENT_ONCE_LANDED)
        return privacy.public_rows(cur, tables, current="current_once_landed")
    finally:
        cur.close()


def _public_now(cur: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> pa.Table:
    """public_outcomes' rows of these tables as the dashboard shows them now."""
    from backbone.store import published

    return cur.execute(f"SELECT * FROM public_outcomes WHERE {published.where()}", published.which(tables)).to_arrow_table()


def _dry_run_impact(db: str | None, cur: duckdb.DuckDBPyConnection, partner_code: str, incoming: pa.Table) -> dict:
    """What loading `incoming` would do to the public figures, worked out without writing anything."""
    from backbone.intake.impact import impact_of
    from backbone.store import holdback

    # Placeholder upload, order and time: the rows replace the partner's current ones by key, whatever their order.
    landing = _as_current(incoming, "(dry run)", partner_code, 2**31 - 1, datetime.now())
    tables = tables_of(incoming)
    after = _public_rows_once_landed(db, landing, tables)
    return {**impact_of(cur, _public_now(cur, tables), after.rows, landing), "held_back": holdback.sentences(cur, after.held)}


@dataclass(frozen=True)
class Basis:
    """Everything a file's check depends on: the same basis gives the same checked rows."""

    sha: str
    partner_code: str
    column_map: dict | None
    remembered: tuple[dict, datetime] | None
    catalog: Catalog
    recipes: tuple[recipes.Recipe, ...] = ()  # the partner's, tried on a file read with no mapping given
    recipe_name: str | None = None  # the recipe column_map came from, when one was named


@dataclass(frozen=True)
class _CheckedRows:
    basis: Basis
    rows: pa.Table | None


def _mapping_text(column_map: dict | None) -> str | None:
    """A mapping as stored with its upload (sorted JSON), so two loads can be compared by it."""
    return json.dumps(column_map, sort_keys=True, default=str) if column_map else None


def _read_and_check(path: Path, name: str, basis: Basis) -> IngestResult:
    """Read the file in the sandbox, find its tables and check every row: the result, with its rows to load.

    Never raises for anything in the file or the mapping: a failure anywhere in reading, mapping or checking becomes a
    located finding in plain words (and the traceback goes to the log, for the developers)."""
    result = IngestResult(status="rejected", file_name=name, partner_code=basis.partner_code)
    try:
        grids = read_untrusted(path, name=name)
    except BackboneError as exc:
        result.errors.append(Finding("(whole file)", None, None, str(exc)))
        return result
    except Exception:  # noqa: BLE001 - the reader's own fault: a finding, and the traceback in the log
        log.exception("reading %s failed", name)
        result.errors.append(Finding("(whole file)", None, None, "Backbone could not read this file (a fault in "
                                     "Backbone, now logged for its developers). Save it again from Excel and upload "
                                     "that copy, or copy the table into the template from the Upload page."))
        return result
    try:
        return check_grids(grids, result, basis)
    except Exception:  # noqa: BLE001 - a partner never sees a traceback; the log keeps it
        log.exception("reading %s with mapping %s failed", name, basis.column_map)
        result.errors = [Finding("(whole file)", None, None,
                                 "Backbone could not make sense of this file's layout with this mapping (a fault in "
                                 "Backbone, now logged for its developers). Check the mapping names real headers, or "
                                 "copy the table into the template from the Upload page and upload that.")]
        result.warnings, result.checked = [], None
        return result


def check_grids(grids: list, result: IngestResult, basis: Basis) -> IngestResult:
    """Find the tables of the read grids, map their columns and check every row into `result` (raises on a fault:
    the corpus fuzz test calls it directly so that a fault cannot hide behind the catch-all above)."""
    catalog, column_map, saved = basis.catalog, basis.column_map, basis.remembered
    tables = find_tables(grids, column_map, catalog)
    if column_map:
        result.mapping_used, result.mapping_source = column_map, "recipe" if basis.recipe_name else "given"
        result.recipe = basis.recipe_name
    elif found := _recipe_for(grids, basis):
        (recipe, tables), result.mapping_source = found, "recipe"
        result.mapping_used, result.recipe = recipe.mapping, recipe.name
    elif saved and set(parse_mapping(saved[0]).columns) <= (tried := find_tables(grids, saved[0], catalog)).mapping_keys_used:
        tables, result.mapping_used, result.mapping_source = tried, saved[0], "remembered"
        tables.warnings.insert(0, Finding("(whole file)", None, None,
                                          f"read with the column mapping confirmed for {basis.partner_code} on "
                                          f"{saved[1]:%Y-%m-%d}; change it if this file is laid out differently"))
    fiscal_start = parse_mapping(result.mapping_used).fiscal_start or catalog.fiscal_start_for(basis.partner_code)
    checked = check_blocks(tables.blocks, catalog, fiscal_start)
    result.sheets_used, result.sheets_skipped = tables.sheets_used, tables.sheets_skipped
    result.columns_mapped, result.headers_seen = tables.columns_mapped, tables.headers_seen
    result.table_titles = tables.table_titles
    result.errors = tables.errors + checked.errors
    result.warnings = tables.warnings + checked.warnings
    result.missing_reasons = dict(checked.missing)
    result.skipped = dict(checked.skipped)
    result.rows_missing = sum(checked.missing.values())
    result.rows_suppressed = checked.rows_suppressed
    result.cells, result.rows_not_data = dict(checked.cells), tables.rows_not_data
    if not result.errors and (checked.table is None or not checked.table.num_rows):
        result.errors.append(Finding(tables.sheets_used[0], None, None, "no rows with values to load"))
    result.checked = _CheckedRows(basis, None if result.errors else checked.table)
    return result


def _recipe_for(grids: list, basis: Basis) -> tuple[recipes.Recipe, object] | None:
    """The newest of the partner's recipes whose shape this file has (read with it, the same headers), with the
    tables it reads, or None."""
    for recipe in basis.recipes:
        tables = find_tables(grids, recipe.mapping, basis.catalog)
        if tables.headers_seen and recipes.shape(tables.headers_seen) == recipe.headers:
            return recipe, tables
    return None


def _loaded_with_sha(cur: duckdb.DuckDBPyConnection, partner_code: str, sha: str, mappings_: list[str | None]) -> str | None:
    """A loaded upload of these bytes for this partner, read with one of these mappings (as stored, None for none)."""
    rows = cur.execute(
        "SELECT upload_id, mapping_json FROM uploads WHERE sha256 = ? AND partner_code = ? AND status = 'loaded'",
        [sha, partner_code],
    ).fetchall()
    return next((upload_id for upload_id, mapping in rows if mapping in mappings_), None)


def _count_changes(cur: duckdb.DuckDBPyConnection, partner_code: str, incoming, result: IngestResult,
                   now: pa.Table | None = None) -> list[str]:
    """Fill new / changed / unchanged counts against the partner's current values (of the incoming rows' tables:
    `now`, when already read); return the uploads replaced."""
    cur.register("incoming_keys", incoming)
    params = {"partner": partner_code}
    if now is None:
        source = "current_observations_of($metrics, $periods)"
        params.update(metrics=incoming.column("metric_code").unique().to_pylist(),
                      periods=incoming.column("period_label").unique().to_pylist())
    else:
        source = "current_now"
        cur.register(source, now)
    keys = " AND ".join(f"c.{k} = i.{k}" for k in KEY_FIELDS)
    # Counted in DuckDB: fetching a row per observation into Python costs more than the join itself.
    total, new, unchanged, replaced = cur.execute(
        f"""WITH matched AS (
              SELECT c.upload_id,
                     c.value IS NOT DISTINCT FROM CAST(i.value AS DOUBLE)
                       AND c.numerator IS NOT DISTINCT FROM CAST(i.numerator AS DOUBLE)
                       AND c.denominator IS NOT DISTINCT FROM CAST(i.denominator AS DOUBLE)
                       AND c.suppressed = i.suppressed
                       AND c.suppression_mark IS NOT DISTINCT FROM i.suppression_mark AS is_same
              FROM incoming_keys i
              LEFT JOIN (SELECT * FROM {source} WHERE partner_code = $partner) c
                ON {keys})
            SELECT count(*), count(*) FILTER (WHERE upload_id IS NULL),
                   count(*) FILTER (WHERE upload_id IS NOT NULL AND is_same),
                   list(DISTINCT upload_id) FILTER (WHERE upload_id IS NOT NULL AND NOT coalesce(is_same, false))
            FROM matched""",
        params,
    ).fetchone()
    cur.unregister("incoming_keys")
    if now is not None:
        cur.unregister("current_now")
    result.rows_new, result.rows_unchanged = new, unchanged
    result.rows_changed = total - new - unchanged
    return sorted(replaced or [])


def undo_upload(upload_id: str, undone_by: str = "cli", actor: User | None = None, db: str | None = None) -> dict:
    """Roll a partner load back: its values leave the current view and the ones it replaced return."""

    def undo(cur: duckdb.DuckDBPyConnection) -> dict:
        from backbone.store import holdback, privacy

        row = cur.execute("SELECT kind, status, file_name, partner_code FROM uploads WHERE upload_id = ?", [upload_id]).fetchone()
        if row is None:
            raise BackboneError(f"No upload with id '{upload_id}'. `python -m backbone uploads` lists them.")
        kind, status, file_name, owner = row
        require(actor, "undo", owner)
        if kind != "partner":
            raise BackboneError("A catalog load cannot be undone; load the previous catalog workbook again instead.")
        if status != "loaded":
            raise BackboneError(f"Upload '{upload_id}' ({file_name}) is already {status}.")
        cur.execute(
            "UPDATE uploads SET status = 'undone', undone_at = ?, undone_by = ? WHERE upload_id = ?",
            [datetime.now(), undone_by, upload_id],
        )
        touched = [tuple(r) for r in cur.execute("SELECT DISTINCT metric_code, period_label FROM observations"
                                                 " WHERE upload_id = ?", [upload_id]).fetchall()]
        privacy.refresh_public_outcomes(cur, touched)
        received.keep(cur, touched, owner)
        held = holdback.sentences(cur, holdback.held_now(cur, touched))
        restored = cur.execute(
            """SELECT count(*) FROM current_observations_of($metrics, $periods) c JOIN observations o
                 ON o.upload_id = $upload AND c.partner_code = o.partner_code AND c.metric_code = o.metric_code
                AND c.period_label = o.period_label AND c.geography = o.geography AND c.dimension = o.dimension
                AND c.group_value = o.group_value""",
            {"upload": upload_id, "metrics": sorted({m for m, _ in touched}), "periods": sorted({p for _, p in touched})},
        ).fetchone()[0]
        return {"upload_id": upload_id, "file_name": file_name, "status": "undone", "rows_restored": restored,
                "held_back": held}

    return database.write(undo, db)
