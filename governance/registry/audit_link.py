"""`fairsynth audit ... --register PROJECT`: the charter's policy for the audit, and its run recorded.

Both sides are registered as versions when new (the synthetic one with the real seed as parent),
then the full report JSON and its headline figures are stored as an audit run, which fires the
charter's review triggers.
"""

from __future__ import annotations

from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance.audit import AuditReport
from fairsynth.governance.export import report_to_dict
from fairsynth.governance.policy import Policy, parse_policy
from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.identity import acting_user
from fairsynth.governance.registry.replay import policy_text_sha256
from fairsynth.governance.registry.store import Registry


def charter_policy(project: str) -> Policy | None:
    """The policy in the project's charter (None if it has none); refused if there is no project."""
    registry = Registry.open()
    try:
        with registry.engine.connect() as connection:
            charter = q.project_by_name(connection, project)
    finally:
        registry.close()
    if charter is None:
        raise InvalidInputError(f"--register {project}: no project of that name in the registry.")
    if not charter["policy_toml"]:
        return None
    return parse_policy(charter["policy_toml"],
                        source=f"charter of {project} (policy version {charter['policy_version']})")


def register_audit_run(report: AuditReport, *, real: Path, synthetic: Path, project: str,
                       policy_path: Path | None = None) -> int:
    """Register both files (if new) and store the audit run; returns the audit run's id.

    The run records the sha256 of the policy text it was checked against: `policy_path`'s when
    given (`--policy`), else the charter's.
    """
    user = acting_user()
    registry = Registry.open()
    try:
        if policy_path is not None:
            policy_sha256 = policy_text_sha256(policy_path.read_text(encoding="utf-8"))
        else:
            with registry.engine.connect() as connection:
                charter = q.project_by_name(connection, project)
            policy_sha256 = (policy_text_sha256(charter["policy_toml"])
                             if charter is not None and charter["policy_toml"] else None)
        data = report_to_dict(report)
        # One transaction: both sides and the run are recorded together or not at all.
        with registry.transaction():
            real_id, _ = registry.register(user, real, project=project, kind="real")
            synthetic_id, _ = registry.register(user, synthetic, project=project, kind="synthetic",
                                                parent=real_id)
            return registry.record_audit(
                user, real_version=real_id, synthetic_version=synthetic_id, report=data,
                policy_sha256=policy_sha256,
                fairsynth_version=(data.get("lineage") or {}).get("fairsynth_version"))
    finally:
        registry.close()
