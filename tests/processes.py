"""Processes a test can look for: the sandboxed readers a server or a test started."""

from __future__ import annotations

from pathlib import Path


def sandbox_readers(uploads: str) -> set[int]:
    """The sandboxed readers still running for one uploads folder (a reader child, or a scanner it forked: both carry
    the folder in their environment, so other tests' and other projects' readers are not counted)."""
    mine = f"BACKBONE_UPLOADS={uploads}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (b"backbone.intake.reader.sandbox" in (entry / "cmdline").read_bytes()
                        and mine in (entry / "environ").read_bytes().split(b"\0")):
                    found.add(int(entry.name))
            except OSError:
                continue
    return found
