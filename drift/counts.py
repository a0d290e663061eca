"""Columns encoded once as integer codes over a shared support, then counted per row block (window, side)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.foundation.kinds import CATEGORICAL, NUMERIC, Kind, column_kind


@dataclass(frozen=True, eq=False)
class EncodedColumn:
    """A column as codes into `support` (sorted values for numbers, labels for categories); -1 = missing."""

    name: str
    kind: Kind
    support: np.ndarray
    codes: np.ndarray

    def counts(self, block: slice | np.ndarray | None = None) -> np.ndarray:
        """Count of each support value over a row block (all rows by default); missing rows not counted."""
        codes = self.codes if block is None else self.codes[block]
        return np.bincount(codes + 1, minlength=len(self.support) + 1)[1:]


def encode_column(values: pd.Series, *, kind: Kind | None = None) -> EncodedColumn:
    """Encode one column: numbers get their sorted distinct values as support; infinities count as missing."""
    kind = kind or column_kind(values)
    name = str(values.name)
    if kind == NUMERIC:
        if pd.api.types.is_datetime64_any_dtype(values):
            # Datetimes compare as seconds since the epoch; NaT stays missing.
            seconds = values.astype("int64").to_numpy() / 1e9
            raw = np.where(values.isna().to_numpy(), np.nan, seconds)
        else:
            raw = values.to_numpy(dtype="float64", na_value=np.nan)
        raw = np.where(np.isfinite(raw), raw, np.nan)
        codes, support = pd.factorize(raw, sort=True, use_na_sentinel=True)
        return EncodedColumn(name, kind, np.asarray(support, dtype="float64"), codes.astype(np.int64))
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        return EncodedColumn(name, kind, np.asarray(values.cat.categories, dtype=object), codes)
    codes, support = pd.factorize(values, sort=False, use_na_sentinel=True)
    return EncodedColumn(name, kind, np.asarray(support, dtype=object), codes.astype(np.int64))


def encode_pair(reference: pd.Series, current: pd.Series) -> tuple[EncodedColumn, int]:
    """Encode two samples of a column over one support; returns it and the reference's row count."""
    both_numbers = column_kind(reference) == NUMERIC and column_kind(current) == NUMERIC
    kind = NUMERIC if both_numbers else CATEGORICAL
    if kind == CATEGORICAL:
        reference, current = _as_text_if_mixed(reference), _as_text_if_mixed(current)
    both = pd.concat([reference, current], ignore_index=True)
    both.name = reference.name
    return encode_column(both, kind=kind), len(reference)


def _as_text_if_mixed(values: pd.Series) -> pd.Series:
    # Categories from two sides with different dtypes (1 vs "1") must meet on one text support.
    if column_kind(values) == NUMERIC or pd.api.types.is_bool_dtype(values):
        return values.astype(object).where(values.notna(), None).map(
            lambda v: v if v is None else str(v))
    return values
