"""Shared counting helpers: integer codes for groups and values, so every metric comes from counts."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import InvalidInputError

MISSING = "(missing)"
# Joins the values of an intersection in a group key ("Black&Female"), as the report JSON has it.
GROUP_SEPARATOR = "&"


def label(value: object) -> str:
    """Display text of a group value; integral floats read as integers ("1", not "1.0")."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def display_group(key: object) -> str:
    """A group or attribute key as people read it: "Black&Female" -> "Black & Female" (display only).

    >>> display_group("race&sex"), display_group("Female")
    ('race & sex', 'Female')
    """
    return f" {GROUP_SEPARATOR} ".join(str(key).split(GROUP_SEPARATOR))


def value_text(value: object) -> str:
    """`label`, with a missing value (None, NaN, NaT, pd.NA) read as MISSING."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return label(value)


def label_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer code per row and the text label of each code; missing values get their own label."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = [label(u) for u in uniques]
    if (codes < 0).any():
        labels.append(MISSING)
        codes = np.where(codes < 0, len(labels) - 1, codes)
    return codes.astype(np.int64), labels


def joint_label_codes(
    real: pd.Series, synthetic: pd.Series
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Codes of both sides on one shared, sorted label list (missing last), so counts line up."""
    cr, lr = label_codes(real)
    cs, ls = label_codes(synthetic)
    labels = sorted(set(lr) | set(ls), key=lambda t: (t == MISSING, _sort_key(t)))
    index = {t: i for i, t in enumerate(labels)}
    map_r = np.array([index[t] for t in lr], dtype=np.int64)
    map_s = np.array([index[t] for t in ls], dtype=np.int64)
    return (map_r[cr] if len(cr) else cr), (map_s[cs] if len(cs) else cs), labels


def _sort_key(text: str) -> tuple:
    # Numbers sort as numbers ("2" before "10"), text alphabetically after them.
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def attribute_sets(protected: Sequence[str], max_order: int) -> list[tuple[str, ...]]:
    """Every single attribute, then every pair, ... up to `max_order` attributes, in role order.

    The one meaning of `max_order` for every part of an audit: 1 is attributes alone, 2 adds
    pairs, 3 adds three-way intersections.
    """
    if max_order < 1:
        raise InvalidInputError(f"max_order must be at least 1 (got {max_order}).")
    out: list[tuple[str, ...]] = []
    for order in range(1, min(max_order, len(protected)) + 1):
        out += list(combinations(protected, order))
    return out


def combined_codes(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """One code per row for the cross product of several coded attributes (mixed radix)."""
    out = np.zeros(len(codes[0]), dtype=np.int64)
    for c, size in zip(codes, sizes, strict=True):
        out = out * size + c
    return out


def decode(code: int, sizes: Sequence[int]) -> list[int]:
    """Inverse of `combined_codes` for one code."""
    parts = []
    for size in reversed(sizes):
        parts.append(code % size)
        code //= size
    return parts[::-1]


def numeric_values(values: pd.Series) -> np.ndarray:
    """Float values of a numeric or datetime column, missing as NaN."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
        out[values.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)

