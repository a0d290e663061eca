"""Helpers the SQL counter applies to the grouped frames an engine returns (no SQL in here)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fairsynth.engines.tables import NEVER
from fairsynth.foundation.roles import favorable_mask


def type_kind(sql_type: str) -> str:
    """numeric, datetime, bool or text, from a DuckDB or Spark type name."""
    t = sql_type.lower()
    if t.startswith(("bool",)):
        return "bool"
    if t.startswith(("timestamp", "date")):
        return "datetime"
    if t.startswith(("tinyint", "smallint", "int", "bigint", "hugeint", "ubigint", "uinteger",
                     "usmallint", "utinyint", "uhugeint", "float", "double", "real", "decimal",
                     "long", "short", "byte")):
        return "numeric"
    return "text"


def is_missing(value) -> bool:
    """None, NaT, NaN and infinities (a grouped result's missing key, however the engine returned it)."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(value)
    return bool(pd.isna(value)) if not isinstance(value, str | bytes | bool) else False


def value_key(value):
    """A dictionary key of a grouped value; every missing value gets one (NaN != NaN)."""
    return None if is_missing(value) else value


def grouping_rows(frame: pd.DataFrame, i: int, n_attrs: int, prefix: str) -> np.ndarray:
    """Rows of GROUPING SET i: its attribute grouped (flag 0), every other key rolled up (flag 1)."""
    rows = frame[f"s_{prefix}{i}"].to_numpy() == 0
    for j in range(n_attrs):
        if j != i:
            rows &= frame[f"s_{prefix}{j}"].to_numpy() == 1
    if "s_w" in frame:
        rows &= frame["s_w"].to_numpy() == 1
    return rows


def min_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Smallest value per code in 0..size-1 (NEVER where a code has none)."""
    out = np.full(size, NEVER, dtype=np.int64)
    np.minimum.at(out, codes, values)
    return out


def favourable_masks(values: pd.Series, favorable: str) -> tuple[np.ndarray, np.ndarray]:
    """(known, favourable) masks of a grouped target or prediction column."""
    known = np.array([not is_missing(v) for v in values], dtype=bool)
    fav = np.zeros(len(values), dtype=bool)
    if known.any():
        present = pd.Series([v for v, k in zip(values, known, strict=True) if k]).infer_objects()
        fav[known] = favorable_mask(present, favorable).to_numpy(dtype=bool)
    return known, fav
