"""k-anonymity of a table over quasi-identifiers: the smallest class and the rows in small classes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.privacy.distance import text_codes

DEFAULT_K = 5
# Quasi-identifier combinations counted in one bincount, no hashing, up to this many possible keys.
DENSE_KEYS = 1 << 22
# Age and place are the classic quasi-identifiers (Sweeney: zip code, birth date, sex).
QI_NAME = re.compile(r"(^|[_\W])(age|age_?cat\w*|birth\w*|dob|zip\w*|post_?code|postal\w*)($|[_\W])",
                     re.IGNORECASE)


def default_quasi_identifiers(columns: list[str], protected: tuple[str, ...]) -> list[str]:
    """Protected attributes plus age-like and zip-like columns, in table order."""
    return [c for c in columns if c in protected or QI_NAME.search(str(c))]


def class_sizes(frame: pd.DataFrame, quasi_identifiers: list[str],
                coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """For each row, how many rows share its quasi-identifier combination (missing counts as a value).

    `coded` may give integer columns as the count engine codes them ((distinct values, each row's
    position), the last position missing), as `row_hashes` takes them: equal positions are equal
    values, so the classes are the same."""
    missing = [c for c in quasi_identifiers if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"Unknown quasi-identifier column(s): {', '.join(missing)}.")
    if not quasi_identifiers:
        raise InvalidInputError("Pick at least one quasi-identifier column for k-anonymity.")
    # The combination's id from each column's text positions (as category_text reads the values):
    # a mixed-radix number while the product of the widths stays small (sizes are then one
    # bincount), else folded pairwise through factorize so the key never overflows.
    key = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for col in quasi_identifiers:
        if coded is not None and col in coded:
            width, codes = len(coded[col][0]) + 1, coded[col][1]
        else:
            texts, codes = text_codes(frame[col])
            width = len(texts)
        key = key * width + codes
        span *= width
        if span > max(DENSE_KEYS, 4 * len(frame)):
            key = pd.factorize(key)[0]
            span = int(key.max()) + 1 if len(key) else 1
    return np.bincount(key)[key]
