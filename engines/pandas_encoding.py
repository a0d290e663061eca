"""The pandas engine's coding of a column: both sides on one shared support, missing as the last code."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.engines.tables import ColumnCounts, order_labels
from fairsynth.foundation.codes import MISSING, label

# Integers spanning at most this many values (or 4x the rows) are coded by offset, not by hashing.
MAX_OFFSET_SPAN = 1 << 24


@dataclass(frozen=True, eq=False)
class Encoded:
    """A column coded on a support shared by both sides; code `width` means missing."""

    codes: dict[str, np.ndarray]
    values: np.ndarray
    numeric: bool
    datetime: bool

    @property
    def width(self) -> int:
        """Number of support values."""
        return len(self.values)

    @property
    def nbytes(self) -> int:
        """Memory held by the codes."""
        return sum(c.nbytes for c in self.codes.values())

    def has_missing(self) -> bool:
        """Whether either side has a missing value."""
        return any(bool((c == self.width).any()) for c in self.codes.values())

    def labels(self) -> list[str]:
        """Fairness labels of the support (missing excluded)."""
        return ColumnCounts("", self.numeric, self.datetime, self.values, {}, {}).labels()


def _code_dtype(width: int) -> type:
    """The smallest integer type that holds codes 0..width (width = missing)."""
    for dtype in (np.uint8, np.uint16, np.int32):
        if width < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _small_codes(codes: np.ndarray, width: int) -> np.ndarray:
    # Codes are kept for the pair's lifetime: the smallest integer type that holds width + 1.
    return codes.astype(_code_dtype(width), copy=False)


def _is_numeric(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return False
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)


def encode(frames: dict[str, pd.Series]) -> Encoded:
    """Code one column of both sides on one support: sorted numbers, or sorted fairness labels."""
    if all(_is_numeric(s) for s in frames.values()):
        return _encode_numeric(frames)
    return _encode_labels(frames)


def _encode_labels(frames: dict[str, pd.Series]) -> Encoded:
    per_side = {}
    for side, values in frames.items():
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes, uniques = values.cat.codes.to_numpy(), list(values.cat.categories)
        else:
            codes, uniq = pd.factorize(values, use_na_sentinel=True)
            uniques = list(uniq)
        per_side[side] = (codes, [label(u) for u in uniques])
    candidates = [t for t in order_labels({t for _, labels in per_side.values() for t in labels})
                  if t != MISSING]
    index = {t: i for i, t in enumerate(candidates)}
    width = len(candidates)
    out = {}
    for side, (codes, labels) in per_side.items():
        # The extra last entry maps the -1 sentinel (missing) to `width`; a value whose text is the
        # missing label itself is that same group (its label could not tell the two apart).
        mapping = np.array([index.get(t, width) for t in labels] + [width], dtype=np.int64)
        out[side] = _recode(codes, mapping, width)
    # Categories no row uses (a categorical dtype may list them) are dropped from the support.
    used = np.zeros(width + 1, dtype=bool)
    for codes in out.values():
        # A bincount, not `used[codes] = True`: numpy's fancy assignment is ~3x slower on a
        # million byte-wide codes than counting them (the counts are discarded).
        used |= np.bincount(codes, minlength=width + 1) > 0
    if not used[:width].all():
        keep = np.flatnonzero(used[:width])
        remap = np.full(width + 1, len(keep), dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        out = {side: _small_codes(remap[codes], len(keep)) for side, codes in out.items()}
        candidates = [candidates[i] for i in keep]
    return Encoded(out, np.array(candidates, dtype=object), numeric=False, datetime=False)


def _recode(codes: np.ndarray, mapping: np.ndarray, width: int) -> np.ndarray:
    """`mapping[codes]` (code -1 taking the last entry) in the smallest integer type."""
    if codes.dtype.kind == "i" and codes.itemsize == 1 and width < 127 and \
            np.array_equal(mapping[:-1], np.arange(len(mapping) - 1)):
        # A categorical already coded in support order (the usual case): only missing (-1) moves,
        # which a byte-wide pass does without widening a million codes to int64 for a gather.
        return np.where(codes < 0, np.int8(width), codes).view(np.uint8)
    return _small_codes(mapping, width)[codes]


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, bool]:
    """(values as int64 or float64, missing mask, integral) of a numeric or datetime column."""
    if pd.api.types.is_datetime64_any_dtype(values):
        raw = values.to_numpy(dtype="datetime64[ns]")
        return raw.view(np.int64), np.isnat(raw), True
    if values.dtype.kind in "iu":
        if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
            # Nullable Int64/UInt64 (e.g. from Parquet): <NA> is missing, like NaN in a float column.
            missing = values.isna().to_numpy(dtype=bool)
            return values.to_numpy(dtype=np.int64, na_value=0), missing, True
        return values.to_numpy(dtype=np.int64), np.zeros(len(values), dtype=bool), True
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = ~np.isfinite(arr)
    present = arr[~missing]
    integral = bool(np.all(present == np.floor(present))) and (
        len(present) == 0 or float(np.abs(present).max()) < 2**53)
    return arr, missing, integral


def _encode_numeric(frames: dict[str, pd.Series]) -> Encoded:
    parts = {side: _numbers(values) for side, values in frames.items()}
    is_datetime = any(pd.api.types.is_datetime64_any_dtype(v) for v in frames.values())
    # A side without missing values is used as it is (no 5M-row copy just to take its range).
    present = [arr[~miss] if miss.any() else arr for arr, miss, _ in parts.values()]
    n_present = sum(len(p) for p in present)
    if n_present == 0:
        codes = {side: np.zeros(len(arr), dtype=np.uint8) for side, (arr, _, _) in parts.items()}
        return Encoded(codes, np.array([], dtype=np.float64), True, is_datetime)
    integral = all(ok for _, _, ok in parts.values())
    lo = min(int(p.min()) for p in present if len(p)) if integral else 0
    hi = max(int(p.max()) for p in present if len(p)) if integral else 0
    if integral and hi - lo < min(MAX_OFFSET_SPAN, 4 * n_present + 1024):
        # Dense integers: a value's offset from the minimum is its bucket, no hashing or sorting.
        span = hi - lo + 1
        # Buckets count from `origin`: 0 for small non-negative integers (ages, hours, counts: the
        # column itself indexes them, no 5M-row copy of offsets), else the minimum.
        origin = 0 if lo >= 0 and hi < min(MAX_OFFSET_SPAN, 4 * n_present + 1024) else lo
        n_buckets = hi - origin + 1
        # Which buckets occur: counted (bincount) when they are few, marked when they pass a
        # quarter of the rows (fnlwgt-like spans: no 8-byte count per bucket to zero and fill).
        mark = n_buckets > n_present // 4
        marks = np.zeros(n_buckets if mark else span, dtype=bool)
        offsets = {}
        for side, (arr, miss, _) in parts.items():
            any_missing = bool(miss.any())
            base = np.where(miss, lo, arr) if any_missing else arr
            base = base if base.dtype == np.int64 else base.astype(np.int64)
            off = base if origin == 0 else np.subtract(base, origin)
            present = off[~miss] if any_missing else off
            if mark:
                marks[present] = True
            else:
                marks |= np.bincount(present, minlength=n_buckets)[lo - origin:] > 0
            offsets[side] = (off, miss if any_missing else None)
        seen = marks[lo - origin:] if mark else marks
        width = int(seen.sum())
        support = (np.flatnonzero(seen) + lo).astype(np.float64)
        if width == span:
            # Every value between the extremes occurs: a value's code is its distance from lo.
            lookup = None
        else:
            lookup = np.zeros(n_buckets, dtype=_code_dtype(width))
            # Counted in the codes' own type (it never passes width): no int64 array per bucket.
            np.cumsum(seen, dtype=lookup.dtype, out=lookup[lo - origin:])
            lookup[lo - origin:] -= 1
        codes = {}
        for side, (off, miss) in offsets.items():
            if lookup is not None:
                coded = np.take(lookup, off)
            elif lo == origin:
                coded = _small_codes(off, width)
            else:
                coded = np.subtract(off, lo - origin, out=np.empty(len(off), _code_dtype(width)),
                                    casting="unsafe")
            if miss is not None:
                coded[miss] = width
            codes[side] = coded
    else:
        sides = list(parts)
        joined = np.concatenate([np.where(parts[s][1], np.nan, parts[s][0].astype(np.float64))
                                 for s in sides])
        all_codes, uniques = pd.factorize(joined, sort=True, use_na_sentinel=True)
        width = len(uniques)
        all_codes = np.where(all_codes < 0, width, all_codes)
        support = np.asarray(uniques, dtype=np.float64)
        codes, start = {}, 0
        for s in sides:
            n = len(parts[s][0])
            codes[s] = _small_codes(all_codes[start:start + n], width)
            start += n
    if is_datetime:
        support = support / 1e9
    return Encoded(codes, support, True, is_datetime)
