"""Save a dashboard pair to the registry: both files as versions, the audit run under the charter's
policy, and the session's notes on the synthetic version (what "Save to registry" does), all in
one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance.audit import AuditReport
from fairsynth.governance.export import report_to_dict
from fairsynth.governance.notes import MitigationNote
from fairsynth.governance.policy import parse_policy
from fairsynth.governance.registry.replay import policy_text_sha256
from fairsynth.governance.registry.schema import notes as notes_table
from fairsynth.governance.registry.store import Registry


def note_text(note: MitigationNote) -> str:
    """One line per mitigation note, as the registry keeps notes as text."""
    about = f"[{note.finding_code}] " if note.finding_code else ""
    owner = f" (owner {note.owner})" if note.owner else ""
    why = f": {note.rationale}" if note.rationale else ""
    return f"{about}{note.action}{owner}, {note.status}{why}"


def save_pair_run(registry: Registry, user: str, *, project: str, real: Path, synthetic: Path,
                  report: AuditReport, session_notes: Iterable[MitigationNote] = ()) -> dict:
    """Register both files (if new), record `report` checked against the charter's policy, and
    add the notes not yet on the synthetic version; returns the ids and the verdict."""
    charter = registry.project(project)
    if charter is None:
        raise InvalidInputError(f"No project named {project}; an admin creates it on the Projects page.")
    policy_sha256 = None
    if charter["policy_toml"]:
        report = report.with_policy(parse_policy(
            charter["policy_toml"], source=f"charter of {project} (policy version "
                                           f"{charter['policy_version']})"))
        policy_sha256 = policy_text_sha256(charter["policy_toml"])
    data = report_to_dict(report)
    # One transaction: a save killed or refused half-way leaves neither side, audit nor note.
    with registry.transaction() as connection:
        real_id, _ = registry.register(user, real, project=project, kind="real")
        synthetic_id, new = registry.register(user, synthetic, project=project, kind="synthetic",
                                              parent=real_id)
        audit_id = registry.record_audit(
            user, real_version=real_id, synthetic_version=synthetic_id, report=data,
            policy_sha256=policy_sha256,
            fairsynth_version=(data.get("lineage") or {}).get("fairsynth_version"))
        present = set(connection.execute(select(notes_table.c.text).where(
            notes_table.c.version_id == synthetic_id)).scalars())
        added = 0
        for note in session_notes:
            text = note_text(note)
            if text not in present:
                registry.add_note(user, str(synthetic_id), text)
                present.add(text)
                added += 1
    return {"real": real_id, "synthetic": synthetic_id, "new_synthetic": new, "audit": audit_id,
            "notes": added, "policy_passed": None if report.policy is None else report.policy.passed}
