"""The pandas/numpy engine: columns coded once per pair, every count a bincount, cached by content hash."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
import pandas as pd

from fairsynth.engines.pandas_bins import (
    counts_by_outcome,
    first_by_attribute,
    first_in,
    first_rows,
)
from fairsynth.engines.pandas_encoding import Encoded, encode
from fairsynth.engines.tables import SIDES, Cells, ColumnCounts, WindowCounts
from fairsynth.foundation.codes import MISSING
from fairsynth.foundation.constants import audit_threads
from fairsynth.foundation.roles import favorable_mask
from fairsynth.foundation.windows import windowed

# Above this many (cell, value) slots a column is counted per attribute instead of per cell.
MAX_DENSE = 8_000_000
# Pairs whose counts are kept (the UI moves between a couple of pairs at most).
MAX_PAIRS = 3
OTHER_SIDE = {"real": "synthetic", "synthetic": "real"}


def _exchanged(per_side: dict) -> dict:
    """A per-side mapping with real and synthetic exchanged (sides absent stay absent)."""
    return {OTHER_SIDE[side]: value for side, value in per_side.items()}


def favourable(values: pd.Series, favorable: str) -> tuple[np.ndarray, np.ndarray]:
    """(known, favourable) masks of a target or prediction (the test is foundation.roles.favorable_mask)."""
    known = values.notna().to_numpy()
    return known, favorable_mask(values, favorable).fillna(False).to_numpy(dtype=bool) & known


class PandasCounter:
    """Counts of one in-memory DatasetPair, computed lazily and kept (the pair is only borrowed)."""

    engine = "pandas"

    def __init__(self, pair, *, mirror: PandasCounter | None = None) -> None:
        self.pair = pair
        # The counter of this pair with its sides exchanged, whose codes and cells this one reads.
        self._mirror = mirror
        self._mirrored: PandasCounter | None = None
        self.roles = pair.roles
        self.n_rows = {"real": len(pair.real), "synthetic": len(pair.synthetic)}
        self._lock = threading.RLock()
        self._key_locks: dict[tuple, threading.RLock] = {}
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

    def mirrored(self, pair) -> PandasCounter:
        """The counter of `pair`, this pair with its sides exchanged: it reads this one's column codes,
        outcomes and cells (a column's support is the same whichever side is called real)."""
        with self._lock:
            if self._mirrored is None:
                self._mirrored = PandasCounter(pair, mirror=self)
            self._mirrored.pair = pair
            return self._mirrored

    def encoded(self, column: str, *, keep: bool = True) -> Encoded:
        """The column coded on its shared support (kept while within the memory budget)."""
        if self._mirror is not None:
            enc = self._mirror.encoded(column, keep=keep)
            return Encoded(_exchanged(enc.codes), enc.values, enc.numeric, enc.datetime)
        with self._key_lock(("encoded", column)):
            with self._lock:
                if column in self._codes:
                    self._codes.move_to_end(column)
                    return self._codes[column]
            enc = encode(self._frames(column))
            if keep:
                with self._lock:
                    self._codes[column] = enc
                    self._trim()
            return enc

    def _key_lock(self, key: tuple) -> threading.RLock:
        # One lock per result: two threads never compute the same counts, and different counts
        # are computed at once (numpy releases the GIL in most of that work).
        with self._lock:
            return self._key_locks.setdefault(key, threading.RLock())

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
            if key in self._results:
                return self._results[key]
        with self._key_lock(key):
            with self._lock:
                if key in self._results:
                    return self._results[key]
            value = compute()
            with self._lock:
                self._results[key] = value
            return value

    def prefetch(self, names: list[str], *, freq: str | None = None, n_windows: int | None = None,
                 min_rows: int | None = None) -> None:
        """Count several columns (and, with a window choice, their windows) on two threads at once
        (numpy releases the GIL in most of the work); with one audit thread, each is counted when
        it is asked for."""
        threads = audit_threads()
        if threads <= 1:
            return

        window_cells = None

        def count(name: str) -> None:
            if min_rows is not None:
                self._column_and_windows(name, freq, n_windows, min_rows, window_cells)
            else:
                self.column(name)
        # What every column reads first, counted once before the threads ask for it.
        if self.roles.protected:
            self.cells()
        if min_rows is not None:
            win = self._windowed(freq, n_windows, min_rows)
            if self.roles.protected:
                # Held for this call only (one int64 per row), not kept with the counts.
                window_cells = self._window_cells(win)
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(count, names))

    def _attribute(self, name: str) -> tuple[dict[str, np.ndarray], list[str]]:
        def compute():
            enc = self.encoded(name)
            # has_missing reads every code of both sides: once per attribute, not per column counted.
            return enc.codes, enc.labels() + ([MISSING] if enc.has_missing() else [])
        return self._memo(("attribute", name), compute)

    def cell_codes(self, side: str) -> np.ndarray:
        """One int64 code per row of a side: its cell of the protected cross product."""
        if self._mirror is not None:
            return self._mirror.cell_codes(OTHER_SIDE[side])
        def compute():
            out = np.zeros(self.n_rows[side], dtype=np.int64)
            for a in self.roles.protected:
                codes, labels = self._attribute(a)
                # In place: one int64 array per side, not two temporaries per attribute.
                out *= len(labels)
                out += codes[side]
            return out
        return self._memo(("cell_codes", side), compute)

    def outcomes(self, side: str) -> dict[str, np.ndarray]:
        """Row masks: known/fav target and, with a prediction, the confusion cells."""
        if self._mirror is not None:
            return self._mirror.outcomes(OTHER_SIDE[side])
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
        if self._mirror is not None:
            cells = self._mirror.cells()
            return Cells(cells.attributes, cells.labels, _exchanged(cells.counts),
                         _exchanged(cells.first), _exchanged(cells.first_both))
        return self._memo(("cells",), self._cells)

    def _cells(self) -> Cells:
        attrs = tuple(self.roles.protected)
        # Every audit starts here and waits for it: the attributes are coded, then each side
        # counted, on two threads when the audit has them (numpy releases the GIL); with one,
        # on the caller's.
        with ThreadPoolExecutor(max_workers=2) if audit_threads() > 1 else nullcontext() as pool:
            each = map if pool is None else pool.map
            coded = dict(zip(attrs, each(self._attribute, attrs), strict=True))
            labels = {a: coded[a][1] for a in attrs}
            sizes = tuple(len(labels[a]) for a in attrs)
            sides = dict(zip(SIDES, each(lambda side: self._side_cells(side, sizes), SIDES),
                             strict=True))
        counts = {side: sides[side][0] for side in SIDES}
        first = {side: sides[side][1] for side in SIDES}
        first_both = {side: sides[side][2] for side in SIDES if sides[side][2] is not None}
        return Cells(attrs, labels, counts, first, first_both)

    def _side_cells(self, side: str, sizes: tuple[int, ...]):
        """One side's counts per cell, first rows, and first rows among known predictions."""
        attrs = tuple(self.roles.protected)
        n_cells = int(np.prod(sizes))
        cell = self.cell_codes(side)
        outcomes = (self.outcomes(side) if self.roles.target and self.roles.favorable is not None
                    else {})
        measures = counts_by_outcome(cell, outcomes, n_cells)
        counts = {k: v.reshape(sizes) for k, v in measures.items()}
        first = first_by_attribute(first_rows(cell, n_cells).reshape(sizes), attrs)
        first_both = None
        if "both" in measures:
            rows = np.flatnonzero(self.outcomes(side)["both"])
            first_both = first_by_attribute(
                first_in(rows, cell[rows], n_cells).reshape(sizes), attrs)
        return counts, first, first_both

    def _windowed(self, freq, n_windows, min_rows):
        return self._memo(("windowed", freq, n_windows, min_rows),
                          lambda: windowed(self.pair, freq=freq, n_windows=n_windows, min_rows=min_rows))

    def windows(self, *, freq: str | None, n_windows: int | None, min_rows: int) -> WindowCounts:
        """The real side's window table and its cell counts per window."""
        def compute():
            win = self._windowed(freq, n_windows, min_rows)
            cells = self.cells()
            n_blocks, n_cells = len(win.table), int(np.prod(cells.sizes))
            # Rows in no window count in one more block, cut off here: no row subset is copied.
            key, size = self._window_cells(win), n_blocks * n_cells
            outcomes = ({name: self.outcomes("real")[name] for name in ("known", "fav")}
                        if self.roles.target and self.roles.favorable is not None else {})
            measures = counts_by_outcome(key, outcomes, size + n_cells)
            shape = (n_blocks, *cells.sizes)
            shaped = {k: v[:size].reshape(shape) for k, v in measures.items()}
            first_cells = first_rows(key, size + n_cells)[:size]
            first = first_by_attribute(first_cells.reshape(shape), cells.attributes, lead=1)
            return WindowCounts(win.table, win.unparseable, shaped, first)
        return self._memo(("windows", freq, n_windows, min_rows), compute)

    def column(self, name: str) -> ColumnCounts:
        """Value counts of a column per side, overall and per group of each protected attribute."""
        return self._memo(("column", name), lambda: self._column(name))

    def _window_cells(self, win) -> np.ndarray:
        """Each real row's (window, cell) bin, block * cells + cell; a row in no window takes
        block len(win.table). The window counts and every column counted by window read it."""
        n_blocks, n_cells = len(win.table), int(np.prod(self.cells().sizes))
        blocks = win.block_ids if (win.block_ids >= 0).all() else \
            np.where(win.block_ids >= 0, win.block_ids, n_blocks)
        out = blocks * n_cells + self.cell_codes("real")
        return out if out.dtype == np.int64 else out.astype(np.int64)

    def _column_and_windows(self, name: str, freq: str | None, n_windows: int | None,
                            min_rows: int, window_cells: np.ndarray | None = None) -> None:
        """column(name) and column_windows(name, ...) with one pass over the real side's rows, by
        (window, cell, value): the two counts are its sums over cells and over windows.
        `window_cells` is _window_cells(windows), when the caller has it."""
        # Held for the whole pass: a second thread counting the same column (two parts count
        # ahead at once) waits for this one's counts instead of making the same pass again.
        with self._key_lock(("column_and_windows", name, freq, n_windows, min_rows)):
            self._count_column_and_windows(name, freq, n_windows, min_rows, window_cells)

    def _count_column_and_windows(self, name: str, freq: str | None, n_windows: int | None,
                                  min_rows: int, window_cells: np.ndarray | None) -> None:
        window_key = ("column_windows", name, freq, n_windows, min_rows)
        with self._lock:
            done = ("column", name) in self._results or window_key in self._results
        win = None if done or not self.roles.protected else self._windowed(freq, n_windows, min_rows)
        enc = self.encoded(name)
        w1 = enc.width + 1
        sizes = tuple(len(self._attribute(a)[1]) for a in self.roles.protected)
        n_cells = int(np.prod(sizes)) if sizes else 0
        n_blocks = 0 if win is None else len(win.table)
        # Past about one bin per row, two passes over the rows cost less than the bins do.
        if win is None or (n_blocks + 1) * n_cells * w1 > min(MAX_DENSE, self.n_rows["real"]):
            self.column(name)
            self.column_windows(name, freq=freq, n_windows=n_windows, min_rows=min_rows)
            return
        # Rows outside every window count in the column's counts: block `n_blocks` holds them.
        if window_cells is None:
            window_cells = self._window_cells(win)
        key = window_cells * w1
        key += enc.codes["real"]
        cube = np.bincount(key, minlength=(n_blocks + 1) * n_cells * w1).reshape(
            n_blocks + 1, n_cells, w1)
        by_window = cube[:n_blocks].sum(axis=1)
        self._memo(("column", name), lambda: self._column(name, real_cells=cube.sum(axis=0).ravel()))
        self._memo(window_key, lambda: by_window)

    def _column(self, name: str, real_cells: np.ndarray | None = None) -> ColumnCounts:
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
                if side == "real" and real_cells is not None:
                    dense = real_cells
                else:
                    key = self.cell_codes(side) * w1
                    key += codes  # in place: one int64 temporary per side, not two
                    dense = np.bincount(key, minlength=n_cells * w1)
                    del key
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

