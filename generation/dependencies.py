"""Exact functional dependencies between columns (education -> education-num), found at fit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

# A determinant needs this many rows per distinct value on average: a near-unique column
# (fnlwgt) "determines" everything by accident, which says nothing about the data.
MIN_ROWS_PER_VALUE = 20


def functional_dependencies(codes: Mapping[str, np.ndarray], *,
                            min_rows_per_value: int = MIN_ROWS_PER_VALUE) -> list[tuple[str, str]]:
    """Every pair (a, b) where each value of a (missing counted as a value) goes with one value of b."""
    names = list(codes)
    if not names:
        return []
    n = len(codes[names[0]])
    distinct = {c: int(np.unique(codes[c]).size) for c in names}
    out = []
    for a in names:
        if distinct[a] < 2 or distinct[a] * min_rows_per_value > n:
            continue
        for b in names:
            if b == a or distinct[b] < 2:
                continue
            pair = codes[a].astype(np.int64) * (int(codes[b].max()) + 1) + codes[b]
            if np.unique(pair).size == distinct[a]:
                out.append((a, b))
    return out


def derivation_plan(dependencies: Iterable[tuple[str, str]], columns: list[str], *,
                    fixed: Iterable[str] = ()) -> dict[str, str]:
    """Choose which columns to derive from which: {derived: determinant}, acyclic, in column order.

    A column is derived from the first of its determinants that is not derived itself, so of
    two columns that determine each other the later one is kept and the earlier derived.
    `fixed` columns (strata keys) are never derived.
    """
    determinants: dict[str, list[str]] = {}
    for a, b in dependencies:
        determinants.setdefault(b, []).append(a)
    fixed = set(fixed)
    plan: dict[str, str] = {}
    for b in columns:
        if b in fixed:
            continue
        for a in sorted(determinants.get(b, []), key=columns.index):
            if a not in plan:
                plan[b] = a
                break
    return plan


def derivation_order(plan: Mapping[str, str]) -> list[str]:
    """Derived columns ordered so that each determinant is filled before the columns it determines."""
    order: list[str] = []

    def visit(col: str) -> None:
        if col in order:
            return
        if plan.get(col) in plan:
            visit(plan[col])
        order.append(col)

    for col in plan:
        visit(col)
    return order


def dependency_map(determinant: np.ndarray, derived: np.ndarray, size: int) -> np.ndarray:
    """Lookup table: determinant code -> the one derived code seen with it (-1 where unseen)."""
    table = np.full(size, -1, dtype=np.int64)
    table[determinant] = derived
    return table
