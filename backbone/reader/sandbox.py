"""Parse an untrusted file in a child process with a memory limit and a timeout, so a parser that aborts or runs away
takes down only the child (calamine aborts the whole process on a sheet with a cell at XFD1048576).

The child is `python -m backbone.reader.sandbox FILE`: it sets its own address-space limit, reads the file into Arrow
grids and writes one pickle to stdout: ("ok", grids) or ("refused", message). Starting it costs ~0.2 s.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

from backbone import config
from backbone.errors import BackboneError
from backbone.reader.grid import Grid
from backbone.reader.workbook import read_limits


def read_untrusted(path: Path, limits: dict[str, int] | None = None, rows: bool = False) -> list[Grid]:
    """Every sheet of a partner's file, parsed in a sandboxed child; a refusal or a crash becomes a BackboneError.

    `rows=True` returns workbook.Sheet rows of typed Python values instead (the catalog reader's shape).
    """
    path = Path(path)
    limits = limits or read_limits()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(config.PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "backbone.reader.sandbox", str(path.resolve()), json.dumps(limits),
               "rows" if rows else "grids"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=limits["READ_TIMEOUT_S"], env=env,
                              cwd=str(config.PROJECT_ROOT), check=False)
    except subprocess.TimeoutExpired as exc:
        raise BackboneError(
            f"'{path.name}' took longer than {limits['READ_TIMEOUT_S']} seconds to read, so reading was stopped. "
            "Save only the sheets with your data into a new workbook and upload that."
        ) from exc
    if done.returncode == 0 and done.stdout:
        status, payload = pickle.loads(done.stdout)  # our own child's output, never the file's bytes
        if status == "refused":
            raise BackboneError(payload)
        return payload
    died = f"signal {-done.returncode} ({signal.Signals(-done.returncode).name})" if done.returncode < 0 else f"exit {done.returncode}"
    raise BackboneError(
        f"'{path.name}' could not be read safely: reading it needed more than the allowed "
        f"{limits['READ_MEMORY_MB']:,} MB of memory or failed inside the spreadsheet library ({died}). "
        "This happens with a sheet whose used range is enormous (a stray cell far below or right of the data) or a "
        "damaged file. Copy your data into a new workbook, save it as .xlsx and upload that."
    )


def _child(path: str, limits: dict[str, int], shape: str) -> None:
    import resource

    from backbone.reader.grid import read_grids
    from backbone.reader.workbook import read_workbook_here

    memory = limits["READ_MEMORY_MB"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not write a core file of gigabytes
    try:
        if shape == "rows":
            result = ("ok", read_workbook_here(Path(path), limits))
        else:
            result = ("ok", read_grids(Path(path), limits, fork_scan=True))
    except BackboneError as exc:
        result = ("refused", str(exc))
    except MemoryError:
        result = ("refused", f"'{Path(path).name}' needs more than {limits['READ_MEMORY_MB']:,} MB of memory to read. "
                             "Copy your data into a new workbook and upload that.")
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.flush()


if __name__ == "__main__":
    _child(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "grids")
