"""The real holdout: rows the generator should not have seen, given by the user or split off the real data."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import InvalidInputError

# 50/50: the closer-to-training share compares two equally large real sets (otherwise the larger
# one wins ties of chance), and an even split gives both sides, and anonymeter's control set, the
# most rows.
DEFAULT_HOLDOUT_FRACTION = 0.5
MIN_ROWS_PER_SIDE = 20


@dataclass(frozen=True, eq=False)
class HoldoutSplit:
    """Training and holdout real rows; both keep the positions of their rows in the real table.

    A split of the real table holds row positions and materialises `train`/`holdout` only when
    read (at 5M rows the two copies took 1.6 s); `sample_train`/`sample_holdout` copy just the
    rows they draw."""

    real: pd.DataFrame
    train_rows: np.ndarray | None  # positions in `real`; None: `real` itself is the training set
    given_holdout: pd.DataFrame | None
    holdout_rows: np.ndarray | None
    source: Literal["split", "given"]
    holdout_fraction: float
    random_state: int

    @functools.cached_property
    def train(self) -> pd.DataFrame:
        """The training rows, indexed by their positions in the real table."""
        return self.real if self.train_rows is None else self.real.iloc[self.train_rows]

    @functools.cached_property
    def holdout(self) -> pd.DataFrame:
        """The holdout rows (the given table, or the split's rows indexed by position)."""
        return self.given_holdout if self.holdout_rows is None else self.real.iloc[self.holdout_rows]

    @property
    def n_train(self) -> int:
        return len(self.real) if self.train_rows is None else len(self.train_rows)

    @property
    def n_holdout(self) -> int:
        return len(self.given_holdout) if self.holdout_rows is None else len(self.holdout_rows)

    def sample_train(self, n: int, *, random_state: int) -> pd.DataFrame:
        """`sample_rows(self.train, n, ...)`, reading only the drawn rows."""
        if self.train_rows is None:
            return sample_rows(self.real, n, random_state=random_state)
        return _sample_positions(self.real, self.train_rows, n, random_state)

    def sample_holdout(self, n: int, *, random_state: int) -> pd.DataFrame:
        """`sample_rows(self.holdout, n, ...)`, reading only the drawn rows."""
        if self.holdout_rows is None:
            return sample_rows(self.given_holdout, n, random_state=random_state)
        return _sample_positions(self.real, self.holdout_rows, n, random_state)

    def describe(self) -> str:
        """One sentence for the page and the report on where the holdout came from."""
        if self.source == "given":
            return (f"Holdout given by the user: {self.n_holdout:,} real rows not used to fit the "
                    f"generator, against {self.n_train:,} training rows.")
        return (f"No separate holdout was given: the real data was split at random (seed "
                f"{self.random_state}) into {self.n_train:,} 'training' and {self.n_holdout:,} "
                f"holdout rows ({self.holdout_fraction:.0%}).")


def split_holdout(
    real: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    holdout_fraction: float = DEFAULT_HOLDOUT_FRACTION,
    random_state: int = 0,
) -> HoldoutSplit:
    """Use the given holdout, or split the real rows at random (seeded) into training and holdout.

    `real` is indexed by row position when split (the rows keep those labels)."""
    if holdout is not None:
        split = HoldoutSplit(real, None, holdout, None, "given", len(holdout) / (len(holdout) + len(real)),
                             random_state)
    else:
        if not 0.0 < holdout_fraction < 1.0:
            raise InvalidInputError(
                f"holdout_fraction must be between 0 and 1 (exclusive), not {holdout_fraction}.")
        order = np.random.default_rng(random_state).permutation(len(real))
        n_holdout = int(round(len(real) * holdout_fraction))
        # The sorted halves of the permutation, by a mask instead of two sorts.
        in_holdout = np.zeros(len(real), dtype=bool)
        in_holdout[order[:n_holdout]] = True
        split = HoldoutSplit(real, np.flatnonzero(~in_holdout), None, np.flatnonzero(in_holdout),
                             "split", holdout_fraction, random_state)
    for side, n in (("training", split.n_train), ("holdout", split.n_holdout)):
        if n < MIN_ROWS_PER_SIDE:
            raise InvalidInputError(
                f"The real {side} rows number {n}; at least {MIN_ROWS_PER_SIDE} are needed "
                "to measure privacy risk against a holdout.")
    return split


def _sample_positions(real: pd.DataFrame, rows: np.ndarray, n: int, random_state: int) -> pd.DataFrame:
    # The same draw as sample_rows on real.iloc[rows], without copying the unsampled rows.
    if len(rows) <= n:
        return real.iloc[rows]
    picked = np.random.default_rng(random_state).choice(len(rows), size=n, replace=False)
    return real.iloc[rows[np.sort(picked)]]


def sample_rows(frame: pd.DataFrame, n: int, *, random_state: int) -> pd.DataFrame:
    """At most n rows drawn without replacement (seeded); the frame itself when it is small enough."""
    if len(frame) <= n:
        return frame
    picked = np.random.default_rng(random_state).choice(len(frame), size=n, replace=False)
    return frame.iloc[np.sort(picked)]
