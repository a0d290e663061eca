"""Decisions on a version and the review triggers: each checks its rule, then records the decision,
the state change and one event in the caller's transaction (store.Registry holds the write lock).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import RowMapping, insert, update

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.chain import now_utc
from fairsynth.governance.registry.errors import RefusedError
from fairsynth.governance.registry.files import erasable, erase
from fairsynth.governance.registry.headline import Headline
from fairsynth.governance.registry.replay import policy_text_sha256
from fairsynth.governance.registry.rules import TRANSITIONS, role_allows
from fairsynth.governance.registry.schema import decisions, versions


def _record(tx, version: RowMapping, kind: str, reason: str, **extra) -> int:
    return int(tx.connection.execute(insert(decisions).values(
        version_id=version["id"], kind=kind, reason=reason, decided_by=tx.user,
        decided_at=now_utc(), **extra)).inserted_primary_key[0])


def _check_transition(version: RowMapping, kind: str) -> str:
    sources, target = TRANSITIONS[kind]
    state = version["state"]
    if state not in sources:
        if state == "retired":
            raise RefusedError(f"Version {version['id']} is retired, so it cannot be {_past(kind)}.")
        raise RefusedError(f"Version {version['id']} is {state}, and {kind} needs it "
                           f"{' or '.join(sources)}.")
    return target


def _past(kind: str) -> str:
    return {"approve": "approved", "reject": "rejected", "flag": "flagged", "reopen": "reopened",
            "retire": "retired again", "waive": "waived"}[kind]


def _transition(tx, version: RowMapping, kind: str, reason: str, payload: dict | None = None,
                **extra) -> None:
    target = _check_transition(version, kind)
    decision_id = _record(tx, version, kind, reason, **extra)
    tx.set_state(version, target)
    tx.event(kind, f"version:{version['id']}", {
        "decision_id": decision_id, "reason": reason, "from": version["state"], "to": target,
        **(payload or {})})


def _not_the_registrant(tx, version: RowMapping, kind: str) -> None:
    if version["registered_by"] == tx.user:
        raise RefusedError(f"{tx.user} registered version {version['id']}, so another approver "
                           f"must {kind} it (separation of duties).")


def check_charter_role(tx, version: RowMapping, kind: str) -> None:
    """Every decision on a version (approve, waive, reject, flag, reopen, retire) needs at least the
    approver role its project's charter names."""
    charter = q.project_by_id(tx.connection, version["project_id"])
    if not role_allows(tx.role, charter["approver_role"]):
        raise RefusedError(f"Project {charter['name']}'s decisions ({kind} included) are made by the "
                           f"{charter['approver_role']} role, and {tx.user} is {tx.role}.")


def approve(tx, version: RowMapping, reason: str) -> None:
    """Approve: the charter's approver role, not the registrant, a passing (or waived) latest audit."""
    _check_transition(version, "approve")
    charter = q.project_by_id(tx.connection, version["project_id"])
    _not_the_registrant(tx, version, "approve")
    blocking = [c["id"] for c in q.open_concerns(tx.connection, version["id"]) if c["blocking"]]
    if blocking:
        raise RefusedError(f"Version {version['id']} has open blocking concern(s) "
                           f"{', '.join(map(str, blocking))}, so it cannot be approved.")
    audit = q.latest_audit(tx.connection, version)
    if audit is None:
        raise RefusedError(f"Version {version['id']} has no audit run, so there is no evidence "
                           "to approve it on.")
    if audit["policy_passed"] is None:
        raise RefusedError(f"The latest audit of version {version['id']} (audit {audit['id']}) ran "
                           "without a policy, so it cannot show the policy passed.")
    if not charter["policy_toml"]:
        raise RefusedError(f"Project {charter['name']}'s charter has no policy, so no audit can "
                           "show the charter's policy passed.")
    if audit["policy_sha256"] != policy_text_sha256(charter["policy_toml"]):
        raise RefusedError(f"The latest audit of version {version['id']} (audit {audit['id']}) was "
                           f"checked against another policy than the charter of {charter['name']}, "
                           "so it is not evidence for approval.")
    failed = json.loads(audit["failed_checks"])
    unwaived = [c for c in failed if c not in q.waived_checks(tx.connection, version["id"], audit["id"])]
    if not audit["policy_passed"] and (unwaived or not failed):
        raise RefusedError(
            f"The latest audit of version {version['id']} (audit {audit['id']}) failed "
            f"{', '.join(unwaived) or 'its policy'} with no waiver, so it cannot be approved.")
    _transition(tx, version, "approve", reason, {"audit_id": audit["id"],
                                                 "waived": sorted(set(failed))},
                audit_id=audit["id"])


def waive(tx, version: RowMapping, reason: str, *, check: str) -> None:
    """Waive one failed check of the latest audit, with a reason (not by the registrant)."""
    if version["state"] == "retired":
        raise RefusedError(f"Version {version['id']} is retired, so nothing of it can be waived.")
    _not_the_registrant(tx, version, "waive a check of")
    audit = q.latest_audit(tx.connection, version)
    failed = [] if audit is None else json.loads(audit["failed_checks"])
    if check not in failed:
        where = "it has no audit run" if audit is None else (
            f"failed in audit {audit['id']}: {', '.join(failed) or 'none'}")
        raise RefusedError(f"Check {check} did not fail in the latest audit of version "
                           f"{version['id']} ({where}).")
    decision_id = _record(tx, version, "waive", reason, check_name=check, audit_id=audit["id"])
    tx.event("waive", f"version:{version['id']}", {
        "decision_id": decision_id, "check": check, "audit_id": audit["id"], "reason": reason})


def reject(tx, version: RowMapping, reason: str) -> None:
    _transition(tx, version, "reject", reason)


def flag(tx, version: RowMapping, reason: str) -> None:
    _transition(tx, version, "flag", reason)


def reopen(tx, version: RowMapping, reason: str) -> None:
    _transition(tx, version, "reopen", reason)


def retire(tx, version: RowMapping, reason: str, *, replacement: RowMapping | None = None) -> None:
    """Retire: the stored file is overwritten and deleted (unless another live version uses it)."""
    _check_transition(version, "retire")
    if replacement is not None and (replacement["id"] == version["id"]
                                    or replacement["project_id"] != version["project_id"]
                                    or replacement["state"] == "retired"):
        raise RefusedError(f"Version {replacement['id']} cannot replace version {version['id']}: a "
                           "replacement is another live version of the same project.")
    uri, erased = version["uri"], False
    # Versions of one file share its stored copy (content-addressed): the last one out erases it.
    # The file is checked now and erased only once the retirement is committed, so a transaction
    # that fails or rolls back never leaves a live version without its file.
    if uri and not q.uri_in_use(tx.connection, uri, besides=version["id"]):
        stored = erasable(uri)
        erased = stored is not None
        if stored is not None:
            tx.after_commit.append(lambda: erase(str(stored)))
        tx.connection.execute(update(versions).where(versions.c.id == version["id"]).values(uri=None))
    replacement_id = None if replacement is None else replacement["id"]
    _transition(tx, version, "retire", reason, {"replacement": replacement_id, "file_erased": erased},
                replacement_id=replacement_id)


DECISIONS: dict[str, Callable] = {"approve": approve, "reject": reject, "flag": flag,
                                  "reopen": reopen, "retire": retire, "waive": waive}


# -- triggers: an approved version goes to flagged, with the reason, when evidence turns -------
def _trigger(tx, version: RowMapping, fired: list[tuple[str, str]], cause: dict) -> None:
    """Flag the version for every enabled trigger among `fired` ((name, reason) pairs), in one event."""
    charter = q.project_by_id(tx.connection, version["project_id"])
    enabled = set(json.loads(charter["triggers"]))
    fired = [(name, reason) for name, reason in fired if name in enabled]
    if not fired or version["state"] not in ("approved", "review_due"):
        return
    tx.set_state(version, "flagged")
    tx.system_event("flag", f"version:{version['id']}", {
        "from": version["state"], "to": "flagged", "trigger": fired[0][0],
        "triggers": [name for name, _ in fired], "reason": "; ".join(r for _, r in fired), **cause})


def audit_triggers(tx, version: RowMapping, figures: Headline, audit_id: int) -> None:
    """A new audit of an approved version that fails the policy, or finds a high privacy risk
    (each trigger evaluated: one disabled in the charter does not hide another)."""
    fired = []
    if figures.policy_passed is False:
        fired.append(("failed_audit",
                      f"audit {audit_id} failed {', '.join(figures.failed_checks) or 'the policy'}"))
    if figures.privacy_alerts:
        fired.append(("privacy_finding", figures.privacy_alerts[0]))
    _trigger(tx, version, fired, {"audit_id": audit_id})


def concern_trigger(tx, version: RowMapping, concern_id: int) -> None:
    _trigger(tx, version, [("blocking_concern", f"blocking concern {concern_id} was filed")],
             {"concern_id": concern_id})


def check_audit_pair(real: RowMapping | None, synthetic: RowMapping | None, report: dict) -> None:
    """The two versions exist, are a real and a synthetic of one project, and are the report's inputs."""
    if real is None or synthetic is None or real["kind"] != "real" or synthetic["kind"] != "synthetic":
        raise InvalidInputError("An audit run needs a registered real version and a synthetic one.")
    if real["project_id"] != synthetic["project_id"]:
        raise InvalidInputError(f"Versions {real['id']} and {synthetic['id']} belong to different projects.")
    for side, row in (("real", real), ("synthetic", synthetic)):
        sha = ((report.get("inputs") or {}).get(side) or {}).get("sha256")
        if not sha:
            raise InvalidInputError(f"The report names no sha256 for its {side} input, so it "
                                    f"cannot be shown to be an audit of version {row['id']}.")
        if sha != row["sha256"]:
            raise InvalidInputError(f"The report's {side} input is not version {row['id']} "
                                    "(its sha256 differs).")
    if synthetic["state"] == "retired":
        raise RefusedError(f"Version {synthetic['id']} is retired, so it is not audited again.")
