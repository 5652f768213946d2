"""A throwaway PostgreSQL server for DuckLake tests and benchmarks: Debian's binaries, a loopback port, a non-root user."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

SUPERUSER = "backbone"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian puts them under /usr/lib/postgresql/<version>/bin)."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class TemporaryPostgres:
    """Start with `start()`, make one empty database per lake with `new_lake_target()`, end with `stop()`."""

    def __init__(self) -> None:
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: run `sh .ci/install-tools.sh` (Debian's postgresql).")
        # PostgreSQL refuses to run as root; as root, run it as Debian's `postgres` user (or nobody).
        self.run_as = None
        if os.geteuid() == 0:
            names = {entry.pw_name for entry in pwd.getpwall()}
            self.run_as = "postgres" if "postgres" in names else "nobody"
        # Its own folder in the system temp dir: pytest's folders are private to root, the server could not enter.
        self.root = Path(tempfile.mkdtemp(prefix="backbone-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if self.run_as:
            shutil.chown(self.root, user=self.run_as)

    def start(self) -> TemporaryPostgres:
        """initdb (trust on loopback only) and start the server; returns self."""
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")
        return self

    def new_database(self) -> str:
        """A new empty database; returns its name."""
        name = "lake_" + uuid.uuid4().hex[:12]
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return name

    def lake_target(self, database: str) -> str:
        """The BACKBONE_DB value for a lake whose catalog is in `database`."""
        return f"ducklake:postgres:dbname={database} host=127.0.0.1 port={self.port} user={SUPERUSER}"

    def new_lake_target(self) -> str:
        """A BACKBONE_DB value for a brand-new lake (its own database)."""
        return self.lake_target(self.new_database())

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin / program), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
