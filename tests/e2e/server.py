"""Run the app as a real server on a free loopback port, for browser tests and the browser benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 60
SERVER_STOP_GRACE_S = 10


class ServerError(RuntimeError):
    """The server did not start; the message carries the end of its log."""


@dataclass
class AppServer:
    """A running `streamlit run app.py` and the temporary store it serves."""

    url: str
    port: int
    db: str
    uploads: str | None
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def log_tail(self, lines: int = 60) -> str:
        """The last lines the server wrote (stdout and stderr together)."""
        return log_tail(self.log_path, lines)


def log_tail(path: Path, lines: int = 60) -> str:
    """The last `lines` lines of a text file, or a note that it is missing."""
    if not path.exists():
        return f"(no log at {path})"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health_ok(url: str) -> bool:
    """True when Streamlit's health endpoint answers `ok`."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it is still there after the grace period."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=SERVER_STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=SERVER_STOP_GRACE_S)


@contextmanager
def running_app(db: Path | str, uploads: Path | None, log_path: Path, demo: bool = True,
                env: dict[str, str] | None = None) -> Iterator[AppServer]:
    """`streamlit run app.py` on `db`, answering health checks, stopped (whole process group) on exit.

    `db` is a DuckDB file or a `ducklake:` target; `uploads` None leaves the uploads folder to the store's own
    default (a lake keeps them in its data path); `env` adds settings such as the lake's BACKBONE_DATA_PATH.
    """
    settings = {"BACKBONE_DB": str(db), "BACKBONE_DEMO": "1" if demo else "0", "PYTHONUNBUFFERED": "1"}
    if uploads is not None:
        settings["BACKBONE_UPLOADS"] = str(uploads)
    inherited = dict(os.environ)
    if uploads is None:
        # A server given no uploads folder must not pick up this process's, meant for another store.
        inherited.pop("BACKBONE_UPLOADS", None)
    env = {**inherited, **settings, **(env or {})}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    server = AppServer(url=url, port=port, db=str(db), uploads=None if uploads is None else str(uploads),
                       log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _health_ok(url):
            if process.poll() is not None:
                raise ServerError(f"streamlit exited with code {process.returncode} before answering; log:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerError(f"streamlit did not answer {url}/_stcore/health within {SERVER_START_TIMEOUT_S} s; "
                                  f"log:\n{server.log_tail()}")
            time.sleep(0.25)
        yield server
    finally:
        _stop_process_group(process)
