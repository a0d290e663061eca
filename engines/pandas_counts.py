"""The pandas/numpy engine: columns coded once per pair, every count a bincount, cached by content hash."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.engines.tables import (
    NEVER,
    SIDES,
    Cells,
    ColumnCounts,
    WindowCounts,
    order_labels,
)
from fairsynth.foundation.codes import MISSING, label
from fairsynth.foundation.roles import favorable_mask
from fairsynth.foundation.windows import windowed

# Above this many (cell, value) slots a column is counted per attribute instead of per cell.
MAX_DENSE = 8_000_000
# Integers spanning at most this many values (or 4x the rows) are coded by offset, not by hashing.
MAX_OFFSET_SPAN = 1 << 24
# Pairs whose counts are kept (the UI moves between a couple of pairs at most).
MAX_PAIRS = 3


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


def _small_codes(codes: np.ndarray, width: int) -> np.ndarray:
    # Codes are kept for the pair's lifetime: the smallest integer type that holds width + 1.
    for dtype in (np.uint8, np.uint16, np.int32):
        if width < np.iinfo(dtype).max:
            return codes.astype(dtype, copy=False)
    return codes.astype(np.int64, copy=False)


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
        # The extra last entry maps the -1 sentinel (missing) to `width`.
        mapping = _small_codes(np.array([index[t] for t in labels] + [width], dtype=np.int64), width)
        out[side] = np.take(mapping, codes)
    # Categories no row uses (a categorical dtype may list them) are dropped from the support.
    used = np.zeros(width + 1, dtype=bool)
    for codes in out.values():
        used |= np.bincount(codes, minlength=width + 1) > 0
    if not used[:width].all():
        keep = np.flatnonzero(used[:width])
        remap = np.full(width + 1, len(keep), dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        out = {side: _small_codes(remap[codes], len(keep)) for side, codes in out.items()}
        candidates = [candidates[i] for i in keep]
    return Encoded(out, np.array(candidates, dtype=object), numeric=False, datetime=False)


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
    present = [arr[~miss] for arr, miss, _ in parts.values()]
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
        seen = np.zeros(span, dtype=bool)
        offsets = {}
        for side, (arr, miss, _) in parts.items():
            any_missing = bool(miss.any())
            off = (np.where(miss, lo, arr) if any_missing else arr).astype(np.int64) - lo
            seen |= np.bincount(off[~miss] if any_missing else off, minlength=span) > 0
            offsets[side] = (off, miss if any_missing else None)
        width = int(seen.sum())
        support = (np.flatnonzero(seen) + lo).astype(np.float64)
        rank = None if width == span else _small_codes(np.cumsum(seen) - 1, width)
        codes = {}
        for side, (off, miss) in offsets.items():
            coded = _small_codes(off, width) if rank is None else np.take(rank, off)
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


def first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """First row number of each code in 0..size-1 (NEVER when absent)."""
    out = np.full(size, NEVER, dtype=np.int64)
    if len(codes):
        firsts = pd.Series(codes).drop_duplicates(keep="first")
        out[firsts.to_numpy().astype(np.int64)] = firsts.index.to_numpy()
    return out


def _first_in(rows: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """First row number (from `rows`, the subset's row numbers) of each code within a subset."""
    sub = first_rows(codes, size)
    found = sub != NEVER
    out = np.full(size, NEVER, dtype=np.int64)
    out[found] = rows[sub[found]]
    return out


def favourable(values: pd.Series, favorable: str) -> tuple[np.ndarray, np.ndarray]:
    """(known, favourable) masks of a target or prediction; the favourable test runs once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        zeros = np.zeros(len(values), dtype=bool)
        return zeros, zeros
    table = favorable_mask(pd.Series(uniques), favorable).fillna(False).to_numpy(dtype=bool)
    return codes >= 0, np.append(table, False)[codes]


class PandasCounter:
    """Counts of one in-memory DatasetPair, computed lazily and kept (the pair is only borrowed)."""

    engine = "pandas"

    def __init__(self, pair) -> None:
        self.pair = pair
        self.roles = pair.roles
        self.n_rows = {"real": len(pair.real), "synthetic": len(pair.synthetic)}
        self._lock = threading.RLock()
        self._results: dict[tuple, object] = {}
        self._codes: OrderedDict[str, Encoded] = OrderedDict()
        data_bytes = int(pair.real.memory_usage(index=False).sum() + pair.synthetic.memory_usage(
            index=False).sum())
        # Codes of non-role columns are kept up to half the data's size; role columns always.
        self._budget = max(64 << 20, data_bytes // 2)

    @property
    def analysis_columns(self) -> list[str]:
        """The columns compared for fidelity and drift."""
        return self.pair.analysis_columns

    def _frames(self, column: str) -> dict[str, pd.Series]:
        return {"real": self.pair.real[column], "synthetic": self.pair.synthetic[column]}

    def encoded(self, column: str, *, keep: bool = True) -> Encoded:
        """The column coded on its shared support (kept while within the memory budget)."""
        with self._lock:
            if column in self._codes:
                self._codes.move_to_end(column)
                return self._codes[column]
            enc = encode(self._frames(column))
            if keep:
                self._codes[column] = enc
                self._trim()
            return enc

    def _trim(self) -> None:
        roles = set(self.roles.protected)
        total = sum(e.nbytes for e in self._codes.values())
        for name in list(self._codes):
            if total <= self._budget:
                break
            if name not in roles:
                total -= self._codes.pop(name).nbytes

    def _memo(self, key: tuple, compute):
        with self._lock:
            if key not in self._results:
                self._results[key] = compute()
            return self._results[key]

    def _attribute(self, name: str) -> tuple[dict[str, np.ndarray], list[str]]:
        enc = self.encoded(name)
        labels = enc.labels() + ([MISSING] if enc.has_missing() else [])
        return enc.codes, labels

    def cell_codes(self, side: str) -> np.ndarray:
        """One int64 code per row of a side: its cell of the protected cross product."""
        def compute():
            out = np.zeros(self.n_rows[side], dtype=np.int64)
            for a in self.roles.protected:
                codes, labels = self._attribute(a)
                out = out * len(labels) + codes[side]
            return out
        return self._memo(("cell_codes", side), compute)

    def outcomes(self, side: str) -> dict[str, np.ndarray]:
        """Row masks: known/fav target and, with a prediction, the confusion cells."""
        def compute():
            frame = self.pair.real if side == "real" else self.pair.synthetic
            roles = self.roles
            known, fav = favourable(frame[roles.target], roles.favorable)
            out = {"known": known, "fav": fav & known}
            if roles.prediction:
                p_known, p_fav = favourable(frame[roles.prediction], roles.favorable)
                both = known & p_known
                out.update(both=both, tp=both & fav & p_fav, fp=both & ~fav & p_fav,
                           fn=both & fav & ~p_fav, tn=both & ~fav & ~p_fav)
            return out
        return self._memo(("outcomes", side), compute)

    def cells(self) -> Cells:
        """Rows, known and favourable outcomes (and confusion counts) per protected cell and side."""
        return self._memo(("cells",), self._cells)

    def _cells(self) -> Cells:
        attrs = tuple(self.roles.protected)
        coded = {a: self._attribute(a) for a in attrs}
        labels = {a: coded[a][1] for a in attrs}
        sizes = tuple(len(labels[a]) for a in attrs)
        n_cells = int(np.prod(sizes))
        counts, first, first_both = {}, {}, {}
        for side in SIDES:
            cell = self.cell_codes(side)
            measures = {"rows": np.bincount(cell, minlength=n_cells)}
            if self.roles.target and self.roles.favorable is not None:
                for name, mask in self.outcomes(side).items():
                    measures[name] = np.bincount(cell[mask], minlength=n_cells)
            counts[side] = {k: v.reshape(sizes) for k, v in measures.items()}
            first[side] = {a: first_rows(coded[a][0][side], len(labels[a])) for a in attrs}
            if "both" in measures:
                rows = np.flatnonzero(self.outcomes(side)["both"])
                first_both[side] = {a: _first_in(rows, coded[a][0][side][rows], len(labels[a]))
                                    for a in attrs}
        return Cells(attrs, labels, counts, first, first_both)

    def _windowed(self, freq, n_windows, min_rows):
        return self._memo(("windowed", freq, n_windows, min_rows),
                          lambda: windowed(self.pair, freq=freq, n_windows=n_windows, min_rows=min_rows))

    def windows(self, *, freq: str | None, n_windows: int | None, min_rows: int) -> WindowCounts:
        """The real side's window table and its cell counts per window."""
        def compute():
            win = self._windowed(freq, n_windows, min_rows)
            cells = self.cells()
            n_blocks, n_cells = len(win.table), int(np.prod(cells.sizes))
            keep = win.block_ids >= 0
            block = win.block_ids[keep]
            key = block * n_cells + self.cell_codes("real")[keep]
            measures = {"rows": np.bincount(key, minlength=n_blocks * n_cells)}
            if self.roles.target and self.roles.favorable is not None:
                for name in ("known", "fav"):
                    mask = self.outcomes("real")[name][keep]
                    measures[name] = np.bincount(key[mask], minlength=n_blocks * n_cells)
            shaped = {k: v.reshape((n_blocks, *cells.sizes)) for k, v in measures.items()}
            first = {}
            rows = np.flatnonzero(keep)
            for a in cells.attributes:
                size = len(cells.labels[a])
                codes = self._attribute(a)[0]["real"][keep].astype(np.int64)
                first[a] = _first_in(rows, block * size + codes, n_blocks * size).reshape(n_blocks, size)
            return WindowCounts(win.table, win.unparseable, shaped, first)
        return self._memo(("windows", freq, n_windows, min_rows), compute)

    def column(self, name: str) -> ColumnCounts:
        """Value counts of a column per side, overall and per group of each protected attribute."""
        return self._memo(("column", name), lambda: self._column(name))

    def _column(self, name: str) -> ColumnCounts:
        enc = self.encoded(name)
        w1 = enc.width + 1
        attrs = tuple(self.roles.protected)
        overall, by_attr = {}, {}
        sizes = tuple(len(self._attribute(a)[1]) for a in attrs) if attrs else ()
        n_cells = int(np.prod(sizes)) if attrs else 0
        for side in SIDES:
            codes = enc.codes[side]
            by_attr[side] = {}
            if not attrs:
                overall[side] = np.bincount(codes, minlength=w1)
                continue
            if n_cells * w1 <= MAX_DENSE:
                # One pass over the finest cells, then sums: cheaper than one pass per attribute.
                dense = np.bincount(self.cell_codes(side) * w1 + codes, minlength=n_cells * w1)
                dense = dense.reshape((*sizes, w1))
                for i, a in enumerate(attrs):
                    drop = tuple(j for j in range(len(attrs)) if j != i)
                    by_attr[side][a] = dense.sum(axis=drop) if drop else dense
                overall[side] = by_attr[side][attrs[0]].sum(axis=0)
            else:
                overall[side] = np.bincount(codes, minlength=w1)
                for a in attrs:
                    acodes, labels = self._attribute(a)
                    key = acodes[side].astype(np.int64) * w1 + codes
                    by_attr[side][a] = np.bincount(key, minlength=len(labels) * w1).reshape(
                        len(labels), w1)
        return ColumnCounts(name, enc.numeric, enc.datetime, enc.values, overall, by_attr)

    def column_windows(self, name: str, *, freq: str | None, n_windows: int | None,
                       min_rows: int) -> np.ndarray:
        """Real-side value counts of a column per window, (windows, width + 1), on `column(name)`'s support."""
        def compute():
            win = self._windowed(freq, n_windows, min_rows)
            enc = self.encoded(name)
            w1 = enc.width + 1
            n_blocks = len(win.table)
            keep = win.block_ids >= 0
            if n_blocks * w1 <= MAX_DENSE:
                if keep.all():
                    key = win.block_ids * w1 + enc.codes["real"]
                else:
                    key = win.block_ids[keep] * w1 + enc.codes["real"][keep]
                return np.bincount(key, minlength=n_blocks * w1).reshape(n_blocks, w1)
            out = np.zeros((n_blocks, w1), dtype=np.int64)
            order = np.argsort(win.block_ids, kind="stable")
            bounds = np.searchsorted(win.block_ids[order], np.arange(n_blocks + 1))
            for b in range(n_blocks):
                out[b] = np.bincount(enc.codes["real"][order[bounds[b]:bounds[b + 1]]], minlength=w1)
            return out
        return self._memo(("column_windows", name, freq, n_windows, min_rows), compute)


_COUNTERS: OrderedDict[str, PandasCounter] = OrderedDict()
_COUNTERS_LOCK = threading.Lock()


def counter_for(pair) -> PandasCounter:
    """The pair's counter, shared by every engine call on the same content (content hash + roles)."""
    if not (pair.real_sha256 and pair.synthetic_sha256):
        return PandasCounter(pair)
    key = pair.content_hash
    with _COUNTERS_LOCK:
        counter = _COUNTERS.get(key)
        if counter is None:
            counter = _COUNTERS[key] = PandasCounter(pair)
            while len(_COUNTERS) > MAX_PAIRS:
                _COUNTERS.popitem(last=False)
        else:
            _COUNTERS.move_to_end(key)
            # Same content: answer from the kept counts, read new ones from this pair object.
            counter.pair = pair
        return counter

