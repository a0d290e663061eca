"""Report JSON stand-ins for registry tests (the registry reads only their policy and findings)."""

from __future__ import annotations


def failing_report(*checks: str) -> dict:
    """A report JSON whose policy failed the named checks (or passed, with none)."""
    return {"inputs": {}, "findings": [], "policy": {
        "passed": not checks, "source": "test",
        "checks": [{"name": c, "value": 0.5, "threshold": 0.8, "passed": False,
                    "explanation": "test"} for c in checks]}}
