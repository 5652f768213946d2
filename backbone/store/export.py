"""Copies out of the store: views as Excel/CSV/Parquet for analysts; whole-store backup, restore and copy."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from backbone import config
from backbone.errors import BackboneError
from backbone.store import database
from backbone.store.auth import User, require
from backbone.store.privacy import refresh_public_outcomes

PUBLIC_VIEWS = [
    "community_outcomes", "outcome_trends", "equity_gaps", "activity_scorecard", "phase_matrix",
    "submission_status", "current_observations",
]
TABLES = [
    "schema_info", "partners", "backbone_roles", "metrics", "metric_aliases", "places", "place_aliases",
    "catalog_settings", "targets", "milestones", "expectations", "uploads", "observations", "accounts",
    "column_mappings", "decks", "boundaries", "sign_in_settings", "sign_in_record", "plans", "plan_partners",
    "plan_actions", "suppression_history", "published_values", "recipes",
]
# What has been published cannot be unpublished: a restore adds a backup's record of it to the store's own rather
# than replacing it, so cells hidden before the restore stay hidden after it (store/published.py).
PUBLISHED_RECORD = {"suppression_history", "published_values"}


# Tables that hold secrets or who signed in when: in backups (which restore them), never in an export for reading.
NOT_EXPORTED = {"accounts", "sign_in_settings", "sign_in_record"}


def read_relation(name: str, db: str | None = None) -> pd.DataFrame:
    """Every row of one public view or table (names come only from the lists above)."""
    if name not in PUBLIC_VIEWS and (name not in TABLES or name in NOT_EXPORTED):
        raise BackboneError(f"'{name}' is not a view Backbone exports. Choose one of: {', '.join(PUBLIC_VIEWS)}.")
    return database.query(f"SELECT * FROM {name}", path=db)


def export_views(out: Path, view: str | None = None, db: str | None = None) -> dict[str, int]:
    """Write views to .xlsx (one sheet per view), or one view to .csv / .parquet; returns rows per view."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".parquet"):
        raise BackboneError(f"Export to .xlsx, .csv or .parquet, not '{suffix or out.name}'.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        names = [view] if view else PUBLIC_VIEWS
        frames = {name: read_relation(name, db) for name in names}
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            for name, frame in frames.items():
                safe_for_spreadsheet(frame).to_excel(writer, sheet_name=name[:31], index=False)
        return {name: len(frame) for name, frame in frames.items()}
    name = view or "community_outcomes"
    frame = read_relation(name, db)
    if suffix == ".csv":
        safe_for_spreadsheet(frame).to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    return {name: len(frame)}


# A text cell starting with one of these is run as a formula by Excel and LibreOffice ("formula injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text that a spreadsheet would run as a formula starts with ' instead; numbers stay numbers."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda cell: "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell)
    return safe


def frame_to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """One table as the bytes of an .xlsx file, for download buttons (formula-safe)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_for_spreadsheet(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def frame_to_csv(frame: pd.DataFrame) -> bytes:
    """One table as CSV bytes, for download buttons (formula-safe)."""
    return safe_for_spreadsheet(frame).to_csv(index=False).encode("utf-8")


def backup(directory: Path, db: str | None = None) -> dict[str, int]:
    """Write every table as Parquet plus a manifest, and the kept original uploads, into `directory`."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackboneError(f"'{directory}' is not empty; back up into a new folder.")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # a backup holds every partner's data and the accounts: its owner's alone
    cur = database.cursor(db)
    counts = {}
    for table in TABLES:
        arrow = cur.execute(f"SELECT * FROM {table}").to_arrow_table()
        pq.write_table(arrow, directory / f"{table}.parquet")
        counts[table] = arrow.num_rows
    uploads = config.uploads_dir(db)
    if uploads.exists():
        # Files still being checked are no part of the store (and a hostile one must not travel with its backups).
        shutil.copytree(uploads, directory / "uploads", ignore=lambda folder, _: ["incoming"] if Path(folder) == uploads else [])
    manifest = {"schema_version": database.SCHEMA_VERSION, "created": datetime.now().isoformat(), "rows": counts}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _owner_only(directory)
    return counts


def _owner_only(directory: Path) -> None:
    """Every folder 0700 and file 0600 under `directory` (copied uploads keep their old modes otherwise)."""
    for folder, subfolders, files in os.walk(directory):
        for name in subfolders:
            os.chmod(os.path.join(folder, name), 0o700)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600)


def backup_now(actor: User, db: str | None = None) -> str:
    """A director's backup from the app: a new dated folder under config.backups_dir; returns its name there."""
    require(actor, "edit")
    folder = config.backups_dir(db) / datetime.now().strftime("backbone-%Y-%m-%d-%H%M%S")
    backup(folder, db)
    return f"{folder.parent.name}/{folder.name}"


def restore(directory: Path, db: str | None = None) -> dict[str, int]:
    """Replace the store's contents with a backup, in one transaction: a failed restore changes nothing."""
    directory = Path(directory)
    manifest_file = directory / "manifest.json"
    if not manifest_file.exists():
        raise BackboneError(f"'{directory}' is not a Backbone backup (no manifest.json).")
    manifest = json.loads(manifest_file.read_text())
    # A backup holds the tables that existed when it was made; tables added since start empty.
    backed_up = [t for t in TABLES if t in manifest["rows"]]
    missing = [t for t in backed_up if not (directory / f"{t}.parquet").exists()]
    if missing or not backed_up:
        raise BackboneError(f"The backup in '{directory}' is incomplete: {', '.join(missing) or 'no tables'} missing.")
    def replace_everything(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
        for table in TABLES:
            if table not in PUBLISHED_RECORD:
                cur.execute(f"DELETE FROM {table}")
        for table in backed_up:
            keep_ours = f" EXCEPT SELECT * FROM {table}" if table in PUBLISHED_RECORD else ""
            rows = "SELECT * FROM read_parquet($path)" + keep_ours
            cur.execute(f"INSERT INTO {table} BY NAME {rows}", {"path": str(directory / f"{table}.parquet")})
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in backed_up}
        replaced = [t for t in backed_up if t not in PUBLISHED_RECORD]
        if {t: counts[t] for t in replaced} != {t: manifest["rows"][t] for t in replaced}:
            # Raised inside the transaction, so the store is left exactly as it was.
            raise BackboneError(f"Restored row counts {counts} differ from the backup's manifest {manifest['rows']}.")
        # The kept originals move with the store: point each upload at its file in this store's uploads folder.
        cur.execute("UPDATE uploads SET stored_path = $folder || '/' || regexp_extract(stored_path, '[^/]+$')"
                    " WHERE stored_path IS NOT NULL", {"folder": str(config.uploads_dir(db))})
        refresh_public_outcomes(cur)
        return counts

    counts = database.write(replace_everything, db)
    if (directory / "uploads").exists():
        shutil.copytree(directory / "uploads", config.uploads_dir(db), dirs_exist_ok=True)
    return counts


def copy_store(source: str, target: str) -> dict[str, int]:
    """Copy every table and kept upload of one store into an empty other one (a DuckDB file into a lake, or back)."""
    if source == target:
        raise BackboneError("The store to copy into is the store being copied; name another one.")
    if not database.is_empty(target):
        raise BackboneError(f"'{target}' already holds data; copy into an empty store (or use restore to replace it).")
    with tempfile.TemporaryDirectory(prefix="backbone-copy-") as folder:
        snapshot = Path(folder) / "store"
        backup(snapshot, source)
        return restore(snapshot, target)
