"""Registry test fixtures: one suite over SQLite and a real PostgreSQL 15 server started here.

Loaded with `pytest_plugins = ["conftest_registry"]` by the tests/test_registry_*.py modules. The
server runs as the `postgres` user (it refuses root) in a temporary folder on a free loopback
port, one per test session; each test gets a fresh database made from template0.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from conftest import PATIENCE_S
from registry_reports import record

from fairsynth.foundation.paths import resource
from fairsynth.governance.registry.database import REGISTRY_URL_ENV
from fairsynth.governance.registry.store import Registry

PG_BIN = Path("/usr/lib/postgresql/15/bin")
BACKENDS = ["sqlite", "postgresql"]
# The cast of every role test: who holds which role.
USERS = {"alice": "admin", "bob": "analyst", "carol": "approver", "dave": "approver",
         "vic": "viewer"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server():
    """The URL (without a database) of a PostgreSQL server that lives for the test session."""
    if not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL 15 is not installed ({PG_BIN} is absent); `make test` installs it.")
    folder = Path(tempfile.mkdtemp(prefix="fairsynth-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "fairsynth"]), check=True, capture_output=True)
    # -t: pg_ctl's own wait for the server (60 s by default) gets the suite's patience.
    wait = ["-w", "-t", str(int(PATIENCE_S))]
    start = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), *wait, "start",
             "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"]
    subprocess.run(_as_postgres(start), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://fairsynth@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", *wait,
                                     "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def registry_url(request, tmp_path, monkeypatch):
    """An empty registry database (SQLite file or a fresh PostgreSQL database), set as the env URL."""
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.db'}"
        monkeypatch.setenv(REGISTRY_URL_ENV, url)
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin_url = server.replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    url = f"{server}/{name}"
    monkeypatch.setenv(REGISTRY_URL_ENV, url)
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def tables(tmp_path) -> dict[str, Path]:
    """A small real seed and two synthetic CSV files (distinct bytes, so distinct sha256)."""
    folder = tmp_path / "files"
    folder.mkdir()
    real = pd.DataFrame({"sex": ["F", "M"] * 20, "income": ["<=50K", ">50K", ">50K", "<=50K"] * 10})
    paths = {"real": folder / "real.csv", "synthetic": folder / "synthetic.csv",
             "synthetic2": folder / "synthetic2.csv"}
    real.to_csv(paths["real"], index=False)
    real.iloc[::-1].to_csv(paths["synthetic"], index=False)
    real.sample(frac=1, random_state=3).to_csv(paths["synthetic2"], index=False)
    return paths


@pytest.fixture
def registry(registry_url):
    """An open registry with USERS granted and an empty project `adult` under the example policy."""
    reg = Registry.open(registry_url)
    reg.init("alice")
    for user, role in USERS.items():
        if user != "alice":
            reg.grant("alice", user, role)
    reg.create_project("alice", "adult", purpose="train income models",
                       policy_toml=resource("policy.example.toml").read_text(), review_days=30)
    try:
        yield reg
    finally:
        reg.close()


@pytest.fixture
def audited(registry, tables):
    """Versions registered by bob: 1 real seed, 2 synthetic with a failed audit of max_abs_share_gap."""
    real, _ = registry.register("bob", tables["real"], project="adult", kind="real")
    synthetic, _ = registry.register("bob", tables["synthetic"], project="adult", kind="synthetic",
                                     parent=str(real))
    record(registry, real, synthetic, "max_abs_share_gap")
    return {"real": real, "synthetic": synthetic}
