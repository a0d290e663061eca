"""Column roles (protected, target, prediction, time, ignored) and a guess of them from the data."""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from fairsynth.foundation.kinds import is_number

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
            from fairsynth.foundation.errors import InvalidInputError

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
    if is_number(values):
        try:
            return values == float(favorable)
        except ValueError:
            pass
    if pd.api.types.is_bool_dtype(values):
        return values == (favorable.strip().lower() in ("true", "1", "yes"))
    # Text is compared once per distinct value, not per row. A category's codes already number its
    # values (Parquet text arrives so): no hashing of a million rows.
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    matches = pd.Series(uniques, dtype=object).astype("string").str.strip() == favorable.strip()
    table = np.append(matches.fillna(False).to_numpy(dtype=bool), False)
    return pd.Series(table[codes], index=values.index, name=values.name)


def parse_time(values: pd.Series) -> pd.Series:
    """Parse a time column to naive datetime64 (UTC wall time); values that do not parse become NaT.

    Text is read with ONE format for the whole column (ISO 8601 first, then the common day/month
    orders in `TIME_FORMATS`), the one that parses the most distinct values; so '02/01/2020' and
    '13/01/2020' are read the same way (day first here, since 13 cannot be a month). When every
    value is ambiguous the month comes first, as pandas reads it. Only when no single format parses
    `MIN_FORMAT_SHARE` of the values is each value parsed on its own (format="mixed").
    Time zones: aware values (offsets, "Z", a tz-aware dtype) are converted to UTC and the zone is
    dropped, so mixed offsets give one datetime64 column and drift windows are in UTC; naive
    values are kept as they are. The caller counts the NaT.

    Examples
    --------
    >>> parse_time(pd.Series(["02/01/2020", "13/01/2020"])).dt.strftime("%Y-%m-%d").tolist()
    ['2020-01-02', '2020-01-13']
    >>> parse_time(pd.Series(["2021-01-01T10:00+02:00", "2021-01-01T10:00-05:00"])).dt.hour.tolist()
    [8, 15]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            return values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        present = values.dropna()
        if isinstance(present.dtype, pd.CategoricalDtype):
            present = pd.Series(present.cat.categories)
        if present.empty or pd.api.types.infer_dtype(present, skipna=True) != "string":
            # Numbers, date objects or a mix of types: pandas reads each value on its own.
            parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
            return parsed.dt.tz_localize(None)
        # Each distinct text is parsed once (pandas does not cache explicit-format parsing).
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        text = pd.Series(uniques, dtype=object).astype(str).str.strip()
        fmt = _column_format(text)
        parsed = pd.to_datetime(text, errors="coerce", format=fmt, utc=True).dt.tz_localize(None)
    out = parsed.to_numpy(dtype="datetime64[ns]")[codes]
    out[codes < 0] = np.datetime64("NaT")
    return pd.Series(out, index=values.index, name=values.name)


# Tried in this order after ISO 8601; on a tie the earlier one wins (month before day, as pandas).
_DATE_FORMATS = ("%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y", "%d-%m-%Y")
TIME_FORMATS = ("ISO8601",) + tuple(d + t for d in _DATE_FORMATS for t in ("", " %H:%M", " %H:%M:%S"))
# A column's format must parse at least this share of its distinct values, else each value is
# parsed on its own.
MIN_FORMAT_SHARE = 0.95
# Distinct values tried against each format (evenly spread over the column).
_FORMAT_SAMPLE = 5000


def _column_format(distinct: pd.Series) -> str:
    """The one strptime format (or "ISO8601") that reads these distinct texts, else "mixed"."""
    if len(distinct) > _FORMAT_SAMPLE:
        distinct = distinct.iloc[(np.arange(_FORMAT_SAMPLE) * len(distinct)) // _FORMAT_SAMPLE]
    best, best_share = "mixed", 0.0
    for fmt in TIME_FORMATS:
        share = float(pd.to_datetime(distinct, errors="coerce", format=fmt, utc=True).notna().mean())
        if share > best_share:
            best, best_share = fmt, share
        if share == 1.0:
            break
    return best if best_share >= MIN_FORMAT_SHARE else "mixed"


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
