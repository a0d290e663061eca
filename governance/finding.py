"""One finding of an audit: a stable code, its severity, kind and a sentence with numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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
