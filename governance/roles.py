"""Column roles (protected, target, prediction, time, ignored) and a guess of them from the data."""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

MAX_PROTECTED_GROUPS = 100
PROTECTED_NAME = re.compile(
    r"(^|[_\W])(sex|gender|race|ethnic\w*|age_?cat\w*|age_?band|age_?group|religion|nationality)($|[_\W])",
    re.IGNORECASE,
)
TARGET_NAME = re.compile(
    r"^(income|label|target|outcome|class|y|credit|default|two_year_recid|is_recid|recid\w*|"
    r"approved|hired|decision|loan_status|response)$",
    re.IGNORECASE,
)
PREDICTION_NAME = re.compile(r"(^|_)(pred|prediction|predicted|y_hat|yhat|score_pred)(_|$)", re.IGNORECASE)
TIME_NAME = re.compile(r"(date|time|timestamp|month|period|day)", re.IGNORECASE)
# A target named like a bad event has its favourable value at "no" (0, False, no).
ADVERSE_TARGET = re.compile(r"(recid|default|bad|risk|churn|fraud|arrest|denied|reject)", re.IGNORECASE)
POSITIVE_VALUE = re.compile(r"^(1|1\.0|true|yes|y|good|approved|hired|granted|>50k|>\s*\w+)$", re.IGNORECASE)
NEGATIVE_VALUE = re.compile(r"^(0|0\.0|false|no|n|bad|denied|rejected)$", re.IGNORECASE)


@dataclass(frozen=True)
class Roles:
    """What each column means to the audit; stored with every report."""

    protected: tuple[str, ...] = ()
    target: str | None = None
    favorable: str | None = None
    prediction: str | None = None
    time: str | None = None
    ignored: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "protected", tuple(self.protected))
        object.__setattr__(self, "ignored", tuple(self.ignored))
        if self.favorable is not None:
            object.__setattr__(self, "favorable", str(self.favorable))

    def to_dict(self) -> dict:
        """Plain JSON-ready form (lists, not tuples)."""
        data = asdict(self)
        data["protected"] = list(self.protected)
        data["ignored"] = list(self.ignored)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Roles:
        """Inverse of `to_dict`; unknown keys are refused so typos are not silently dropped."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            from governance.errors import InvalidInputError

            raise InvalidInputError(f"Unknown role keys: {', '.join(sorted(unknown))}.")
        return cls(**data)

    def with_changes(self, **changes) -> Roles:
        """A copy with some roles changed."""
        return replace(self, **changes)

    @property
    def role_columns(self) -> tuple[str, ...]:
        """Every column that has a role other than ignored."""
        cols = list(self.protected)
        cols += [c for c in (self.target, self.prediction, self.time) if c]
        return tuple(dict.fromkeys(cols))


def favorable_mask(values: pd.Series, favorable: str) -> pd.Series:
    """True where a target/prediction value equals the favourable value (compared as numbers when both are)."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric:
        try:
            return values == float(favorable)
        except ValueError:
            pass
    if pd.api.types.is_bool_dtype(values):
        return values == (favorable.strip().lower() in ("true", "1", "yes"))
    matches = values.astype("string").str.strip() == favorable.strip()
    return matches.fillna(False).astype(bool)


def parse_time(values: pd.Series) -> pd.Series:
    """Parse a time column to datetimes; values that do not parse become NaT (the caller counts them)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    return parsed


def infer_roles(frame: pd.DataFrame) -> Roles:
    """Guess roles from column names and values; the user confirms or corrects the guess."""
    protected = tuple(c for c in frame.columns if PROTECTED_NAME.search(str(c)) and _groupable(frame[c]))
    prediction = next((c for c in frame.columns if PREDICTION_NAME.search(str(c)) and _binary(frame[c])), None)
    target = next(
        (c for c in frame.columns if TARGET_NAME.match(str(c)) and _binary(frame[c]) and c != prediction),
        None,
    )
    if target is None:
        binaries = [c for c in frame.columns if _binary(frame[c]) and c not in protected and c != prediction]
        target = binaries[-1] if binaries else None
    time = next((c for c in frame.columns if _is_time(frame[c], str(c))), None)
    ignored = tuple(c for c in frame.columns if _is_identifier(frame[c]) and c not in (target, time))
    return Roles(
        protected=protected,
        target=target,
        favorable=guess_favorable(frame[target], str(target)) if target else None,
        prediction=prediction,
        time=time,
        ignored=ignored,
    )


def guess_favorable(values: pd.Series, name: str) -> str | None:
    """Pick the favourable value of a binary outcome: 'yes'-like, unless the column names a bad event."""
    distinct = [str(v).strip() for v in values.dropna().unique()]
    if not distinct:
        return None
    positives = [v for v in distinct if POSITIVE_VALUE.match(v)]
    negatives = [v for v in distinct if NEGATIVE_VALUE.match(v)]
    if ADVERSE_TARGET.search(name):
        return _normal_number(negatives[0] if negatives else sorted(distinct)[0])
    if positives:
        return _normal_number(positives[0])
    return _normal_number(sorted(distinct)[-1])


def _normal_number(text: str) -> str:
    # "1.0" from a float column reads better and matches as "1".
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _groupable(values: pd.Series) -> bool:
    return 2 <= values.nunique(dropna=True) <= MAX_PROTECTED_GROUPS


def _binary(values: pd.Series) -> bool:
    return values.nunique(dropna=True) == 2


def _is_time(values: pd.Series, name: str) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if not TIME_NAME.search(name) or pd.api.types.is_numeric_dtype(values):
        return False
    sample = values.dropna().head(500)
    return len(sample) > 0 and parse_time(sample).notna().mean() >= 0.9


def _is_identifier(values: pd.Series) -> bool:
    if pd.api.types.is_float_dtype(values) or len(values) < 50:
        return False
    return values.nunique(dropna=True) == len(values)
