"""Disparate impact blocks per attribute set and time window against a reference held steady across windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.engines import Cells
from fairsynth.fairness.ratios import Columns, set_columns
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.errors import InvalidInputError


def steady_references(overall: pd.DataFrame, steady: int) -> dict[str, str]:
    """Reference group per attribute: the highest-rate group large enough to be in every window."""
    fixed = {}
    for attribute, block in overall.groupby("attribute", sort=False):
        big = block[(block["n"] >= steady) & block["selection_rate"].notna()]
        pick = big.loc[big["selection_rate"].idxmax()] if len(big) else block.loc[block["n"].idxmax()]
        fixed[attribute] = pick["group"]
    return fixed


def impact_sets(cells: Cells, counts: dict, first: dict, dataset: str, fixed: dict[str, str],
                max_order: int) -> list[Columns]:
    """Impact column blocks of one block of counts per attribute set (up to `max_order`) against
    `fixed`, else the block's own highest-rate group: an absent reference only affects its set."""
    parts = []
    for attrs in attribute_sets(cells.attributes, max_order):
        options = {"dataset": dataset, "strict": True}
        try:
            parts.append(set_columns(cells, counts, first, attrs, chosen=fixed.get("&".join(attrs)),
                                     **options))
        except InvalidInputError:
            # The fixed reference group is absent here: use this block's own highest-rate group.
            parts.append(set_columns(cells, counts, first, attrs, chosen=None, **options))
    return parts


def with_window(blocks: list[Columns], window: str | None) -> list[Columns]:
    """The blocks with a `window` column (one value for every row)."""
    for block in blocks:
        block["window"] = np.full(block["group"].size, window, dtype=object)
    return blocks
