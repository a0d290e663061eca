"""What to generate: rows, conditioning, target shares, outcome rates, mode and seed (saved as TOML)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import tomli_w

from fairsynth.foundation.codes import value_text
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.roles import Roles
from fairsynth.generation.dp_budget import check_budget

MODES = ("replace", "augment")
SEPARATOR = "&"
MAX_CONDITIONING_GROUPS = 100
SHARE_TOLERANCE = 1e-6
# A saved file may carry the approval record of the settings library; it is not a setting.
# A generated file's record also carries its privacy ledger (the release, not a setting).
EXTRA_TABLES = ("approval", "privacy_ledger")



def conditioning_candidates(real: pd.DataFrame, roles: Roles) -> list[str]:
    """Columns that can condition generation: not the target, at most MAX_CONDITIONING_GROUPS values."""
    return [c for c in real.columns if c != roles.target
            and real[c].nunique(dropna=False) <= MAX_CONDITIONING_GROUPS]


def default_conditioning(real: pd.DataFrame, roles: Roles) -> tuple[str, ...]:
    """The protected attributes that can condition generation (the Generation page's default)."""
    candidates = conditioning_candidates(real, roles)
    return tuple(c for c in roles.protected if c in candidates)

@dataclass(frozen=True)
class GenerationSettings:
    """Rows, conditioning attributes, target shares and outcome rates per group, mode and seed.

    `shares` and `outcome_rates` are keyed by a group label: one attribute's value ("Female")
    or a full intersection in conditioning order ("Black&Female"). Empty means "as in the
    real data". Groups left out of `shares` get no rows, so the listed shares must sum to 1.
    `shares_by` / `rates_by` name the attribute(s) the keys are values of, in conditioning
    order; left empty, they are inferred from the labels (refused when a label is ambiguous).
    """

    rows: int
    conditioning: tuple[str, ...] = ()
    shares: dict[str, float] = field(default_factory=dict)
    outcome_rates: dict[str, float] = field(default_factory=dict)
    shares_by: tuple[str, ...] = ()
    rates_by: tuple[str, ...] = ()
    mode: Literal["replace", "augment"] = "replace"
    seed: int = 0
    # Differential privacy (generation/dp_synthesizer.py): a budget turns the DP synthesizer on;
    # `public` names columns whose category domain or value range is declared public ("*": all).
    epsilon: float | None = None
    delta: float = 0.0
    public: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditioning", tuple(str(c) for c in self.conditioning))
        object.__setattr__(self, "shares", {str(k): float(v) for k, v in dict(self.shares).items()})
        object.__setattr__(self, "outcome_rates",
                           {str(k): float(v) for k, v in dict(self.outcome_rates).items()})
        for name in ("shares_by", "rates_by"):
            value = getattr(self, name)
            if isinstance(value, str):  # one attribute given bare, or "race&sex"
                value = value.split(SEPARATOR)
            object.__setattr__(self, name, tuple(str(a).strip() for a in value))
        if isinstance(self.rows, bool) or int(self.rows) != self.rows or self.rows < 1:
            raise InvalidInputError(f"rows must be a whole number of at least 1, not {self.rows!r}.")
        object.__setattr__(self, "rows", int(self.rows))
        if self.mode not in MODES:
            raise InvalidInputError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}.")
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            raise InvalidInputError(f"seed must be a whole number >= 0, not {self.seed!r}.")
        object.__setattr__(self, "seed", int(self.seed))
        self._check_numbers()
        self._check_by()
        self._check_privacy()

    def _check_privacy(self) -> None:
        public = self.public
        if isinstance(public, str):
            public = [p for p in public.split(",") if p.strip()]
        object.__setattr__(self, "public", tuple(str(p).strip() for p in public))
        if self.epsilon is None:
            if self.delta or self.public:
                raise InvalidInputError("delta and public columns mean something only with an epsilon.")
            return
        eps, delta = check_budget(self.epsilon, self.delta)
        object.__setattr__(self, "epsilon", eps)
        object.__setattr__(self, "delta", delta)
        if self.mode == "augment":
            raise InvalidInputError("Augment mode keeps the real rows, so it cannot be differentially private; "
                                    "use replace mode with an epsilon.")

    def _check_numbers(self) -> None:
        for name, values in (("share", self.shares), ("outcome rate", self.outcome_rates)):
            bad = [f"{k}={v}" for k, v in values.items() if not (0.0 <= v <= 1.0) or math.isnan(v)]
            if bad:
                raise InvalidInputError(f"Every {name} must be between 0 and 1; got {', '.join(bad)}.")
        if self.shares:
            total = sum(self.shares.values())
            if abs(total - 1.0) > SHARE_TOLERANCE:
                raise InvalidInputError(
                    f"The target shares sum to {total:.6g}, not 1: groups left out get no rows, "
                    "so list every group you want and make the shares add up to 1."
                )

    def _check_by(self) -> None:
        for name, by, values, what in (("shares_by", self.shares_by, self.shares, "shares"),
                                       ("rates_by", self.rates_by, self.outcome_rates, "outcome rates")):
            if not by:
                continue
            if not values:
                raise InvalidInputError(f"{name} names {SEPARATOR.join(by)} but there are no {what}.")
            order = [self.conditioning.index(a) for a in by if a in self.conditioning]
            if len(order) != len(by) or order != sorted(set(order)):
                raise InvalidInputError(
                    f"{name} must name conditioning attributes ({', '.join(self.conditioning) or 'none'}) "
                    f"once each, in conditioning order; got {SEPARATOR.join(by)}."
                )

    def to_dict(self) -> dict:
        """Plain form for TOML/JSON (lists, not tuples); `*_by` only when set, so older files stay as they were."""
        out: dict = {"rows": self.rows, "conditioning": list(self.conditioning), "mode": self.mode,
                     "seed": self.seed}
        for name in ("shares_by", "rates_by"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.epsilon is not None:
            out.update(epsilon=self.epsilon, delta=self.delta, public=list(self.public))
        out["shares"] = dict(self.shares)
        out["outcome_rates"] = dict(self.outcome_rates)
        return out

    def share_level(self, real: pd.DataFrame) -> tuple[str, ...]:
        """The attribute(s) the shares are keyed by: `shares_by`, or inferred from the labels."""
        return group_level(self.shares, real, self.conditioning, what="share", by=self.shares_by)

    def rate_level(self, real: pd.DataFrame) -> tuple[str, ...]:
        """The attribute(s) the outcome rates are keyed by: `rates_by`, or inferred from the labels."""
        return group_level(self.outcome_rates, real, self.conditioning, what="outcome rate",
                           by=self.rates_by)

    def to_toml(self) -> str:
        """The settings as TOML text; `from_toml` reads it back to equal settings."""
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> GenerationSettings:
        """Build from a plain dict; unknown keys are refused so typos are not silently dropped."""
        data = {k: v for k, v in data.items() if k not in EXTRA_TABLES}
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInputError(
                f"Unknown generation setting(s): {', '.join(sorted(unknown))}. "
                f"Known: {', '.join(cls.__dataclass_fields__)}."
            )
        if "rows" not in data:
            raise InvalidInputError("The settings do not say how many rows to generate (rows = ...).")
        for key in ("shares", "outcome_rates"):
            if key in data and not isinstance(data[key], dict):
                raise InvalidInputError(f"'{key}' must be a table of group = number.")
        try:
            return cls(**data)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InvalidInputError):
                raise
            raise InvalidInputError(f"Invalid generation settings: {exc}.") from exc

    @classmethod
    def from_toml(cls, text: str) -> GenerationSettings:
        """Read settings written by `to_toml` (an [approval] table, if any, is ignored)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInputError(f"The settings file is not valid TOML ({exc}).") from exc
        return cls.from_dict(data)

    def validate_against(self, real: pd.DataFrame, roles: Roles) -> None:
        """Raise InvalidInputError if these settings do not fit the real table and its roles."""
        missing = [c for c in self.conditioning if c not in real.columns]
        if missing:
            raise InvalidInputError(
                f"Unknown conditioning column(s): {', '.join(missing)}. "
                f"Columns: {', '.join(map(str, real.columns))}."
            )
        if roles.target is not None and roles.target in self.conditioning:
            raise InvalidInputError(
                f"The target '{roles.target}' cannot be a conditioning attribute; "
                "set its rate per group with outcome rates instead."
            )
        for col in self.conditioning:
            distinct = real[col].nunique(dropna=False)
            if distinct > MAX_CONDITIONING_GROUPS:
                raise InvalidInputError(
                    f"Conditioning column '{col}' has {distinct} distinct values; at most "
                    f"{MAX_CONDITIONING_GROUPS} can be groups."
                )
        if (self.shares or self.outcome_rates) and not self.conditioning:
            raise InvalidInputError(
                "Target shares and outcome rates are per group: pick conditioning attributes first."
            )
        if self.shares:
            self.share_level(real)
        if self.outcome_rates:
            if roles.target is None or roles.favorable is None:
                raise InvalidInputError(
                    "Outcome rates need a target column and its favourable value in the roles."
                )
            self.rate_level(real)


def labels(values: pd.Series) -> pd.Series:
    """Group labels of a column's values (missing as its own label)."""
    return values.map(value_text).astype(object)


def group_labels(real: pd.DataFrame, attributes: tuple[str, ...]) -> pd.Series:
    """One label per row: the attributes' value labels joined by '&' in attribute order."""
    parts = [labels(real[a]) for a in attributes]
    out = parts[0]
    for part in parts[1:]:
        out = out + SEPARATOR + part
    return out


def group_level(keys: dict[str, float], real: pd.DataFrame, conditioning: tuple[str, ...], *,
                what: str = "share", by: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Which attributes the keys name: `by` if given, else the full intersection or the one attribute holding them all."""
    values = dict(keys)
    keys = list(keys)
    if by:
        _refuse_unknown(keys, set(group_labels(real, tuple(by)).unique()), tuple(by), what)
        return tuple(by)
    if len(conditioning) > 1 and all(k.count(SEPARATOR) == len(conditioning) - 1 for k in keys):
        known = set(group_labels(real, conditioning).unique())
        _refuse_unknown(keys, known, conditioning, what)
        return tuple(conditioning)
    known_by = {attr: set(labels(real[attr]).unique()) for attr in conditioning}
    for key in keys:
        holders = [a for a in conditioning if key in known_by[a]]
        if len(holders) > 1:
            flag = "--shares" if what == "share" else "--outcome-rates"
            example = ",".join(f"{k}:{v:g}" for k, v in values.items())
            raise InvalidInputError(
                f"'{key}' is a value of both {' and '.join(holders)}: say which attribute, "
                f"e.g. {flag} '{holders[-1]}={example}' "
                f"(in a settings file: {'shares_by' if what == 'share' else 'rates_by'} = [\"{holders[-1]}\"])."
            )
    for attr in conditioning:
        if all(k in known_by[attr] for k in keys):
            return (attr,)
    first = conditioning[0] if len(conditioning) == 1 else None
    known = set(labels(real[first]).unique()) if first else set()
    if not known:
        known = set(group_labels(real, conditioning).unique())
        for attr in conditioning:
            known |= set(labels(real[attr]).unique())
    _refuse_unknown(keys, known, conditioning, what)
    raise InvalidInputError(  # keys are known values, but of different attributes
        f"The {what} groups {', '.join(keys)} mix attributes; name values of one attribute "
        f"or full intersections of {SEPARATOR.join(conditioning)}."
    )


def _refuse_unknown(keys: list[str], known: set[str], conditioning: tuple[str, ...], what: str) -> None:
    unknown = [k for k in keys if k not in known]
    if unknown:
        examples = ", ".join(sorted(known)[:12])
        raise InvalidInputError(
            f"Unknown {what} group(s) {', '.join(unknown)} for conditioning "
            f"{SEPARATOR.join(conditioning)}; groups in the real data include: {examples}."
        )
