"""What an audit computes: counts, groups, references, windows and which optional parts run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from fairsynth.drift.timeline import REFERENCES as DRIFT_REFERENCES
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.windows import DEFAULT_FREQ, FREQS

# Same default as privacy.report.DEFAULT_SAMPLE_SIZE (a test keeps them equal), so the audit and the
# Privacy page report the same numbers.
PRIVACY_SAMPLE_SIZE = 5_000


@dataclass(frozen=True)
class AuditOptions:
    """What the audit computes: counts, groups, references, windows and which optional parts run."""

    min_count: int = 30
    max_order: int = 3
    # Reference group per attribute for disparate impact, e.g. (("sex", "Male"),); empty = highest rate.
    reference: tuple[tuple[str, str], ...] = ()
    freq: str = DEFAULT_FREQ
    drift_reference: str = "first"
    drift_reference_window: str | None = None
    include_fidelity: bool = True
    include_group_metrics: bool = True
    include_drift: bool = True
    include_tstr: bool = False
    # Distance-based privacy (exact copies, DCR, NNDR, k-anonymity): a few seconds, on by default.
    include_privacy: bool = True
    # anonymeter singling-out, linkability and inference attacks: ~20-30 s on Adult, opt in.
    privacy_attacks: bool = False
    # None = the privacy engine's default (protected attributes plus age- and zip-like columns).
    privacy_quasi_identifiers: tuple[str, ...] | None = None
    privacy_sample_size: int = PRIVACY_SAMPLE_SIZE
    privacy_random_state: int = 0
    # anonymeter attacks overall and per protected group (privacy.report defaults 500 and 200).
    privacy_n_attacks: int = 500
    privacy_group_attacks: int = 200

    def __post_init__(self) -> None:
        ref = self.reference.items() if isinstance(self.reference, Mapping) else self.reference
        object.__setattr__(self, "reference", tuple((str(a), str(g)) for a, g in ref))
        if self.privacy_quasi_identifiers is not None:
            qis = self.privacy_quasi_identifiers
            object.__setattr__(self, "privacy_quasi_identifiers",
                               (qis,) if isinstance(qis, str) else tuple(str(c) for c in qis))
        size = self.privacy_sample_size
        if isinstance(size, bool) or int(size) != size or size < 50:
            raise InvalidInputError(
                f"privacy_sample_size must be a whole number of at least 50, not {size!r}.")
        for name, low in (("privacy_random_state", 0), ("privacy_n_attacks", 1),
                          ("privacy_group_attacks", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InvalidInputError(f"{name} must be a whole number of at least {low}, not {value!r}.")
        if isinstance(self.min_count, bool) or int(self.min_count) != self.min_count or self.min_count < 1:
            raise InvalidInputError(f"min_count must be a whole number of at least 1, not {self.min_count!r}.")
        if self.max_order not in (1, 2, 3):
            raise InvalidInputError(f"max_order must be 1, 2 or 3, not {self.max_order!r}.")
        if self.freq not in FREQS:
            raise InvalidInputError(f"Unknown window frequency '{self.freq}'. Available: {', '.join(FREQS)}.")
        if self.drift_reference not in DRIFT_REFERENCES:
            raise InvalidInputError(
                f"Unknown drift reference '{self.drift_reference}'. Available: {', '.join(DRIFT_REFERENCES)}.")

    def to_dict(self) -> dict:
        """JSON-ready form (the reference as a mapping)."""
        data = asdict(self)
        data["reference"] = dict(self.reference)
        if self.privacy_quasi_identifiers is not None:
            data["privacy_quasi_identifiers"] = list(self.privacy_quasi_identifiers)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditOptions:
        """Inverse of `to_dict`; unknown keys are refused with the valid ones listed."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise InvalidInputError(f"Unknown audit option(s) {', '.join(unknown)}; valid: {', '.join(names)}.")
        return cls(**data)
