"""Column kinds: is a column compared as numbers or as categories? One rule and one vocabulary.

A column is NUMERIC when it holds numbers or dates (booleans are two categories, not numbers);
an analysis that needs a distribution to compare may further ask for more than
NUMERIC_MIN_DISTINCT distinct values. Libraries with their own words (evidently's "numerical",
SDV's sdtypes) are mapped at the one call that hands them the columns.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

Kind = Literal["numeric", "categorical"]
NUMERIC: Kind = "numeric"
CATEGORICAL: Kind = "categorical"
# Numbers with at most this many distinct values are compared as categories (evidently's rule for
# choosing a drift test; fidelity uses the same cut between KS and total variation).
NUMERIC_MIN_DISTINCT = 5


def is_number(values: pd.Series) -> bool:
    """Numeric dtype and not boolean (True/False compare as categories)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def is_ordered(values: pd.Series) -> bool:
    """Numbers or dates: values with an order and a distance between them."""
    return is_number(values) or pd.api.types.is_datetime64_any_dtype(values)


def column_kind(values: pd.Series, *, min_distinct: int = 0) -> Kind:
    """NUMERIC for numbers or dates with more than `min_distinct` distinct values, else CATEGORICAL.

    Examples
    --------
    >>> column_kind(pd.Series([1, 2, 2])), column_kind(pd.Series([True, False]))
    ('numeric', 'categorical')
    >>> column_kind(pd.Series([1, 2, 2]), min_distinct=NUMERIC_MIN_DISTINCT)
    'categorical'
    """
    if not is_ordered(values):
        return CATEGORICAL
    if min_distinct and values.nunique(dropna=True) <= min_distinct:
        return CATEGORICAL
    return NUMERIC
