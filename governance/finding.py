"""One finding of an audit: a stable code, its severity, kind and a sentence with numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from fairsynth.foundation.constants import SEVERITIES


@dataclass(frozen=True)
class Finding:
    """One problem: a stable code (notes refer to it), its severity, kind and a sentence with numbers."""

    code: str
    severity: str
    kind: str
    sentence: str
    subject: str
    magnitude: float

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def rank_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Most severe first; within a severity, the largest magnitude first."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return tuple(sorted(findings, key=lambda f: (order[f.severity], -f.magnitude, f.code)))
