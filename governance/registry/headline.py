"""The headline figures of an audit run, read from its report JSON (report_to_dict's shape)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fairsynth.governance.registry.rules import FLAGGING_SEVERITIES


@dataclass(frozen=True)
class Headline:
    """What a reviewer reads first about an audit run; None where the audit did not measure it."""

    policy_passed: bool | None
    failed_checks: tuple[str, ...]
    lowest_disparate_impact: float | None
    largest_share_gap: float | None
    lowest_fidelity: float | None
    highest_privacy_risk: float | None
    privacy_alerts: tuple[str, ...]


def _finite(values) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
            and math.isfinite(v)]


def _lowest(values) -> float | None:
    values = _finite(values)
    return min(values) if values else None


def _highest(values) -> float | None:
    values = _finite(values)
    return max(values) if values else None


def headline(report: dict) -> Headline:
    """Headline figures of a report: policy verdict, lowest DI, largest |gap|, lowest fidelity, top risk."""
    policy = report.get("policy") or None
    failed = tuple(c["name"] for c in (policy or {}).get("checks", []) if c.get("passed") is False)
    # The synthetic side's own four-fifths view (lowest over highest rate, as min_disparate_impact
    # gates it); reports written before impact_summary existed fall back to the group ratios.
    summary = report.get("impact_summary")
    synthetic_di = ([r.get("min_max_ratio") for r in summary if r.get("dataset") == "synthetic"]
                    if summary is not None else
                    [r.get("ratio") for r in report.get("disparate_impact") or []
                     if r.get("dataset") == "synthetic"])
    gaps = _finite(r.get("gap") for r in report.get("subgroup_gaps") or [])
    risks = [r.get("value") for r in report.get("privacy") or []
             if str(r.get("measure", "")).endswith("_risk")]
    alerts = tuple(f.get("sentence", f.get("code", "")) for f in report.get("findings") or []
                   if f.get("kind") == "privacy" and f.get("severity") in FLAGGING_SEVERITIES)
    return Headline(
        policy_passed=None if policy is None else bool(policy.get("passed")),
        failed_checks=failed,
        lowest_disparate_impact=_lowest(synthetic_di),
        largest_share_gap=max((abs(g) for g in gaps), default=None),
        lowest_fidelity=_lowest(r.get("score") for r in report.get("fidelity") or []),
        highest_privacy_risk=_highest(risks),
        privacy_alerts=alerts,
    )
