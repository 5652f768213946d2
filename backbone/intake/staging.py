"""A partner's bytes on disk while they are checked: staged under a generated name, fingerprinted by SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from backbone import config
from backbone.store import database


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
