"""Report JSON stand-ins for registry tests (the registry reads only their inputs, policy and findings)."""

from __future__ import annotations

from fairsynth.foundation.paths import resource
from fairsynth.governance.registry.replay import policy_text_sha256

# The policy every test charter holds (conftest_registry and the CLI tests use this file).
CHARTER_POLICY_SHA256 = policy_text_sha256(resource("policy.example.toml").read_text())


def failing_report(*checks: str, real: str | None = None, synthetic: str | None = None) -> dict:
    """A report JSON whose policy failed the named checks (or passed, with none), of the given inputs."""
    inputs = {side: {"sha256": sha} for side, sha in (("real", real), ("synthetic", synthetic)) if sha}
    return {"inputs": inputs, "findings": [], "policy": {
        "passed": not checks, "source": "test",
        "checks": [{"name": c, "value": 0.5, "threshold": 0.8, "passed": False,
                    "explanation": "test"} for c in checks]}}


def record(registry, real: int, synthetic: int, *checks: str, user: str = "bob",
           policy_sha256: str | None = CHARTER_POLICY_SHA256, **report_extra) -> int:
    """Record an audit run of (real, synthetic) that failed `checks`, under the charter's policy."""
    shas = {side: registry.details(str(v))["sha256"] for side, v in (("real", real),
                                                                      ("synthetic", synthetic))}
    report = {**failing_report(*checks, **shas), **report_extra}
    return registry.record_audit(user, real_version=real, synthetic_version=synthetic, report=report,
                                 policy_sha256=policy_sha256)
