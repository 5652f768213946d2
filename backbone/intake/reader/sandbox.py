"""Parse an untrusted file in a child process with a memory limit and a timeout, so a parser that aborts or runs away
takes down only the child (calamine aborts the whole process on a sheet with a cell at XFD1048576).

The child is `python -m backbone.intake.reader.sandbox`: it imports the readers, says "ready", reads one request (file, limits,
shape) from stdin, sets its own address-space limit, reads the file into Arrow grids and writes one pickle to stdout:
("ok", grids) or ("refused", message). Each child reads one file and exits.

Starting a child and importing pyarrow and fastexcel costs ~0.2 s, so `prepare()` starts the next one ahead of time
(the upload page calls it while the partner picks a file); without a waiting child, a read starts its own. The
command line knows its file before it has imported what checks it, so `read_ahead()` sends the file to a child at once
and the read that asks for it later takes the result.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from backbone import config
from backbone.errors import BackboneError
from backbone.intake.reader.grid import Grid
from backbone.intake.reader.workbook import read_limits

READY = b"ready\n"
_spare: subprocess.Popen | None = None  # the child waiting for the next file
_spare_ready = False  # its "ready" line already read
_spare_lock = threading.Lock()
# Reads sent ahead of need, by what was asked (file, limits, shape): the child, whether it had said "ready", when the
# request went, and the file's size and modification time then (a file changed since is read again).
_ahead: dict[str, tuple[subprocess.Popen, bool, float, tuple[int, int]]] = {}


def prepare(wait: bool = False) -> None:
    """Start a reader child for the next file unless one is waiting (cheap on every page run); `wait` until it is ready."""
    global _spare, _spare_ready
    with _spare_lock:
        if _spare is None or _spare.poll() is not None:
            _spare, _spare_ready = _start(), False
        if wait and not _spare_ready:
            _spare_ready = _spare.stdout.readline() == READY


def read_ahead(path: Path, limits: dict[str, int] | None = None, rows: bool = False) -> None:
    """Send `path` to a reader child now; the read_untrusted of the same file, limits and shape takes its result
    (end_reads_ahead() ends one that no read took)."""
    path = Path(path)
    request = _request(path, limits or read_limits(), rows)
    child, ready = _take_child()
    try:
        child.stdin.write(request.encode())
        child.stdin.flush()  # the child reads one line; communicate() closes the pipe when the result is taken
    except BrokenPipeError:
        pass  # the child died: its read fails as it would have, with the usual message
    stat = path.stat()
    with _spare_lock:
        _ahead[request] = (child, ready, time.monotonic(), (stat.st_size, stat.st_mtime_ns))


def read_untrusted(path: Path, limits: dict[str, int] | None = None, rows: bool = False, name: str | None = None) -> list[Grid]:
    """Every sheet of a partner's file, parsed in a sandboxed child; a refusal or a crash becomes a BackboneError.

    `rows=True` returns workbook.Sheet rows of typed Python values instead (the catalog reader's shape). `name` is the
    file's name as the partner knows it: messages say it, never the staged file's generated name or a server path.
    """
    path = Path(path)
    try:
        sheets = _read(path, limits, rows)
    except BackboneError as exc:
        raise BackboneError(_as_partner_sees(str(exc), path, name or path.name)) from None
    # A CSV's one sheet is named after the file: the partner's name for it, not the staged file's generated one.
    for sheet in sheets:
        if name and sheet.name == path.stem:
            sheet.name = Path(name).stem
    return sheets


def _as_partner_sees(message: str, path: Path, name: str) -> str:
    """A message with the staged file's path and generated name (and the server's folders) replaced by the file's name."""
    for private in (str(path.resolve()), str(path), path.name):
        message = message.replace(private, name)
    for folder in {str(config.PROJECT_ROOT), str(path.resolve().parent)}:
        message = message.replace(folder, "…")
    return message


def _request(path: Path, limits: dict[str, int], rows: bool) -> str:
    """The one line a child reads: which file, its limits, and the shape to return."""
    return json.dumps({"path": str(path.resolve()), "limits": limits, "shape": "rows" if rows else "grids"}) + "\n"


def _read(path: Path, limits: dict[str, int] | None, rows: bool) -> list[Grid]:
    limits = limits or read_limits()
    request = _request(path, limits, rows)
    child, ready, sent = _sent_ahead(path, request)
    if child is None:
        child, ready = _take_child()
    try:
        # The timeout covers a new child's start-up too; its "ready" line then comes first in the output. A read sent
        # ahead has had part of its time already.
        timeout = limits["READ_TIMEOUT_S"] - (0 if sent is None else time.monotonic() - sent)
        out, _ = child.communicate(request.encode() if sent is None else None, timeout=max(timeout, 0.1))
        out = out if ready else out.removeprefix(READY)
    except subprocess.TimeoutExpired as exc:
        _end(child)
        raise BackboneError(
            f"'{path.name}' took longer than {limits['READ_TIMEOUT_S']} seconds to read, so reading was stopped. "
            "Save only the sheets with your data into a new workbook and upload that."
        ) from exc
    except BrokenPipeError:
        child.wait()
        out = b""
    finally:
        _end_group(child)
    if child.returncode == 0 and out:
        status, payload = pickle.loads(out)  # our own child's output, never the file's bytes
        if status == "refused":
            raise BackboneError(payload)
        return payload
    code = child.returncode
    died = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 else f"exit {code}"
    raise BackboneError(
        f"'{path.name}' could not be read safely: reading it needed more than the allowed "
        f"{limits['READ_MEMORY_MB']:,} MB of memory or failed inside the spreadsheet library ({died}). "
        "This happens with a sheet whose used range is enormous (a stray cell far below or right of the data) or a "
        "damaged file. Copy your data into a new workbook, save it as .xlsx and upload that."
    )


def _sent_ahead(path: Path, request: str) -> tuple[subprocess.Popen | None, bool, float | None]:
    """The child a read_ahead sent this request to (None if none did, or the file has changed since), whether it had
    said "ready", and when the request went."""
    with _spare_lock:
        ahead = _ahead.pop(request, None)
    if ahead is None:
        return None, False, None
    child, ready, sent, seen = ahead
    stat = path.stat()
    if (stat.st_size, stat.st_mtime_ns) != seen:
        _end(child)
        return None, False, None
    return child, ready, sent


def end_reads_ahead() -> None:
    """End the reads sent ahead that no read took (the command stopped before reading: a duplicate, an unknown partner)."""
    with _spare_lock:
        children = [child for child, *_ in _ahead.values()]
        _ahead.clear()
    for child in children:
        _end(child)


def _take_child() -> tuple[subprocess.Popen, bool]:
    """The waiting child if there is a live one (each reads one file), else a new one; and whether it said "ready"."""
    global _spare
    with _spare_lock:
        child, ready, _spare = _spare, _spare_ready, None
    if child is None or child.poll() is not None:
        return _start(), False
    return child, ready


def _start() -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(config.PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    # A session (and process group) of its own: the child forks an XML scanner, and at the deadline the whole group is
    # killed, so nothing of a read outlives it.
    return subprocess.Popen([sys.executable, "-m", "backbone.intake.reader.sandbox"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=str(config.PROJECT_ROOT),
                            start_new_session=True)


def _end(child: subprocess.Popen) -> None:
    """Kill a reader child and everything it started, and reap it."""
    _end_group(child)
    child.kill()
    child.communicate()


def _end_group(child: subprocess.Popen) -> None:
    """Kill whatever is left of a child's process group (its forked scanner, if the child died before joining it)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone: every process of the read has ended


def _child() -> None:
    import resource

    import fastexcel  # noqa: F401  (imported before "ready": the read itself should not wait for it)

    from backbone.intake.reader.grid import read_grids
    from backbone.intake.reader.workbook import read_workbook_here

    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        return  # the app went away before sending a file
    request = json.loads(line)
    path, limits = Path(request["path"]), request["limits"]
    memory = limits["READ_MEMORY_MB"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not write a core file of gigabytes
    # CPU seconds as well: should the app die before its deadline, the child (and its scanner) still stop on their own.
    cpu = limits["READ_TIMEOUT_S"] + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    try:
        if request["shape"] == "rows":
            result = ("ok", read_workbook_here(path, limits))
        else:
            result = ("ok", read_grids(path, limits, fork_scan=True))
    except BackboneError as exc:
        result = ("refused", str(exc))
    except MemoryError:
        result = ("refused", f"'{path.name}' needs more than {limits['READ_MEMORY_MB']:,} MB of memory to read. "
                             "Copy your data into a new workbook and upload that.")
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.flush()


if __name__ == "__main__":
    _child()
