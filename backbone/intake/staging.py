"""A partner's bytes on disk while they are checked: staged under a generated name, fingerprinted by SHA-256, and gone
when the check ends; a sweep at start-up removes what a killed process left (staged files, and a kept original whose
load never committed)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backbone import config
from backbone.store import database

# A staged file or an unreferenced original younger than this may belong to a check or load still running in another
# process (on a lake); the sweep leaves it for the next start.
SWEEP_AFTER_S = 3600


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stage_upload(data: bytes, file_name: str, db: str | None = None) -> Path:
    """Keep a browser upload on disk while it is checked; the load copies it to its permanent name."""
    incoming = config.uploads_dir(db) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"{database.new_id()}{Path(file_name).suffix.lower()}"
    path.write_bytes(data)
    return path


@contextmanager
def staged(data: bytes, file_name: str, db: str | None = None) -> Iterator[Path]:
    """The bytes staged on disk for one check (or one load), removed when it ends, however it ends."""
    path = stage_upload(data, file_name, db)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def sweep(db: str | None = None, older_than_s: float = SWEEP_AFTER_S) -> int:
    """Remove staged files older than `older_than_s` and kept originals that no upload names (a load killed between
    copying its original and COMMIT); returns how many files went."""
    folder = config.uploads_dir(db)
    if not folder.exists():
        return 0
    cutoff = time.time() - older_than_s
    named = {Path(p).name for (p,) in database.cursor(db).execute(
        "SELECT stored_path FROM uploads WHERE stored_path IS NOT NULL").fetchall()}
    removed = 0
    candidates = [p for p in (folder / "incoming").glob("*") if p.is_file()] if (folder / "incoming").exists() else []
    candidates += [p for p in folder.glob("*") if p.is_file() and p.name not in named]
    for path in candidates:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another process swept it first
    return removed
