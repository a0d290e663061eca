"""Eight writers at once (threads, then processes) on SQLite and PostgreSQL: no event lost, chain valid."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import PATIENCE_S
from sqlalchemy import select

from fairsynth.governance.registry.schema import events

pytest_plugins = ["conftest_registry"]

WRITERS, WRITES_EACH = 8, 6

# One writer process: opens the registry itself (by $FAIRSYNTH_REGISTRY_URL) and writes.
WRITER = """
import sys
from fairsynth.governance.registry.store import Registry
registry = Registry.open()
for i in range(int(sys.argv[2])):
    user = "vic" if i % 2 else "bob"
    if user == "bob":
        registry.add_note(user, "2", f"note {sys.argv[1]}.{i}")
    else:
        registry.file_concern(user, "2", f"concern {sys.argv[1]}.{i}")
registry.close()
"""


def _ids(registry) -> list[int]:
    with registry.engine.connect() as connection:
        return list(connection.execute(select(events.c.id).order_by(events.c.id)).scalars())


def _write(registry, writer: int) -> None:
    for i in range(WRITES_EACH):
        if i % 2:
            registry.file_concern("vic", "2", f"concern {writer}.{i}")
        else:
            registry.add_note("bob", "2", f"note {writer}.{i}")


def test_eight_threads_lose_no_event(registry, audited):
    before = len(_ids(registry))

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(lambda w: _write(registry, w), range(WRITERS)))

    ids = _ids(registry)
    assert ids == list(range(1, before + WRITERS * WRITES_EACH + 1))
    report = registry.verify()
    assert report.valid and report.checked == len(ids)


def test_eight_processes_lose_no_event(registry, audited):
    before = len(_ids(registry))

    # Each process inherits $FAIRSYNTH_REGISTRY_URL and $FAIRSYNTH_DATA_DIR from the fixture.
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(w), str(WRITES_EACH)],
                                stderr=subprocess.PIPE) for w in range(WRITERS)]
    errors = [w.communicate(timeout=PATIENCE_S)[1].decode() for w in writers]

    assert [w.returncode for w in writers] == [0] * WRITERS, errors
    ids = _ids(registry)
    assert ids == list(range(1, before + WRITERS * WRITES_EACH + 1))
    assert registry.verify().valid


def test_sqlite_reads_do_not_wait_for_a_writer(registry, audited, registry_url, monkeypatch):
    if not registry_url.startswith("sqlite"):
        pytest.skip("PostgreSQL reads never take the advisory write lock")
    import sqlite3

    from fairsynth.governance.registry import database
    from fairsynth.governance.registry.store import Registry

    monkeypatch.setattr(database, "SQLITE_BUSY_SECONDS", 1)
    reader = Registry(database.make_engine(registry_url))
    writer = sqlite3.connect(registry_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process's write transaction, still open
    try:
        assert reader.details("2")["state"] == "in_review"
        assert reader.verify().valid
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.close()


def test_two_approvers_racing_on_one_version_approve_it_once(registry, audited):
    from registry_reports import record

    from fairsynth.governance.registry.errors import RefusedError

    record(registry, audited["real"], audited["synthetic"])
    barrier = threading.Barrier(2)

    def approve(user: str) -> str:
        barrier.wait()
        try:
            registry.approve(user, "2", "passes")
            return "approved"
        except RefusedError as exc:
            return str(exc)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(approve, ["carol", "dave"]))

    assert outcomes.count("approved") == 1, outcomes
    assert "is approved" in next(o for o in outcomes if o != "approved")
    assert [e["action"] for e in registry.history("2")].count("approve") == 1
    assert registry.verify().valid


def test_two_registrations_of_one_file_at_once_make_one_version(registry, tables):
    barrier = threading.Barrier(2)

    def register(_):
        barrier.wait()
        return registry.register("bob", tables["synthetic"], project="adult", kind="synthetic")

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(register, range(2)))

    assert {version for version, _ in results} == {1}
    assert sorted(created for _, created in results) == [False, True]
    assert [e["action"] for e in registry.history("1")] == ["register"]
    assert registry.verify().valid
