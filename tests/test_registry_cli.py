"""`fairsynth registry ...` and `fairsynth audit ... --register`: verbs, identity, exit codes 0/1/2."""

from __future__ import annotations

import json

import pytest
from registry_reports import record

from fairsynth.foundation.paths import resource
from fairsynth.governance.cli import main
from fairsynth.governance.registry.files import file_sha256
from fairsynth.governance.registry.store import Registry

pytest_plugins = ["conftest_registry"]


def _as(monkeypatch, user: str, *argv: str) -> int:
    monkeypatch.setenv("FAIRSYNTH_USER", user)
    return main(["registry", *map(str, argv)])


@pytest.fixture
def charter(registry_url, monkeypatch, capsys):
    """alice initialises the registry (so is admin), grants roles and creates project adult."""
    assert _as(monkeypatch, "alice", "init") == 0
    assert "alice is its admin" in capsys.readouterr().out
    for user, role in {"bob": "analyst", "carol": "approver", "vic": "viewer"}.items():
        assert _as(monkeypatch, "alice", "grant", user, role) == 0
    assert _as(monkeypatch, "alice", "project", "adult", "--purpose", "income models",
               "--uses", "training", "--policy", resource("policy.example.toml"),
               "--review-days", "90") == 0


def _approve_through_the_cli(monkeypatch, tables) -> None:
    assert _as(monkeypatch, "bob", "register", tables["real"], "--project", "adult",
               "--kind", "real") == 0
    assert _as(monkeypatch, "bob", "register", tables["synthetic"], "--project", "adult",
               "--kind", "synthetic", "--parent", "1") == 0
    registry = Registry.open()
    record(registry, 1, 2, "max_abs_share_gap")
    registry.close()
    assert _as(monkeypatch, "carol", "waive", tables["synthetic"], "--check", "max_abs_share_gap",
               "--reason", "within noise") == 0
    assert _as(monkeypatch, "carol", "approve", tables["synthetic"], "--reason", "ok") == 0


def test_status_require_approved_gates_on_the_exact_file(charter, monkeypatch, tables, tmp_path, capsys):
    _approve_through_the_cli(monkeypatch, tables)
    changed = tmp_path / "changed.csv"
    data = bytearray(tables["synthetic"].read_bytes())
    data[-2] ^= 1  # one byte
    changed.write_bytes(bytes(data))
    capsys.readouterr()

    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--require", "approved") == 0
    assert _as(monkeypatch, "vic", "status", changed, "--require", "approved") == 1
    assert "not approved (it is not registered)" in capsys.readouterr().err
    assert _as(monkeypatch, "vic", "status", tables["real"], "--require", "approved") == 1

    assert _as(monkeypatch, "carol", "flag", "2", "--reason", "complaint") == 0
    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--require", "approved") == 1


def test_a_version_is_named_by_id_file_or_sha256_prefix(charter, monkeypatch, tables, capsys):
    _approve_through_the_cli(monkeypatch, tables)
    sha = file_sha256(tables["synthetic"])
    capsys.readouterr()
    for ref in ("2", "v2", str(tables["synthetic"]), sha, sha[:12]):
        assert _as(monkeypatch, "vic", "show", ref) == 0
        assert json.loads(capsys.readouterr().out)["sha256"] == sha
    assert _as(monkeypatch, "vic", "show", sha[:11]) == 2  # too short to be a prefix


def test_refusals_exit_1_and_bad_input_exit_2_with_one_line(charter, monkeypatch, tables, capsys):
    _as(monkeypatch, "bob", "register", tables["real"], "--project", "adult", "--kind", "real")
    capsys.readouterr()

    assert _as(monkeypatch, "bob", "approve", "1", "--reason", "mine") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refused: bob is an analyst" in err

    assert _as(monkeypatch, "carol", "approve", "99", "--reason", "x") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No registered version matches '99'" in err
    assert "Traceback" not in err
    assert _as(monkeypatch, "bob", "register", tables["real"], "--project", "nope",
               "--kind", "real") == 2
    with pytest.raises(SystemExit) as usage:
        _as(monkeypatch, "bob", "grant", "zed", "superuser")
    assert usage.value.code == 2


def test_history_verify_and_export(charter, monkeypatch, tables, tmp_path, capsys):
    _approve_through_the_cli(monkeypatch, tables)
    capsys.readouterr()

    assert _as(monkeypatch, "vic", "history", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[4] for line in lines] == ["register", "audit", "waive", "approve"]
    assert "carol (approver)" in lines[-1]
    assert _as(monkeypatch, "vic", "verify") == 0
    assert "intact" in capsys.readouterr().out
    assert _as(monkeypatch, "vic", "export", "--out", tmp_path / "dump") == 0
    trail = (tmp_path / "dump" / "events.jsonl").read_text().splitlines()
    assert json.loads(trail[0])["action"] == "init" and len(trail) == 10
    assert json.loads((tmp_path / "dump" / "verify.json").read_text())["valid"] is True


def test_audit_register_records_the_run_under_the_charters_policy(charter, monkeypatch, tables, capsys):
    monkeypatch.setenv("FAIRSYNTH_USER", "bob")
    code = main(["audit", "--real", str(tables["real"]), "--synthetic", str(tables["synthetic"]),
                 "--protected", "sex", "--target", "income", "--favorable", ">50K", "--no-privacy",
                 "--out", str(tables["real"].parent / "report.json"), "--register", "adult"])
    out = capsys.readouterr()
    # 20 rows per group, under the example policy's 30-row minimum: its group checks cannot be
    # measured, which fails them, so the audit exits 1 (and is recorded all the same).
    assert code == 1, out.err
    assert "policy check failed: min_subgroup_count" in out.err
    assert "recorded as audit run 1 of project adult" in out.out

    assert _as(monkeypatch, "vic", "show", tables["synthetic"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "in_review" and shown["parent_id"] == 1
    audit = shown["latest_audit"]
    assert audit["run_by"] == "bob" and audit["policy_source"].startswith("charter of adult")
    assert audit["policy_passed"] is False and "min_subgroup_count" in audit["failed_checks"]
    assert audit["lowest_fidelity"] is not None


def test_audit_register_refuses_an_unknown_project_before_auditing(charter, monkeypatch, tables, capsys):
    code = main(["audit", "--real", str(tables["real"]), "--synthetic", str(tables["synthetic"]),
                 "--protected", "sex", "--target", "income", "--no-privacy",
                 "--out", str(tables["real"].parent / "r.json"), "--register", "nope"])
    assert code == 2 and "no project of that name" in capsys.readouterr().err
    assert not (tables["real"].parent / "r.json").exists()


def test_status_require_approved_needs_every_live_registration_or_the_named_project(
        charter, monkeypatch, tables, capsys):
    _approve_through_the_cli(monkeypatch, tables)
    assert _as(monkeypatch, "alice", "project", "loans", "--purpose", "loan models") == 0
    assert _as(monkeypatch, "bob", "register", tables["synthetic"], "--project", "loans",
               "--kind", "synthetic") == 0  # the same file, version 3, draft in loans
    capsys.readouterr()

    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--require", "approved") == 1
    assert "version 3 (loans) is draft" in capsys.readouterr().err
    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--require", "approved",
               "--project", "adult") == 0
    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--require", "approved",
               "--project", "loans") == 1
    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--project", "nope") == 2

    assert _as(monkeypatch, "carol", "retire", "3", "--reason", "wrong project") == 0
    assert _as(monkeypatch, "vic", "status", tables["synthetic"], "--require", "approved") == 0


def test_status_refuses_a_prefix_of_two_different_sha256(charter, monkeypatch, tables, capsys):
    from sqlalchemy import insert

    from fairsynth.governance.registry.schema import versions

    _approve_through_the_cli(monkeypatch, tables)
    sha = file_sha256(tables["synthetic"])
    twin = sha[:12] + ("0" if sha[12] != "0" else "1") + sha[13:]
    registry = Registry.open()
    with registry.engine.begin() as connection:
        connection.execute(insert(versions).values(
            project_id=1, kind="synthetic", sha256=twin, state="draft", state_changed_at="x",
            registered_by="bob", registered_at="x"))
    registry.close()
    capsys.readouterr()

    assert _as(monkeypatch, "vic", "status", sha[:12], "--require", "approved") == 2
    assert "2 different sha256" in capsys.readouterr().err
    assert _as(monkeypatch, "vic", "status", sha, "--require", "approved") == 0


def test_a_version_id_is_read_before_a_file_of_that_name(charter, monkeypatch, tables, tmp_path,
                                                         capsys):
    _approve_through_the_cli(monkeypatch, tables)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "1").write_bytes(tables["synthetic"].read_bytes())  # a file named like version 1
    capsys.readouterr()

    assert _as(monkeypatch, "vic", "show", "1") == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "real"
    assert _as(monkeypatch, "vic", "show", "./1") == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "synthetic"
