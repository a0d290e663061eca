"""k-anonymity of a table over quasi-identifiers: the smallest class and the rows in small classes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.privacy.distance import text_codes

DEFAULT_K = 5
# Age and place are the classic quasi-identifiers (Sweeney: zip code, birth date, sex).
QI_NAME = re.compile(r"(^|[_\W])(age|age_?cat\w*|birth\w*|dob|zip\w*|post_?code|postal\w*)($|[_\W])",
                     re.IGNORECASE)


def default_quasi_identifiers(columns: list[str], protected: tuple[str, ...]) -> list[str]:
    """Protected attributes plus age-like and zip-like columns, in table order."""
    return [c for c in columns if c in protected or QI_NAME.search(str(c))]


def class_sizes(frame: pd.DataFrame, quasi_identifiers: list[str]) -> np.ndarray:
    """For each row, how many rows share its quasi-identifier combination (missing counts as a value)."""
    missing = [c for c in quasi_identifiers if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"Unknown quasi-identifier column(s): {', '.join(missing)}.")
    if not quasi_identifiers:
        raise InvalidInputError("Pick at least one quasi-identifier column for k-anonymity.")
    # The combination's id from each column's text positions (as category_text reads the values),
    # folded pairwise so the key never overflows; sizes are a bincount.
    key = np.zeros(len(frame), dtype=np.int64)
    for col in quasi_identifiers:
        texts, codes = text_codes(frame[col])
        key = pd.factorize(key * len(texts) + codes)[0]
    return np.bincount(key)[key]
