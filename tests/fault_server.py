"""Helpers of the fault tests (tests/test_fault_*.py): a dashboard started armed at a fault point
(foundation/faults.py) and killed there with SIGKILL, and a PostgreSQL server the test can stop and
start again under a running app."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest_registry import PG_BIN, _as_postgres, _free_port

from fairsynth.foundation.faults import MARKER_ENV, PAUSE_ENV
from fairsynth.foundation.paths import is_temp_name
from fairsynth.ui.launch import start_server, stop_server

TOKEN = re.compile(r"[?&]s=([0-9a-f]{32})")


def leftovers(folder: Path) -> list[Path]:
    """Every in-progress (temporary or partial) file under `folder`."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_temp_name(p.name))


def session_token(url: str) -> str:
    """The session token in a page's URL (?s=...)."""
    found = TOKEN.search(url)
    assert found, f"no session token in {url}"
    return found.group(1)


class Marker:
    """The fault point's marker as a named pipe: the server's write of it wakes the test up (a
    select on the pipe, no polling); a server that dies first is noticed within a second."""

    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        os.mkfifo(path)
        self.path = path
        # Opened before the server starts, so its write never waits for a reader.
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)

    def wait(self, proc: subprocess.Popen, timeout: float = 180) -> str:
        """The point the process paused at; fails if it exits or the timeout passes first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 1.0)
            if ready and (said := os.read(self.fd, 256)):
                return said.decode()
            assert proc.poll() is None, "the process exited before reaching its fault point"
        raise AssertionError(f"the process did not reach its fault point in {timeout:.0f} s")

    def close(self) -> None:
        os.close(self.fd)
        self.path.unlink(missing_ok=True)


@dataclass
class CrashableApp:
    """One data folder served by successive dashboard processes, each maybe armed at a fault point."""

    data: Path
    marker: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    armed: Marker | None = None

    def start(self, point: str | None = None) -> str:
        """Start a server on the data folder (armed at `point`, e.g. "notes@2"); its URL."""
        env = {"FAIRSYNTH_DATA_DIR": str(self.data), **self.env}
        if point:
            self.armed = Marker(self.marker)
            env |= {PAUSE_ENV: point, MARKER_ENV: str(self.marker)}
        self.proc, url = start_server(env=env)
        return url

    def wait_paused(self, timeout: float = 180) -> None:
        """Wait until the server reached its fault point (it writes the marker there)."""
        self.armed.wait(self.proc, timeout)

    def kill(self) -> None:
        """SIGKILL the server: no handler, no clean-up, as a crash or the OOM killer would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL
        self.proc = None
        self.armed.close()
        self.armed = None

    def stop(self) -> None:
        if self.proc is not None:
            stop_server(self.proc)
            self.proc = None
        if self.armed is not None:
            self.armed.close()
            self.armed = None


def registry_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run `fairsynth registry ARGS` in a fresh process, as an operator would after the restart."""
    return subprocess.run([sys.executable, "-m", "fairsynth.governance.cli", "registry", *args],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


class PostgresServer:
    """A PostgreSQL 15 server of one test, which the test may stop and start again."""

    def __init__(self) -> None:
        if not (PG_BIN / "pg_ctl").exists():
            pytest.skip(f"PostgreSQL 15 is not installed ({PG_BIN} is absent); `make test` installs it.")
        self.folder = Path(tempfile.mkdtemp(prefix="fairsynth-pg-fault-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.port = _free_port()
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"),
                                     "-A", "trust", "-U", "fairsynth"]), check=True, capture_output=True)
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://fairsynth@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("-l", str(self.folder / "log"), "-w", "start", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1")

    def stop(self) -> None:
        # fast: open connections are cut, as in a restart of the database server.
        self._ctl("-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                                     "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
