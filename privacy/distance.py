"""Mixed-type (Gower-like) distances: numeric scaled by the real range, categorical mismatch = 1."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.engines.pandas_bins import first_rows
from fairsynth.foundation.codes import MISSING
from fairsynth.foundation.kinds import is_number

OTHER = "(other)"
# Rarer categories share one "(other)" slot: bounds the encoded width on id-like text columns.
MAX_CATEGORIES = 100
# Working memory of one chunk of the distance matrix (float32).
CHUNK_BYTES = 64 * 2**20
THREADS = min(4, os.cpu_count() or 1)
# is_in sorts the values it looks up when there are more than this many.
SORT_VALUES_ABOVE = 100_000


@dataclass(frozen=True, eq=False)
class EncodedRows:
    """Rows ready for distances: scaled numbers (L1 part) and one-hot categories (mismatch part)."""

    numeric: np.ndarray
    onehot: np.ndarray
    n_categorical: int

    def __len__(self) -> int:
        return len(self.numeric)


@dataclass(frozen=True)
class MixedEncoder:
    """Encodes rows so that (numeric L1 + category mismatches) / column count is a Gower-like distance."""

    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    low: tuple[float, ...]
    span: tuple[float, ...]
    fill: tuple[float, ...]
    # Flag columns only where the real rows have missing numbers (elsewhere a missing value takes
    # the real median): halves the numeric work on complete data.
    missing_flag: tuple[bool, ...]
    categories: tuple[tuple[str, ...], ...]

    def transform(self, frame: pd.DataFrame) -> EncodedRows:
        """Numeric block scaled by the real range (plus missing flags) and one-hot block of categories."""
        numeric = []
        for col, low, span, fill, flag in zip(self.numeric, self.low, self.span, self.fill,
                                              self.missing_flag, strict=True):
            values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            missing = np.isnan(values)
            numeric.append((np.where(missing, fill, values) - low) / span)
            if flag:
                # A missing value differs from any present one by a full mismatch (1), like a category.
                numeric.append(missing.astype(float))
        onehots = []
        for col, cats in zip(self.categorical, self.categories, strict=True):
            codes = pd.Categorical(category_text(frame[col]), categories=cats).codes
            codes = np.where(codes < 0, len(cats) - 1, codes)  # unseen values -> "(other)"
            onehot = np.zeros((len(frame), len(cats)), dtype=np.float32)
            onehot[np.arange(len(frame)), codes] = 1.0
            onehots.append(onehot)
        num = (np.column_stack(numeric) if numeric else np.zeros((len(frame), 0))).astype(np.float32)
        cat = np.hstack(onehots) if onehots else np.zeros((len(frame), 0), dtype=np.float32)
        return EncodedRows(num, cat, len(self.categories))

    @property
    def categorical(self) -> tuple[str, ...]:
        """Columns compared by mismatch."""
        return tuple(c for c in self.columns if c not in self.numeric)


def category_text(values: pd.Series) -> pd.Series:
    """Values as text with missing values as their own category."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Each category converted once, then taken by code (code -1, missing, takes the last).
        table = np.append(_text(pd.Series(values.cat.categories)).to_numpy(), MISSING)
        return pd.Series(table[values.cat.codes.to_numpy()], index=values.index, name=values.name,
                         dtype=object)
    return _text(values)


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna(MISSING).astype(object)


def fit_encoder(reference: pd.DataFrame, columns: list[str]) -> MixedEncoder:
    """Learn numeric ranges and categories from the real rows (the reference scale of every distance)."""
    numeric = tuple(c for c in columns if is_number(reference[c]))
    low, span, fill, flag = [], [], [], []
    for col in numeric:
        values = pd.to_numeric(reference[col], errors="coerce")
        lo, hi = values.min(), values.max()
        lo, hi = (0.0, 1.0) if pd.isna(lo) else (float(lo), float(hi))
        low.append(lo)
        span.append(hi - lo if hi > lo else 1.0)
        fill.append(float(values.median()) if values.notna().any() else 0.0)
        flag.append(bool(values.isna().any()))
    categories = []
    for col in columns:
        if col in numeric:
            continue
        counts = category_text(reference[col]).value_counts()
        kept = [str(v) for v in counts.index[:MAX_CATEGORIES] if v != OTHER]
        categories.append(tuple(kept) + (OTHER,))
    return MixedEncoder(tuple(columns), numeric, tuple(low), tuple(span), tuple(fill), tuple(flag),
                        tuple(categories))


def nearest(
    queries: EncodedRows, candidates: EncodedRows, *, n_columns: int, k: int = 2,
    chunk_bytes: int = CHUNK_BYTES,
) -> tuple[np.ndarray, np.ndarray]:
    """Distances (Gower-like, 0-1) and positions of the k nearest candidates of each query row.

    Exact brute force in chunks of query rows: category mismatches come from one matrix
    product (matches = one-hot dot product), numbers from absolute differences, so memory
    stays near `chunk_bytes` per thread whatever the sizes. Chunks run on a few threads
    (numpy releases the GIL), and the result does not depend on their number.
    """
    k = min(k, len(candidates))
    n_q, n_c = len(queries), len(candidates)
    step = max(1, chunk_bytes // max(1, n_c * 4 * 3))
    dist_out = np.empty((n_q, k))
    idx_out = np.empty((n_q, k), dtype=np.int64)
    cand_cat_t = np.ascontiguousarray(candidates.onehot.T)

    def run(start: int) -> None:
        stop = min(start + step, n_q)
        dist = np.full((stop - start, n_c), float(queries.n_categorical), dtype=np.float32)
        if queries.n_categorical:
            dist -= queries.onehot[start:stop] @ cand_cat_t
        tmp = np.empty_like(dist)
        for j in range(candidates.numeric.shape[1]):
            np.subtract(queries.numeric[start:stop, j, None], candidates.numeric[None, :, j], out=tmp)
            np.abs(tmp, out=tmp)
            dist += tmp
        if k < n_c:
            part = np.argpartition(dist, k - 1, axis=1)[:, :k]
        else:
            part = np.tile(np.arange(n_c), (stop - start, 1))
        part_d = np.take_along_axis(dist, part, axis=1)
        # Order by distance, then by position, so ties resolve the same way on every run.
        order = np.lexsort((part, part_d), axis=1)
        idx_out[start:stop] = np.take_along_axis(part, order, axis=1)
        dist_out[start:stop] = np.take_along_axis(part_d, order, axis=1)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(run, range(0, n_q, step)))
    # Matrix-product rounding can leave tiny epsilons on exact matches.
    dist_out = np.where(dist_out < 1e-5, 0.0, dist_out)
    return dist_out / max(n_columns, 1), idx_out


def row_hashes(frame: pd.DataFrame, columns: list[str],
               coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """One hash per row over the columns, equal for rows equal in value (numbers compared as floats,
    anything else as its `category_text`).

    `coded` may give an integer column as (its distinct values as floats, each row's position
    among them), the count engine's coding of the same rows: each distinct value is then hashed
    once and taken by position, with the same hash as hashing every row's value."""
    out = np.full(len(frame), 0x345678, dtype=np.uint64)
    # One buffer takes each column's hashes in turn: no new array of a hash per row per column
    # ("wrap": a position of -1, a missing value, is the last entry, as indexing reads it).
    looked_up = np.empty(len(frame), dtype=np.uint64)
    mult = np.uint64(1000003)
    # Column hashes combined in order (as pandas' hash_pandas_object does), without building a
    # frame of them first.
    for i, col in enumerate(columns):
        values = frame[col]
        if coded is not None and col in coded:
            support, codes = coded[col]
            # The last position is a missing value (NaN, as pd.to_numeric reads it).
            hashed = np.take(pd.util.hash_array(np.append(support, np.nan)), codes, out=looked_up,
                             mode="wrap")
        elif is_number(values):
            hashed = pd.util.hash_array(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float))
        else:
            # Hashes looked up per value slot first: one pass over the rows, not two.
            distinct, ids, codes = _text_lookup(values)
            hashed = np.take(pd.util.hash_array(distinct)[ids], codes, out=looked_up, mode="wrap")
        out ^= hashed
        out *= mult
        mult += np.uint64(82520 + 2 * (len(columns) - i))
    return out + np.uint64(97531)


def text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(distinct `category_text`s, each row's position among them): each distinct value is
    converted to text once, not every row."""
    distinct, ids, codes = _text_lookup(values)
    return distinct, ids[codes]


def _text_lookup(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct texts, the position among them of each value slot, each row's value slot with
    -1 for missing, which reads the last slot): `text_codes` without its pass over the rows, for
    callers that map the slots again (a row's position is `ids[codes]`)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # The category codes are the positions already (no pass over the rows to find them);
        # code -1 (missing) takes the last entry, MISSING, as category_text reads it. Categories
        # no row uses stay in the list: callers read positions, not the list's length.
        texts = np.append(_text(pd.Series(values.cat.categories)).to_numpy(), MISSING)
        codes = values.cat.codes.to_numpy()
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        texts = np.append(_text(pd.Series(np.asarray(uniques, dtype=object), dtype=object)).to_numpy(),
                          MISSING)
    # Two values may share a text (missing and a literal MISSING): one position per text.
    ids, distinct = pd.factorize(texts)
    return np.asarray(distinct, dtype=object), ids, codes


def text_counts(values: pd.Series) -> pd.Series:
    """`category_text(values).value_counts()` (same order, ties included) from the text positions:
    counted by bincount, each text listed at its first row as pandas' value count lists them,
    then the same sort, without a text per row."""
    texts, codes = text_codes(values)
    counts = np.bincount(codes, minlength=len(texts))
    seen = np.flatnonzero(counts)
    seen = seen[np.argsort(first_rows(codes, len(texts))[seen], kind="stable")]
    table = pd.Series(counts[seen], index=pd.Index(texts[seen], dtype=object, name=values.name),
                      name="count")
    return table.sort_values(ascending=False)


def is_in(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """np.isin(values, pool) for row hashes, by sorting and binary search (np.isin hashes both
    arrays: 0.4 s for 500,000 hashes). A pool already sorted is not sorted again, and many values
    are searched in sorted order (a random-order search of millions misses the cache at each step)."""
    if len(pool) == 0:
        return np.zeros(len(values), dtype=bool)
    if not _is_sorted(pool):
        pool = np.sort(pool)
    order = None
    if len(values) > SORT_VALUES_ABOVE and not _is_sorted(values):
        order = np.argsort(values)
        values = values[order]
    at = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
    found = pool[at] == values
    if order is None:
        return found
    out = np.empty(len(found), dtype=bool)
    out[order] = found
    return out


def _is_sorted(values: np.ndarray) -> bool:
    return bool(len(values) < 2 or (values[1:] >= values[:-1]).all())
