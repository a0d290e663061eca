"""The count queries, written once in SQL that DuckDB and Spark both accept, and the counter they feed.

A runner (engines/duckdb_runner.py, engines/spark_runner.py) registers the two tables as views
`fs_real` and `fs_synthetic` with a row number `__fs_row` (file order), quotes identifiers and runs
a query into a pandas frame; everything else (GROUP BY, GROUPING SETS, date_trunc, TRY_CAST,
approx_count_distinct) is shared text. Only grouped counts leave the engine: the rows never do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from fairsynth.engines.sql_sample import loader_frame, sample_query
from fairsynth.engines.sql_values import (
    favourable_masks,
    grouping_rows,
    is_missing,
    min_by,
    type_kind,
    value_key,
)
from fairsynth.engines.sql_windows import SqlWindowCounts
from fairsynth.engines.tables import SIDES, Cells, ColumnCounts, order_labels
from fairsynth.foundation.codes import MISSING, label
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import DatasetPair, PairSurface, Problem, make_pair
from fairsynth.foundation.roles import MAX_PROTECTED_GROUPS, Roles

VIEWS = {"real": "fs_real", "synthetic": "fs_synthetic"}
ROW = "__fs_row"
# Numeric columns with more distinct values than this are counted in equal-width bins.
MAX_EXACT_VALUES = 200_000
BINS = 10_000


class Runner(Protocol):
    """What an engine gives the shared queries."""

    engine: str
    # Each view's file, and the rule's type of each column of a CSV view (None for Parquet).
    paths: dict[str, Path]
    csv_types: dict[str, dict[str, str] | None]

    def quote(self, name: str) -> str: ...

    def literal(self, text: str) -> str: ...

    def trim(self, expr: str, chars: str) -> str: ...

    def matches(self, expr: str, pattern: str) -> str: ...

    def query(self, sql: str) -> pd.DataFrame: ...

    def arrow(self, sql: str) -> pa.Table: ...

    def column_types(self, view: str) -> dict[str, str]: ...


@dataclass(frozen=True)
class TableStub:
    """Shape of a table that stays in the engine (what lineage records: rows and column names)."""

    columns: pd.Index
    rows: int

    def __len__(self) -> int:
        return self.rows

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns), as a DataFrame's."""
        return self.rows, len(self.columns)


class SqlPair(SqlWindowCounts, PairSurface):
    """A real/synthetic pair that stays in DuckDB or Spark; it answers the count queries itself."""

    def __init__(self, runner: Runner, roles: Roles, *, real_name: str, synthetic_name: str,
                 real_sha256: str = "", synthetic_sha256: str = "",
                 window_hint: tuple[str, int] | None = None) -> None:
        self.runner = runner
        self.engine = runner.engine
        self.roles = roles
        self.real_name, self.synthetic_name = real_name, synthetic_name
        self.real_sha256, self.synthetic_sha256 = real_sha256, synthetic_sha256
        self._lock = threading.RLock()
        self._memo: dict[tuple, object] = {}
        self.types = {side: runner.column_types(VIEWS[side]) for side in SIDES}
        for side in SIDES:
            self.types[side].pop(ROW, None)
        sizes = {side: int(runner.query(f"SELECT COUNT(*) AS n FROM {VIEWS[side]}")["n"].iloc[0])
                 for side in SIDES}
        self.n_rows = sizes
        self.real = TableStub(pd.Index(list(self.types["real"])), sizes["real"])
        self.synthetic = TableStub(pd.Index(list(self.types["synthetic"])), sizes["synthetic"])
        # Drift windows the caller will ask for: counted in the same scan as each column.
        self.window_hint = window_hint
        self.warnings, self.excluded = self._validate()

    def with_roles(self, roles: Roles) -> SqlPair:
        """The same files (no re-hashing) with other roles, validated again."""
        return SqlPair(self.runner, roles, real_name=self.real_name,
                       synthetic_name=self.synthetic_name, real_sha256=self.real_sha256,
                       synthetic_sha256=self.synthetic_sha256, window_hint=self.window_hint)

    def sample_pair(self, n: int, seed: int) -> DatasetPair:
        """At most n rows per side drawn in the engine by a seeded hash of each row number (same
        seed, same rows), typed as the pandas loader types the files, with this pair's roles."""
        frames = {}
        for side in SIDES:
            view = VIEWS[side]
            rows = self.runner.arrow(sample_query(view, ROW, n, seed))
            frames[side] = loader_frame(rows, ROW, self.runner.csv_types.get(view),
                                        self.runner.paths[view])
        return make_pair(frames["real"], frames["synthetic"], self.roles,
                         real_name=self.real_name, synthetic_name=self.synthetic_name)

    def distinct(self, column: str, *, side: str = "real", limit: int = 50) -> pd.Series:
        """Up to `limit` distinct non-missing values of a column (to guess a favourable value)."""
        q = self._q(column)
        frame = self.runner.query(f"SELECT DISTINCT {q} AS v FROM {VIEWS[side]} WHERE {q} IS NOT NULL "
                                  f"LIMIT {int(limit)}")
        return frame["v"].rename(column)

    # --- pair-like surface (what the audit, lineage and exports read) ---
    @property
    def shared_columns(self) -> list[str]:
        """Columns present on both sides, in the real table's order."""
        return [c for c in self.types["real"] if c in self.types["synthetic"]]


    def _validate(self):
        roles = self.roles
        shared = self.shared_columns
        named = list(roles.protected) + [c for c in (roles.target, roles.prediction, roles.time) if c]
        missing = [c for c in named if c not in shared]
        if missing:
            raise InvalidInputError(f"Role column(s) not in both tables: {', '.join(missing)}.")
        problems, excluded = [], []
        for col in shared:
            kinds = {self._kind(side, col) for side in SIDES}
            if len(kinds) > 1:
                if col in roles.role_columns:
                    raise InvalidInputError(f"Column '{col}' has different types in the two tables.")
                excluded.append(col)
                problems.append(Problem("warning", "dtype_mismatch",
                                        f"Column '{col}' has different types in the two tables; "
                                        "it is left out of the comparison.", (col,)))
        return tuple(problems), tuple(excluded)

    def _kind(self, side: str, column: str) -> str:
        return type_kind(self.types[side][column])

    def _q(self, name: str) -> str:
        return self.runner.quote(name)

    def _cached(self, key: tuple, compute):
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    # --- counts ---
    def _group_query(self, side: str, freq: str | None) -> pd.DataFrame:
        """Rows and first row number per (protected values, target, prediction[, window])."""
        roles = self.roles
        keys = [f"{self._q(a)} AS g{i}" for i, a in enumerate(roles.protected)]
        if roles.target:
            keys.append(f"{self._q(roles.target)} AS y")
        if roles.prediction:
            keys.append(f"{self._q(roles.prediction)} AS p")
        if freq is not None:
            keys.append(f"{self._window_expr(freq)} AS w")
            keys.append(f"CASE WHEN {self._q(roles.time)} IS NOT NULL THEN 1 ELSE 0 END AS has_t")
        names = [k.rsplit(" AS ", 1)[1] for k in keys]
        sql = (f"SELECT {', '.join(names)}, COUNT(*) AS n, MIN({ROW}) AS first_row FROM "
               f"(SELECT {', '.join(keys)}, {ROW} FROM {VIEWS[side]}) t GROUP BY {', '.join(names)}")
        return self.runner.query(sql)

    def _groups(self, side: str, freq: str | None = None) -> pd.DataFrame:
        return self._cached(("groups", side, freq), lambda: self._group_query(side, freq))

    def cells(self) -> Cells:
        """Rows, known and favourable outcomes (and confusion counts) per protected cell and side."""
        return self._cached(("cells",), self._cells)

    def _cells(self) -> Cells:
        roles = self.roles
        attrs = tuple(roles.protected)
        frames = {side: self._groups(side) for side in SIDES}
        labels = {}
        for i, a in enumerate(attrs):
            seen = {MISSING if is_missing(v) else label(v) for f in frames.values() for v in f[f"g{i}"]}
            labels[a] = order_labels(seen)
            if len([t for t in labels[a] if t != MISSING]) > MAX_PROTECTED_GROUPS:
                raise InvalidInputError(
                    f"Protected attribute '{a}' has more than {MAX_PROTECTED_GROUPS} distinct values; "
                    "bin it into bands first.")
        counts, first, first_both = {}, {}, {}
        for side, frame in frames.items():
            measures, f, fb = self._cell_arrays(frame, attrs, labels)
            counts[side], first[side] = measures, f
            if fb is not None:
                first_both[side] = fb
        if roles.target and roles.favorable is not None and counts["real"]["fav"].sum() == 0:
            raise InvalidInputError(
                f"Favourable value '{roles.favorable}' never occurs in target '{roles.target}'.")
        return Cells(attrs, labels, counts, first, first_both)

    def _coded(self, frame: pd.DataFrame, attrs, labels, lead: list[np.ndarray] | None = None):
        """Cell index per group row and masks of its outcome."""
        sizes = tuple(len(labels[a]) for a in attrs)
        index = {a: {t: i for i, t in enumerate(labels[a])} for a in attrs}
        parts = [np.array([index[a][MISSING if is_missing(v) else label(v)] for v in frame[f"g{i}"]],
                          dtype=np.int64) for i, a in enumerate(attrs)]
        flat = np.ravel_multi_index(parts, sizes) if attrs else np.zeros(len(frame), dtype=np.int64)
        return sizes, parts, flat

    def _outcome_masks(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        roles = self.roles
        out = {}
        if roles.target and roles.favorable is not None:
            known, fav = favourable_masks(frame["y"], roles.favorable)
            out.update(known=known, fav=fav & known)
            if roles.prediction:
                p_known, p_fav = favourable_masks(frame["p"], roles.favorable)
                both = known & p_known
                out.update(both=both, tp=both & fav & p_fav, fp=both & ~fav & p_fav,
                           fn=both & fav & ~p_fav, tn=both & ~fav & ~p_fav)
        return out

    def _cell_arrays(self, frame, attrs, labels):
        sizes, parts, flat = self._coded(frame, attrs, labels)
        n_cells = int(np.prod(sizes)) if attrs else 1
        n = frame["n"].to_numpy(dtype=np.int64)
        measures = {"rows": np.bincount(flat, weights=n, minlength=n_cells)}
        masks = self._outcome_masks(frame)
        for name, mask in masks.items():
            measures[name] = np.bincount(flat[mask], weights=n[mask], minlength=n_cells)
        measures = {k: v.astype(np.int64).reshape(sizes) for k, v in measures.items()}
        first_row = frame["first_row"].to_numpy(dtype=np.int64)
        first = {a: min_by(parts[i], first_row, len(labels[a])) for i, a in enumerate(attrs)}
        first_both = None
        if "both" in masks:
            both = masks["both"]
            first_both = {a: min_by(parts[i][both], first_row[both], len(labels[a]))
                          for i, a in enumerate(attrs)}
        return measures, first, first_both

    def _numeric_plan(self) -> dict[str, tuple[float, float] | None]:
        """Per numeric analysis column: None (count exact values) or (low, bin width) for binning."""
        def compute():
            cols = [c for c in self.analysis_columns if self._kind("real", c) == "numeric"]
            if not cols:
                return {}
            stats = {}
            for side in SIDES:
                exprs = []
                for i, c in enumerate(cols):
                    q = self._q(c)
                    exprs += [f"approx_count_distinct({q}) AS d{i}", f"MIN({q}) AS lo{i}",
                              f"MAX({q}) AS hi{i}"]
                stats[side] = self.runner.query(f"SELECT {', '.join(exprs)} FROM {VIEWS[side]}").iloc[0]
            plan = {}
            for i, c in enumerate(cols):
                distinct = sum(float(stats[s][f"d{i}"] or 0) for s in SIDES)
                if distinct <= MAX_EXACT_VALUES:
                    plan[c] = None
                    continue
                lows = [float(stats[s][f"lo{i}"]) for s in SIDES if not is_missing(stats[s][f"lo{i}"])]
                highs = [float(stats[s][f"hi{i}"]) for s in SIDES if not is_missing(stats[s][f"hi{i}"])]
                lo, hi = min(lows), max(highs)
                plan[c] = (lo, (hi - lo) / BINS if hi > lo else 1.0)
            return plan
        return self._cached(("numeric_plan",), compute)

    def _value_expr(self, column: str) -> tuple[str, tuple[float, float] | None]:
        bins = self._numeric_plan().get(column)
        q = self._q(column)
        if bins is None:
            return q, None
        lo, width = bins
        # Bin edges from MIN/MAX in SQL; the top value joins the last bin.
        return (f"LEAST(FLOOR((CAST({q} AS DOUBLE) - ({lo!r})) / ({width!r})), {BINS - 1})", bins)

    def _column_query(self, side: str, column: str, freq: str | None) -> pd.DataFrame:
        value, _ = self._value_expr(column)
        attrs = list(self.roles.protected)
        inner = [f"{self._q(a)} AS g{i}" for i, a in enumerate(attrs)] + [f"{value} AS v"]
        sets = [f"(g{i}, v)" for i in range(len(attrs))] or ["(v)"]
        cols = [f"g{i}" for i in range(len(attrs))]
        if freq is not None:
            inner.append(f"{self._window_expr(freq)} AS w")
            sets.append("(w, v)")
            cols.append("w")
        flags = [f"GROUPING({c}) AS s_{c}" for c in cols]
        sql = (f"SELECT {', '.join(flags + cols + ['v'])}, COUNT(*) AS n FROM "
               f"(SELECT {', '.join(inner)} FROM {VIEWS[side]}) t "
               f"GROUP BY GROUPING SETS ({', '.join(sets)})")
        return self.runner.query(sql)

    def _column_frames(self, column: str) -> dict[str, pd.DataFrame]:
        hint = self.window_hint[0] if self.window_hint and self.roles.time else None
        return self._cached(("column_frames", column), lambda: {
            side: self._column_query(side, column, hint if side == "real" else None) for side in SIDES})

    def _support(self, column: str, frames: dict[str, pd.DataFrame]):
        kind = self._kind("real", column)
        numeric = kind in ("numeric", "datetime")
        _, bins = self._value_expr(column)

        def convert(v):
            if is_missing(v):
                return None
            if kind == "datetime":
                return pd.Timestamp(v).value / 1e9
            if kind == "numeric":
                value = float(v)
                return bins[0] + (value + 0.5) * bins[1] if bins else value
            return label(v)

        raw = pd.unique(pd.concat([f["v"] for f in frames.values()], ignore_index=True))
        mapped = {value_key(v): convert(v) for v in raw}
        present = [m for m in mapped.values() if m is not None]
        if numeric:
            support = np.unique(np.asarray(present, dtype=np.float64))
        else:
            support = np.array(order_labels(present), dtype=object)
        index = {v: i for i, v in enumerate(support.tolist())}
        width = len(support)
        lookup = {k: (width if m is None else index[m]) for k, m in mapped.items()}
        return numeric, kind == "datetime", support, lookup, bins is None

    def column(self, name: str) -> ColumnCounts:
        """Value counts of a column per side, overall and per group of each protected attribute."""
        return self._cached(("column", name), lambda: self._column(name))

    def _column(self, name: str) -> ColumnCounts:
        frames = self._column_frames(name)
        numeric, is_dt, support, lookup, exact = self._support(name, frames)
        with self._lock:
            self._memo[("lookup", name)] = lookup
        cells = self.cells() if self.roles.protected else None
        w1 = len(support) + 1
        overall, by_attr = {}, {}
        for side, frame in frames.items():
            codes = np.array([lookup[value_key(v)] for v in frame["v"]], dtype=np.int64)
            n = frame["n"].to_numpy(dtype=np.int64)
            by_attr[side] = {}
            attrs = list(self.roles.protected)
            for i, a in enumerate(attrs):
                rows = grouping_rows(frame, i, len(attrs), "g")
                index = {t: j for j, t in enumerate(cells.labels[a])}
                g = np.array([index[MISSING if is_missing(v) else label(v)]
                              for v in frame.loc[rows, f"g{i}"]], dtype=np.int64)
                key = g * w1 + codes[rows]
                by_attr[side][a] = np.bincount(key, weights=n[rows], minlength=len(index) * w1).astype(
                    np.int64).reshape(len(index), w1)
            if attrs:
                overall[side] = by_attr[side][attrs[0]].sum(axis=0)
            else:
                rows = frame["s_w"].to_numpy() == 1 if "s_w" in frame else np.ones(len(frame), bool)
                overall[side] = np.bincount(codes[rows], weights=n[rows], minlength=w1).astype(np.int64)
        return ColumnCounts(name, numeric, is_dt, support, overall, by_attr, exact=exact)

