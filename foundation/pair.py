"""The dataset pair (real, synthetic, roles), validated once, that every engine reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import PairValidationError
from fairsynth.foundation.loading import MAX_UPLOAD_BYTES, LoadedTable, load_table
from fairsynth.foundation.roles import (
    MAX_PROTECTED_GROUPS,
    Roles,
    favorable_mask,
    infer_roles,
    parse_time,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "DatasetPair",
    "LoadedTable",
    "PairSurface",
    "Problem",
    "Roles",
    "favorable_mask",
    "frame_sha256",
    "infer_roles",
    "load_table",
    "make_pair",
    "parse_time",
    "validate_pair",
]


@dataclass(frozen=True)
class Problem:
    """One finding of pair validation: errors block the pair, warnings are shown with it."""

    level: Literal["error", "warning"]
    code: str
    message: str
    columns: tuple[str, ...] = ()


class PairSurface:
    """What any pair (in memory, or held in DuckDB/Spark) derives from its columns, roles and hashes."""

    roles: Roles
    excluded: tuple[str, ...]
    real_sha256: str
    synthetic_sha256: str
    shared_columns: list[str]

    @property
    def analysis_columns(self) -> list[str]:
        """Shared columns compared for fidelity and drift: not ignored, not the time, not excluded."""
        skip = set(self.roles.ignored) | set(self.excluded) | {self.roles.time}
        return [c for c in self.shared_columns if c not in skip]

    @property
    def content_hash(self) -> str:
        """Cache key: both sides' content and the roles (never object identity)."""
        payload = json.dumps(
            [self.real_sha256, self.synthetic_sha256, self.roles.to_dict()], sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class DatasetPair(PairSurface):
    """A real table, its synthetic counterpart and the column roles; build it with `make_pair`."""

    real: pd.DataFrame
    synthetic: pd.DataFrame
    roles: Roles
    real_name: str = "real"
    synthetic_name: str = "synthetic"
    real_sha256: str = ""
    synthetic_sha256: str = ""
    warnings: tuple[Problem, ...] = ()
    excluded: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shared_columns(self) -> list[str]:
        """Columns present on both sides, in the real table's order."""
        synth = set(self.synthetic.columns)
        return [c for c in self.real.columns if c in synth]


    def with_synthetic(self, synthetic: pd.DataFrame, name: str = "synthetic") -> DatasetPair:
        """The same real side and roles with a new synthetic side (e.g. freshly generated)."""
        return make_pair(self.real, synthetic, self.roles, real_name=self.real_name,
                         synthetic_name=name, real_sha256=self.real_sha256)

    def with_roles(self, roles: Roles) -> DatasetPair:
        """The same data with other roles, validated again."""
        return make_pair(self.real, self.synthetic, roles, real_name=self.real_name,
                         synthetic_name=self.synthetic_name, real_sha256=self.real_sha256,
                         synthetic_sha256=self.synthetic_sha256)


def frame_sha256(frame: pd.DataFrame) -> str:
    """Content hash of a DataFrame (values, column names and dtypes)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def make_pair(
    real: pd.DataFrame | LoadedTable,
    synthetic: pd.DataFrame | LoadedTable,
    roles: Roles | None = None,
    *,
    real_name: str | None = None,
    synthetic_name: str | None = None,
    real_sha256: str = "",
    synthetic_sha256: str = "",
) -> DatasetPair:
    """Validate two tables and their roles into a DatasetPair, or raise PairValidationError."""
    if isinstance(real, LoadedTable):
        real_name, real_sha256, real = real_name or real.name, real.sha256, real.frame
    if isinstance(synthetic, LoadedTable):
        synthetic_name = synthetic_name or synthetic.name
        synthetic_sha256, synthetic = synthetic.sha256, synthetic.frame
    roles = roles if roles is not None else infer_roles(real)
    real, synthetic = _harmonise_types(real, synthetic)
    real, real_inf = _infinite_as_missing(real, "real")
    synthetic, synth_inf = _infinite_as_missing(synthetic, "synthetic")
    problems = validate_pair(real, synthetic, roles) + real_inf + synth_inf
    errors = [p.message for p in problems if p.level == "error"]
    if errors:
        raise PairValidationError(errors)
    excluded = tuple(c for p in problems if p.code == "dtype_mismatch" for c in p.columns)
    return DatasetPair(
        real=real,
        synthetic=synthetic,
        roles=roles,
        real_name=real_name or "real",
        synthetic_name=synthetic_name or "synthetic",
        real_sha256=real_sha256 or frame_sha256(real),
        synthetic_sha256=synthetic_sha256 or frame_sha256(synthetic),
        warnings=tuple(p for p in problems if p.level == "warning"),
        excluded=excluded,
    )


def _harmonise_types(real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    # A CSV side holds dates and numbers as text where a Parquet side has them typed:
    # parse the text side when every value it has parses, so the column is compared.
    converted: dict[str, dict[str, pd.Series]] = {"real": {}, "synthetic": {}}
    for col in (c for c in real.columns if c in set(synthetic.columns)):
        kinds = {"real": _kind(real[col]), "synthetic": _kind(synthetic[col])}
        if kinds["real"] == kinds["synthetic"] or "text" not in kinds.values():
            continue
        text_side = "real" if kinds["real"] == "text" else "synthetic"
        other_kind = kinds["synthetic" if text_side == "real" else "real"]
        values = (real if text_side == "real" else synthetic)[col]
        if other_kind == "datetime":
            parsed = parse_time(values)
        elif other_kind == "numeric":
            parsed = pd.to_numeric(values, errors="coerce")
        else:
            continue
        if parsed.notna().sum() == values.notna().sum():
            converted[text_side][col] = parsed
    if converted["real"]:
        real = real.assign(**converted["real"])
    if converted["synthetic"]:
        synthetic = synthetic.assign(**converted["synthetic"])
    return real, synthetic


def _infinite_as_missing(frame: pd.DataFrame, side: str) -> tuple[pd.DataFrame, list[Problem]]:
    # No statistic here is defined on infinity; treating it as missing is said, not silent.
    # Only floating columns can hold infinity: integer ones are skipped, with no float copy.
    hit = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values.dtype):
            n = int(np.isinf(values.to_numpy(dtype="float64", na_value=np.nan)).sum())
            if n:
                hit[col] = n
    if not hit:
        return frame, []
    frame = frame.copy()
    for col in hit:
        frame[col] = frame[col].replace([np.inf, -np.inf], np.nan)
    listed = ", ".join(f"{c} ({n})" for c, n in hit.items())
    return frame, [Problem("warning", "infinite_values",
                           f"Infinite values in the {side} table are treated as missing: {listed}.",
                           tuple(hit))]


def validate_pair(real: pd.DataFrame, synthetic: pd.DataFrame, roles: Roles) -> list[Problem]:
    """Every problem of a pair and its roles, errors first; an empty list means all is well."""
    problems: list[Problem] = []
    for side, frame in (("real", real), ("synthetic", synthetic)):
        if len(frame) == 0:
            problems.append(Problem("error", "empty", f"The {side} table has no rows."))
    shared = [c for c in real.columns if c in set(synthetic.columns)]
    if not shared:
        problems.append(Problem("error", "no_shared_columns",
                                "The real and synthetic tables have no column in common."))
        return problems
    problems += _one_sided(real, synthetic)
    problems += _dtype_mismatches(real, synthetic, shared, roles)
    problems += _role_problems(real, synthetic, roles, shared)
    problems += _all_missing(real, synthetic)
    return sorted(problems, key=lambda p: p.level != "error")


def _one_sided(real: pd.DataFrame, synthetic: pd.DataFrame) -> list[Problem]:
    out = []
    for side, cols in (("real", [c for c in real.columns if c not in set(synthetic.columns)]),
                       ("synthetic", [c for c in synthetic.columns if c not in set(real.columns)])):
        if cols:
            out.append(Problem("warning", f"only_in_{side}",
                               f"Only in the {side} table (not compared): {', '.join(map(str, cols))}.",
                               tuple(cols)))
    return out


def _kind(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_numeric_dtype(values):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "datetime"
    return "text"


def _dtype_mismatches(real, synthetic, shared, roles) -> list[Problem]:
    out = []
    for col in shared:
        kr, ks = _kind(real[col]), _kind(synthetic[col])
        if kr == ks or real[col].isna().all() or synthetic[col].isna().all():
            continue
        level = "error" if col in roles.role_columns else "warning"
        tail = "" if level == "error" else " It is left out of the comparison."
        out.append(Problem(level, "dtype_mismatch",
                           f"Column '{col}' is {kr} in the real table but {ks} in the synthetic one.{tail}",
                           (col,)))
    return out


def _role_problems(real, synthetic, roles, shared) -> list[Problem]:
    out: list[Problem] = []
    both = [c for c in (roles.target, roles.prediction) if c and c in roles.protected]
    if both:
        out.append(Problem("error", "role_conflict", f"Column(s) {', '.join(map(str, both))} cannot be "
                           "both protected and the target or prediction.", tuple(both)))
    named = list(roles.protected) + [c for c in (roles.target, roles.prediction, roles.time) if c]
    missing = [c for c in named if c not in shared]
    if missing:
        out.append(Problem("error", "role_column_missing",
                           f"Role column(s) not in both tables: {', '.join(map(str, missing))}.",
                           tuple(missing)))
    for col in roles.protected:
        if col in missing:
            continue
        n = real[col].nunique(dropna=True)
        if n < 2:
            out.append(Problem("error", "protected_single_group",
                               f"Protected attribute '{col}' has {n} group(s) in the real data; "
                               "at least two are needed to compare groups.", (col,)))
        elif n > MAX_PROTECTED_GROUPS:
            out.append(Problem("error", "protected_too_many_groups",
                               f"Protected attribute '{col}' has {n} distinct values (limit "
                               f"{MAX_PROTECTED_GROUPS}); bin it into bands first.", (col,)))
    if roles.target and roles.target not in missing:
        out += _target_problems(real, roles)
    if roles.prediction and roles.prediction not in missing and roles.favorable is not None:
        if not favorable_mask(real[roles.prediction].dropna(), roles.favorable).any():
            out.append(Problem("warning", "prediction_never_favorable",
                               f"Prediction '{roles.prediction}' never takes the favourable value "
                               f"'{roles.favorable}'.", (roles.prediction,)))
    if roles.time and roles.time not in missing:
        out += _time_problems(real, synthetic, roles.time)
    return out


def _target_problems(real: pd.DataFrame, roles: Roles) -> list[Problem]:
    col = roles.target
    # The whole column, not a copy without its missing values: a missing value is never favourable.
    values = real[col]
    if not values.notna().any():
        return [Problem("error", "target_all_missing", f"Target '{col}' has no values.", (col,))]
    if roles.favorable is None:
        n = values.nunique()
        reason = "is not binary" if n != 2 else "has no favourable value chosen"
        return [Problem("error", "target_no_favorable",
                        f"Target '{col}' {reason} ({n} values); choose its favourable value.", (col,))]
    if not favorable_mask(values, roles.favorable).any():
        shown = ", ".join(map(str, values.dropna().unique()[:6]))
        return [Problem("error", "favorable_not_found",
                        f"Favourable value '{roles.favorable}' never occurs in target '{col}' "
                        f"(values: {shown}).", (col,))]
    return []


def _time_problems(real: pd.DataFrame, synthetic: pd.DataFrame, col: str) -> list[Problem]:
    out = []
    for side, frame in (("real", real), ("synthetic", synthetic)):
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            continue  # already dates: every present value is one
        present = frame[col].dropna()
        bad = int(parse_time(present).isna().sum())
        if len(present) and bad == len(present) and side == "real":
            out.append(Problem("error", "time_unparseable",
                               f"Time column '{col}' has no parseable date in the real table.", (col,)))
        elif bad:
            out.append(Problem("warning", "time_partly_unparseable",
                               f"Time column '{col}': {bad} of {len(present)} {side} values are not "
                               "dates; those rows are left out of drift windows.", (col,)))
    return out


def _all_missing(real, synthetic) -> list[Problem]:
    out = []
    for side, frame in (("real", real), ("synthetic", synthetic)):
        empty = [c for c in frame.columns if frame[c].isna().all()]
        if empty:
            out.append(Problem("warning", "all_missing",
                               f"Entirely missing in the {side} table: {', '.join(map(str, empty))}.",
                               tuple(empty)))
    return out
