"""The registry's schema comes from its migrations; the trail refuses edits and verify finds tampering."""

from __future__ import annotations

import json
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from fairsynth.governance.registry.chain import event_hash
from fairsynth.governance.registry.database import current_revision, make_engine, migrate
from fairsynth.governance.registry.schema import metadata
from fairsynth.governance.registry.store import Registry

pytest_plugins = ["conftest_registry"]

TABLES = {"projects", "versions", "audits", "decisions", "concerns", "notes", "grants", "events",
          "approved_settings"}


def test_migrations_upgrade_an_empty_database_to_the_schema(registry_url):
    engine = make_engine(registry_url)
    assert current_revision(engine) is None

    migrate(engine)
    migrate(engine)  # opening again is a no-op at head

    assert current_revision(engine) == "0003"
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        # schema.py (what the code reads and writes) says the same as the migration made.
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []
    engine.dispose()


def test_event_columns_are_those_of_the_design(registry_url):
    engine = make_engine(registry_url)
    migrate(engine)
    columns = [c["name"] for c in inspect(engine).get_columns("events")]
    assert columns == ["id", "at", "actor", "role", "action", "subject", "payload", "prev_hash", "hash"]
    engine.dispose()


@pytest.mark.parametrize("statement", ["UPDATE events SET actor = 'mallory' WHERE id = 1",
                                       "DELETE FROM events WHERE id = 1"])
def test_the_database_refuses_update_and_delete_on_events(registry, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        with registry.engine.begin() as connection:
            connection.execute(text(statement))
    assert registry.verify().valid


def _bypass_trigger_and_run(registry, registry_url, statement: str) -> None:
    """What an attacker with the database file or owner rights could do: drop the guard, then edit."""
    registry.engine.dispose()
    if registry_url.startswith("sqlite"):
        raw = sqlite3.connect(registry_url.removeprefix("sqlite:///"))
        raw.executescript("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
                          f"{statement};")
        raw.close()
        return
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER events_append_only ON events"))
        connection.execute(text(statement))
    engine.dispose()


def test_verify_names_an_event_whose_payload_was_edited(registry, registry_url):
    assert registry.verify().valid
    _bypass_trigger_and_run(registry, registry_url,
                            "UPDATE events SET payload = '{\"role\":\"viewer\"}' WHERE id = 3")

    report = Registry(make_engine(registry_url)).verify()

    assert not report.valid and report.bad_event == 3
    assert "event 3" in report.sentence() and "altered" in report.sentence()


def test_verify_names_a_deleted_event(registry, registry_url):
    _bypass_trigger_and_run(registry, registry_url, "DELETE FROM events WHERE id = 4")

    report = Registry(make_engine(registry_url)).verify()

    assert report.bad_event == 4 and "missing" in report.sentence()


def test_verify_names_an_event_rehashed_by_the_tamperer(registry, registry_url):
    # Recomputing the edited event's own hash is not enough: the next event still points at the old one.
    engine = make_engine(registry_url)
    with engine.connect() as connection:
        row = dict(connection.execute(text("SELECT * FROM events WHERE id = 2")).mappings().one())
    engine.dispose()
    row["actor"] = "mallory"
    forged = event_hash(row["prev_hash"], row)
    _bypass_trigger_and_run(registry, registry_url,
                            f"UPDATE events SET actor = 'mallory', hash = '{forged}' WHERE id = 2")

    report = Registry(make_engine(registry_url)).verify()

    assert report.bad_event == 3 and "event 2" in report.sentence()


def test_verify_prints_the_head_and_expect_head_catches_a_deleted_tail(registry, registry_url,
                                                                       monkeypatch, capsys, tmp_path):
    from fairsynth.governance.cli import main

    monkeypatch.setenv("FAIRSYNTH_USER", "vic")
    assert main(["registry", "export", "--out", str(tmp_path / "dump")]) == 0
    head = json.loads((tmp_path / "dump" / "verify.json").read_text())["head"]
    assert head["id"] == 6 and len(head["hash"]) == 64
    capsys.readouterr()
    assert main(["registry", "verify", "--expect-head", head["hash"]]) == 0
    assert f"head event 6, hash {head['hash']}" in capsys.readouterr().out

    _bypass_trigger_and_run(registry, registry_url, "DELETE FROM events WHERE id = 6")

    assert main(["registry", "verify"]) == 0  # a shorter chain is still a chain
    assert main(["registry", "verify", "--expect-head", head["hash"]]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "head is event 5" in err


@pytest.mark.parametrize(("statement", "row"), [
    ("UPDATE grants SET role = 'admin' WHERE \"user\" = 'bob'", "the grant of bob"),
    ("UPDATE versions SET state = 'approved' WHERE id = 2", "version 2"),
    ("UPDATE audits SET report_json = '{\"policy\": null}' WHERE id = 1", "audit run 1"),
    ("INSERT INTO grants VALUES ('mallory', 'admin', 'alice', '2025')", "the grant of mallory"),
])
def test_verify_names_a_table_row_edited_behind_the_trail(registry, registry_url, audited, statement,
                                                          row):
    assert registry.verify().valid
    registry.engine.dispose()
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()

    report = Registry(make_engine(registry_url)).verify()

    assert not report.valid and report.bad_event is None and report.bad_row == row
    sentence = report.sentence()
    assert sentence.startswith(f"The tables disagree with the trail at {row}: ")
    assert sentence.endswith(".") and sentence.count(". ") == 0


def test_upgrading_a_database_made_by_0001_keeps_its_data(registry_url):
    engine = make_engine(registry_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        for statement in [
            "INSERT INTO grants VALUES ('alice', 'admin', 'alice', '2025-01-01')",
            "INSERT INTO projects (id, name, purpose, uses, audiences, owner, policy_version, "
            "approver_role, triggers, created_by, created_at) VALUES (1, 'adult', 'p', '[]', '[]', "
            "'alice', 0, 'approver', '[]', 'alice', '2025-01-01')",
            "INSERT INTO versions (id, project_id, kind, sha256, state, state_changed_at, "
            "registered_by, registered_at) VALUES (1, 1, 'synthetic', 'ab', 'in_review', 't', 'bob', 't')",
            "INSERT INTO audits (id, real_version_id, synthetic_version_id, report_json, "
            "failed_checks, run_by, run_at) VALUES (1, 1, 1, '{}', '[]', 'bob', 't')",
        ]:
            connection.execute(text(statement))

    migrate(engine)

    assert current_revision(engine) == "0003"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT role FROM grants")).scalar_one() == "admin"
        assert connection.execute(text("SELECT state FROM versions")).scalar_one() == "in_review"
        audit = connection.execute(text("SELECT report_json, policy_sha256 FROM audits")).one()
        assert tuple(audit) == ("{}", None)
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []
    engine.dispose()
