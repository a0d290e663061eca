"""The real holdout: rows the generator should not have seen, given by the user or split off the real data."""

from __future__ import annotations

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
    """Training and holdout real rows; both keep the positions of their rows in the real table."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    source: Literal["split", "given"]
    holdout_fraction: float
    random_state: int

    def describe(self) -> str:
        """One sentence for the page and the report on where the holdout came from."""
        if self.source == "given":
            return (f"Holdout given by the user: {len(self.holdout):,} real rows not used to fit the "
                    f"generator, against {len(self.train):,} training rows.")
        return (f"No separate holdout was given: the real data was split at random (seed "
                f"{self.random_state}) into {len(self.train):,} 'training' and {len(self.holdout):,} "
                f"holdout rows ({self.holdout_fraction:.0%}).")


def split_holdout(
    real: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    holdout_fraction: float = DEFAULT_HOLDOUT_FRACTION,
    random_state: int = 0,
) -> HoldoutSplit:
    """Use the given holdout, or split the real rows at random (seeded) into training and holdout."""
    if holdout is not None:
        train, held, source = real, holdout, "given"
    else:
        if not 0.0 < holdout_fraction < 1.0:
            raise InvalidInputError(
                f"holdout_fraction must be between 0 and 1 (exclusive), not {holdout_fraction}.")
        order = np.random.default_rng(random_state).permutation(len(real))
        n_holdout = int(round(len(real) * holdout_fraction))
        train, held, source = real.iloc[np.sort(order[n_holdout:])], real.iloc[np.sort(order[:n_holdout])], "split"
    for side, frame in (("training", train), ("holdout", held)):
        if len(frame) < MIN_ROWS_PER_SIDE:
            raise InvalidInputError(
                f"The real {side} rows number {len(frame)}; at least {MIN_ROWS_PER_SIDE} are needed "
                "to measure privacy risk against a holdout.")
    return HoldoutSplit(train, held, source, holdout_fraction if source == "split" else
                        len(held) / (len(held) + len(train)), random_state)


def sample_rows(frame: pd.DataFrame, n: int, *, random_state: int) -> pd.DataFrame:
    """At most n rows drawn without replacement (seeded); the frame itself when it is small enough."""
    if len(frame) <= n:
        return frame
    picked = np.random.default_rng(random_state).choice(len(frame), size=n, replace=False)
    return frame.iloc[np.sort(picked)]
