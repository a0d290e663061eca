"""Eight writers at once (threads, then processes) on SQLite and PostgreSQL: no event lost, chain valid."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
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
    errors = [w.communicate(timeout=240)[1].decode() for w in writers]

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
