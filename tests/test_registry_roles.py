"""Roles, separation of duties, evidence for approval, lifecycle and triggers; refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from registry_reports import failing_report, record
from sqlalchemy import func, select, update

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import resource
from fairsynth.governance.registry.errors import RefusedError
from fairsynth.governance.registry.files import store_root
from fairsynth.governance.registry.replay import policy_text_sha256
from fairsynth.governance.registry.schema import events, versions

pytest_plugins = ["conftest_registry"]


def _events(registry) -> int:
    with registry.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(events)).scalar_one()


def _refused(registry, action, match: str) -> str:
    """Run an action that must be refused: one sentence, and no event written."""
    before = _events(registry)
    with pytest.raises(RefusedError, match=match) as info:
        action()
    message = str(info.value)
    assert message.endswith(".") and message.count(". ") == 0, message
    assert _events(registry) == before
    return message


def _state(registry, version: int) -> str:
    return registry.details(str(version))["state"]


def test_a_viewer_only_reads_and_files_concerns(registry, audited, tables):
    v = str(audited["synthetic"])
    _refused(registry, lambda: registry.register("vic", tables["synthetic2"], project="adult",
                                                 kind="synthetic"), "vic is a viewer")
    _refused(registry, lambda: registry.add_note("vic", v, "note"), "note needs the analyst role")
    _refused(registry, lambda: registry.approve("vic", v, "fine"), "approve needs the approver")
    _refused(registry, lambda: registry.grant("vic", "vic", "admin"), "grant needs the admin")

    before = _events(registry)
    registry.file_concern("vic", v, "the Female share looks low")
    assert registry.details(v)["open_concerns"][0]["filed_by"] == "vic"
    assert _events(registry) == before + 1
    assert registry.history(v)[-1]["action"] == "concern"


def test_a_user_without_a_grant_is_refused(registry, audited):
    message = _refused(registry, lambda: registry.file_concern("zed", "1", "x"), "no role")
    assert "fairsynth registry grant zed ROLE" in message


def test_an_analyst_cannot_approve(registry, audited):
    _refused(registry, lambda: registry.approve("bob", str(audited["synthetic"]), "ok"),
             "bob is an analyst, and approve needs the approver role")


def test_the_registrant_cannot_approve_even_as_an_approver(registry, tables):
    registry.grant("alice", "bob", "approver")  # bob registered it and is now an approver
    real, _ = registry.register("bob", tables["real"], project="adult", kind="real")
    syn, _ = registry.register("bob", tables["synthetic"], project="adult", kind="synthetic")
    record(registry, real, syn)

    _refused(registry, lambda: registry.approve("bob", str(syn), "mine"), "separation of duties")
    registry.approve("carol", str(syn), "passing audit")
    assert _state(registry, syn) == "approved"


def test_a_failed_audit_needs_a_waiver_per_failed_check(registry, tables, audited):
    v = str(audited["synthetic"])
    record(registry, audited["real"], audited["synthetic"], "max_abs_share_gap", "min_column_fidelity")

    _refused(registry, lambda: registry.approve("carol", v, "ok"),
             "failed max_abs_share_gap, min_column_fidelity with no waiver")
    _refused(registry, lambda: registry.waive("carol", v, "min_disparate_impact", "x"),
             "did not fail")
    registry.waive("carol", v, "max_abs_share_gap", "gap of 2.1 points is in the noise")
    _refused(registry, lambda: registry.approve("carol", v, "ok"),
             "failed min_column_fidelity with no waiver")
    registry.waive("dave", v, "min_column_fidelity", "age is binned downstream")
    registry.approve("carol", v, "both gaps waived")

    assert _state(registry, audited["synthetic"]) == "approved"
    assert registry.history(v)[-1]["payload"]["waived"] == ["max_abs_share_gap", "min_column_fidelity"]


def test_approval_needs_an_audit_of_that_exact_version(registry, tables, audited):
    other, _ = registry.register("bob", tables["synthetic2"], project="adult", kind="synthetic")
    _refused(registry, lambda: registry.approve("carol", str(other), "ok"), "is draft")
    assert _state(registry, other) == "draft"


def test_lifecycle_transitions_and_reasons(registry, tables, audited):
    v = str(audited["synthetic"])
    record(registry, audited["real"], audited["synthetic"])
    registry.approve("carol", v, "passes")
    registry.flag("carol", v, "a downstream model underperforms")
    assert _state(registry, audited["synthetic"]) == "flagged"
    _refused(registry, lambda: registry.approve("carol", v, "again"), "is flagged")
    registry.reopen("dave", v, "new evidence")
    assert _state(registry, audited["synthetic"]) == "in_review"
    registry.reject("carol", v, "not good enough")
    assert _state(registry, audited["synthetic"]) == "draft"
    with pytest.raises(InvalidInputError, match="reason"):
        registry.flag("carol", v, "  ")
    actions = [e["action"] for e in registry.history(v)]
    assert actions[-4:] == ["approve", "flag", "reopen", "reject"]


def test_retire_erases_the_stored_copy_and_keeps_the_record(registry, tables, audited):
    v = str(audited["synthetic"])
    stored = Path(registry.details(v)["uri"])
    assert stored.is_file() and stored.is_relative_to(store_root().resolve())

    registry.retire("carol", v, "superseded by a regenerated version")

    assert not stored.exists()
    assert tables["synthetic"].is_file()  # the user's own file is never touched
    details = registry.details(v)
    assert details["state"] == "retired" and details["uri"] is None
    assert details["latest_audit"]["failed_checks"] == ["max_abs_share_gap"]
    assert registry.history(v)[-1]["payload"]["file_erased"] is True
    _refused(registry, lambda: registry.approve("carol", v, "x"), "retired, so it cannot be approved")
    _refused(registry, lambda: registry.reopen("carol", v, "x"), "retired")


def test_retire_never_erases_a_file_outside_the_store(registry, tables, audited):
    # A database edited to point at a user's file: the erase is refused, and nothing is written.
    with registry.engine.begin() as connection:
        connection.execute(update(versions).where(versions.c.id == audited["synthetic"])
                           .values(uri=str(tables["real"])))
    _refused(registry, lambda: registry.retire("carol", str(audited["synthetic"]), "x"),
             "outside the registry's store")
    assert tables["real"].is_file()


def test_a_failing_audit_or_blocking_concern_flags_an_approved_version(registry, audited):
    v = str(audited["synthetic"])
    record(registry, audited["real"], audited["synthetic"])
    registry.approve("carol", v, "passes")

    record(registry, audited["real"], audited["synthetic"], "min_disparate_impact")

    assert _state(registry, audited["synthetic"]) == "flagged"
    last = registry.history(v)[-1]
    assert (last["actor"], last["action"], last["payload"]["trigger"]) == ("fairsynth", "flag",
                                                                           "failed_audit")
    registry.reopen("carol", v, "re-checked")
    record(registry, audited["real"], audited["synthetic"])
    registry.approve("dave", v, "passes again")
    registry.file_concern("vic", v, "rows of minors", blocking=True)
    assert _state(registry, audited["synthetic"]) == "flagged"


def test_the_review_cadence_moves_an_old_approval_to_review_due(registry, audited):
    v = str(audited["synthetic"])
    record(registry, audited["real"], audited["synthetic"])
    registry.approve("carol", v, "passes")
    assert registry.apply_review_cadence() == []

    moved = registry.apply_review_cadence(datetime.now(UTC) + timedelta(days=31))

    assert moved == [audited["synthetic"]] and _state(registry, audited["synthetic"]) == "review_due"
    assert registry.verify().valid


def test_the_last_admin_cannot_be_demoted(registry):
    _refused(registry, lambda: registry.grant("alice", "alice", "viewer"), "only admin")


def test_an_audit_under_another_policy_is_not_evidence(registry, audited):
    v, ids = str(audited["synthetic"]), (audited["real"], audited["synthetic"])
    lax = policy_text_sha256("[thresholds]\nmin_disparate_impact = 0.0\n")
    record(registry, *ids, policy_sha256=lax)
    _refused(registry, lambda: registry.approve("carol", v, "ok"), "another policy than the charter")
    record(registry, *ids, policy_sha256=None)
    _refused(registry, lambda: registry.approve("carol", v, "ok"), "another policy than the charter")
    record(registry, *ids)
    registry.approve("carol", v, "passes the charter's policy")
    assert _state(registry, audited["synthetic"]) == "approved"


@pytest.mark.parametrize("inputs", [{}, {"real": {"sha256": "0" * 64}, "synthetic": {}}])
def test_an_audit_report_must_name_the_sha256_of_both_versions(registry, audited, inputs):
    before = _events(registry)
    with pytest.raises(InvalidInputError, match="sha256"):
        registry.record_audit("bob", real_version=audited["real"],
                              synthetic_version=audited["synthetic"],
                              report={**failing_report(), "inputs": inputs})
    assert _events(registry) == before


def test_retire_erases_the_file_only_after_the_commit(registry, audited, monkeypatch):
    from fairsynth.governance.registry import store

    v = str(audited["synthetic"])
    stored = Path(registry.details(v)["uri"])
    real_append = store.append_event

    def failing_append(connection, **fields):
        if fields["action"] == "retire":
            raise RuntimeError("the database went away")
        return real_append(connection, **fields)

    monkeypatch.setattr(store, "append_event", failing_append)
    with pytest.raises(RuntimeError):
        registry.retire("carol", v, "superseded")

    assert stored.is_file()  # rolled back: the version is live, and so is its file
    details = registry.details(v)
    assert details["state"] == "in_review" and details["uri"] == str(stored)


def test_the_charters_approver_role_applies_to_every_decision(registry, tables):
    registry.create_project("alice", "strict", purpose="p", approver_role="admin",
                            policy_toml=resource("policy.example.toml").read_text())
    real, _ = registry.register("bob", tables["real"], project="strict", kind="real")
    syn, _ = registry.register("bob", tables["synthetic"], project="strict", kind="synthetic")
    record(registry, real, syn, "max_abs_share_gap")
    v = str(syn)
    for action in (lambda: registry.waive("carol", v, "max_abs_share_gap", "noise"),
                   lambda: registry.reject("carol", v, "no"),
                   lambda: registry.retire("carol", v, "old"),
                   lambda: registry.approve("carol", v, "ok")):
        _refused(registry, action, "made by the admin role, and carol is approver")
    registry.waive("alice", v, "max_abs_share_gap", "noise")
    registry.approve("alice", v, "waived")
    _refused(registry, lambda: registry.flag("carol", v, "x"), "made by the admin role")
    _refused(registry, lambda: registry.reopen("carol", v, "x"), "made by the admin role")
    registry.flag("alice", v, "complaint")
    assert _state(registry, syn) == "flagged"


def test_the_recorded_sha256_is_that_of_the_stored_bytes(registry, tables, monkeypatch):
    from fairsynth.governance.registry import store
    from fairsynth.governance.registry.files import file_sha256

    real_inspect = store.inspect_table

    def inspect_while_the_source_changes(path):
        tables["synthetic"].write_text("sex,income\nF,>50K\n")  # rewritten mid-registration
        return real_inspect(path)

    monkeypatch.setattr(store, "inspect_table", inspect_while_the_source_changes)
    version, _ = registry.register("bob", tables["synthetic"], project="adult", kind="synthetic")

    details = registry.details(str(version))
    assert file_sha256(details["uri"]) == details["sha256"]
    assert Path(details["uri"]).name.startswith(details["sha256"])
    assert not list(store_root().glob("*.partial"))


def test_a_disabled_trigger_does_not_hide_an_enabled_one(registry, tables):
    registry.create_project("alice", "quiet", purpose="p", triggers=["privacy_finding"],
                            policy_toml=resource("policy.example.toml").read_text())
    real, _ = registry.register("bob", tables["real"], project="quiet", kind="real")
    syn, _ = registry.register("bob", tables["synthetic"], project="quiet", kind="synthetic")
    record(registry, real, syn)
    registry.approve("carol", str(syn), "passes")

    record(registry, real, syn, "min_disparate_impact",  # fails (trigger off) and finds a risk (on)
           findings=[{"kind": "privacy", "severity": "high", "sentence": "rows are copied"}])

    assert _state(registry, syn) == "flagged"
    last = registry.history(str(syn))[-1]["payload"]
    assert (last["trigger"], last["triggers"], last["reason"]) == (
        "privacy_finding", ["privacy_finding"], "rows are copied")


def test_the_registrant_cannot_waive_a_check(registry, audited):
    registry.grant("alice", "bob", "approver")
    _refused(registry, lambda: registry.waive("bob", str(audited["synthetic"]), "max_abs_share_gap",
                                              "mine is fine"), "separation of duties")


def test_a_waiver_does_not_carry_over_to_a_newer_failing_audit(registry, audited):
    v, ids = str(audited["synthetic"]), (audited["real"], audited["synthetic"])
    registry.waive("carol", v, "max_abs_share_gap", "in the noise")
    record(registry, *ids, "max_abs_share_gap")  # the same check fails again, in a newer run

    _refused(registry, lambda: registry.approve("dave", v, "waived before"),
             "failed max_abs_share_gap with no waiver")


def test_erase_does_not_follow_a_link_swapped_in_after_the_checks(registry, audited, tables,
                                                                  monkeypatch):
    from fairsynth.governance.registry import files

    stored = Path(registry.details(str(audited["synthetic"]))["uri"])
    stored.unlink()
    stored.symlink_to(tables["real"])  # the swap, after the checks below saw a regular file
    kept = tables["real"].read_bytes()
    monkeypatch.setattr(files.Path, "is_symlink", lambda self: False)
    monkeypatch.setattr(files.Path, "resolve", lambda self, strict=False: self.absolute())

    with pytest.raises(RefusedError, match="symbolic link"):
        files.erase(str(stored))
    assert tables["real"].read_bytes() == kept
