"""Drift-window counts of a SqlPair: calendar windows truncated in SQL, counted per cell and value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.engines.sql_values import min_by, value_key
from fairsynth.engines.tables import WindowCounts
from fairsynth.foundation.errors import InvalidInputError, NoTimeRoleError
from fairsynth.foundation.windows import FREQS, table_from_counts

TRUNC_UNITS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


class SqlWindowCounts:
    """The window half of SqlPair (engines/sql.py): it reads the pair's grouped queries and cells."""

    def _window_expr(self, freq: str) -> str:
        if freq not in TRUNC_UNITS:
            raise InvalidInputError(f"Unknown window frequency '{freq}'. Available: {', '.join(FREQS)}.")
        return f"date_trunc('{TRUNC_UNITS[freq]}', TRY_CAST({self._q(self.roles.time)} AS TIMESTAMP))"

    def synthetic_windows(self, *, freq: str, min_rows: int) -> WindowCounts:
        """The synthetic side's calendar windows and cell counts, on the same cell labels."""
        if not self.roles.time:
            raise NoTimeRoleError()
        return self._cached(("synthetic_windows", freq, min_rows),
                            lambda: self._windows(freq, min_rows, side="synthetic"))

    def windows(self, *, freq: str | None, n_windows: int | None, min_rows: int) -> WindowCounts:
        """The real side's window table and its cell counts per window (calendar windows only)."""
        if not self.roles.time:
            raise NoTimeRoleError()
        if n_windows is not None:
            raise InvalidInputError(
                f"Equal-count windows need the rows in memory; the {self.engine} engine counts "
                "calendar windows (freq D, W, M, Q or Y).")
        return self._cached(("windows", freq, min_rows), lambda: self._windows(freq, min_rows))

    def _windows(self, freq: str, min_rows: int, side: str = "real") -> WindowCounts:
        cells = self.cells()
        frame = self._groups(side, freq)
        unparseable = int(frame.loc[frame["w"].isna() & (frame["has_t"] == 1), "n"].sum())
        dated = frame[frame["w"].notna()].copy()
        dated["w"] = pd.to_datetime(dated["w"]).dt.tz_localize(None) if getattr(
            pd.to_datetime(dated["w"]).dt, "tz", None) else pd.to_datetime(dated["w"])
        per_window = dated.groupby("w")["n"].sum()
        if per_window.empty:
            raise InvalidInputError(
                f"Time column '{self.roles.time}' has no date in the {side} table, so there are no windows.")
        table = table_from_counts(per_window, per_window.index.max(), freq=freq, min_rows=min_rows)
        table = table[table["rows"] > 0].reset_index(drop=True)
        block = pd.Series(np.arange(len(table)), index=table["window"].to_numpy())
        blocks = block.reindex(dated["w"].to_numpy()).to_numpy(dtype=np.int64)
        attrs = cells.attributes
        sizes, parts, flat = self._coded(dated, attrs, cells.labels)
        n_cells = int(np.prod(sizes)) if attrs else 1
        key = blocks * n_cells + flat
        n = dated["n"].to_numpy(dtype=np.int64)
        total = len(table) * n_cells
        measures = {"rows": np.bincount(key, weights=n, minlength=total)}
        for name, mask in self._outcome_masks(dated).items():
            if name in ("known", "fav"):
                measures[name] = np.bincount(key[mask], weights=n[mask], minlength=total)
        shaped = {k: v.astype(np.int64).reshape((len(table), *sizes)) for k, v in measures.items()}
        first_row = dated["first_row"].to_numpy(dtype=np.int64)
        first = {}
        for i, a in enumerate(attrs):
            size = len(cells.labels[a])
            first[a] = min_by(blocks * size + parts[i], first_row, len(table) * size).reshape(
                len(table), size)
        return WindowCounts(table, unparseable, shaped, first)

    def column_windows(self, name: str, *, freq: str | None, n_windows: int | None,
                       min_rows: int) -> np.ndarray:
        """Real-side value counts of a column per window, (windows, width + 1), on `column(name)`'s support."""
        win = self.windows(freq=freq, n_windows=n_windows, min_rows=min_rows)
        return self._cached(("column_windows", name, freq, min_rows),
                            lambda: self._column_windows(name, freq, win))

    def _column_windows(self, name: str, freq: str, win: WindowCounts) -> np.ndarray:
        hint = self.window_hint[0] if self.window_hint else None
        if hint == freq:
            frame = self._column_frames(name)["real"]
        else:
            frame = self._column_query("real", name, freq)
        counts = self.column(name)
        # The window rows' values are among the real side's, so the column's lookup covers them.
        lookup = self._cached(("lookup", name), lambda: None)
        w1 = counts.width + 1
        part = frame[(frame["s_w"].to_numpy() == 0) & frame["w"].notna().to_numpy()]
        starts = pd.to_datetime(part["w"])
        if getattr(starts.dt, "tz", None) is not None:
            starts = starts.dt.tz_localize(None)
        block = pd.Series(np.arange(len(win.table)), index=win.table["window"].to_numpy())
        blocks = block.reindex(starts.to_numpy()).to_numpy(dtype=float)
        ok = ~np.isnan(blocks)
        codes = np.array([lookup[value_key(v)] for v in part["v"]], dtype=np.int64)
        key = blocks[ok].astype(np.int64) * w1 + codes[ok]
        n = part["n"].to_numpy(dtype=np.float64)[ok]
        out = np.bincount(key, weights=n, minlength=len(win.table) * w1)
        return out.astype(np.int64).reshape(len(win.table), w1)
