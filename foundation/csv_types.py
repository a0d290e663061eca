"""FairSynth's one rule for the type of a CSV column, applied the same way by pandas, DuckDB and Spark.

A CSV holds text. Every engine reads its cells as text and types each column with this rule, never
with its own sniffer (DuckDB's would turn yes/no into booleans; pandas' would turn the zip code
02134 into the number 2134). A cell is first stripped of `TRIM` and is missing when it is then one
of `NA_VALUES`. A column is then, over all its present cells:

- "bool"        every cell is true/false (True, TRUE, true, ...) and none is missing;
- "object_bool" the same with missing cells (pandas holds them as an object column: the engines
                hold the text 'True'/'False', which labels the same groups);
- "int64"       every cell is an integer of at most 18 digits without a leading zero, none missing;
- "float64"     every cell is a number (or an integer with missing cells, or no cell is present);
- "text"        anything else, e.g. yes/no, Y/N, dates and numbers with leading zeros (identifiers).

The patterns hold no backslash so that Python's `re`, DuckDB's RE2 and Spark's Java regex read
them alike (and SQL string literals need no escaping).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Text that means "missing" in the wild (Adult writes '?').
NA_VALUES = ["", "?", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]
# Stripped from both ends of every cell before it is typed.
TRIM = " \t\r\n"
TRUE_TEXT = ("True", "TRUE", "true")
FALSE_TEXT = ("False", "FALSE", "false")
# Tried in this order; a column takes the first that every present cell matches in full.
PATTERNS = {
    "bool": "|".join(TRUE_TEXT + FALSE_TEXT),
    "int64": "[+-]?(0|[1-9][0-9]{0,17})",
    # A leading zero before another digit (02134, 007.5) makes an identifier, not a number.
    "float64": "[+-]?((0|[1-9][0-9]*)([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
               "|[+-]?([iI][nN][fF]|[iI][nN][fF][iI][nN][iI][tT][yY])",
}
TYPES = ("bool", "object_bool", "int64", "float64", "text")


def anchored(pattern: str) -> str:
    """A pattern that must match the whole cell (SQL regex functions search, they do not full-match)."""
    return f"^(?:{pattern})$"


def column_type(present: int, missing: int, mismatches: dict[str, int]) -> str:
    """The column's type from its count of present and missing cells and, per pattern, the
    present cells that do not match it."""
    if present == 0:
        return "float64"  # an empty column reads as numbers, all missing (as pandas reads it)
    if mismatches["bool"] == 0:
        return "bool" if missing == 0 else "object_bool"
    if mismatches["int64"] == 0:
        return "int64" if missing == 0 else "float64"
    if mismatches["float64"] == 0:
        return "float64"
    return "text"


def clean_text(values: pd.Series) -> pd.Series:
    """Cells stripped of `TRIM`, with `NA_VALUES` (and cells that were already missing) as NaN."""
    stripped = values.str.strip(TRIM)
    return stripped.mask(stripped.isna() | stripped.isin(NA_VALUES))


def infer_type(values: pd.Series) -> str:
    """The rule's type of one column of cleaned text (see `clean_text`)."""
    present = values.dropna()
    # Each distinct text is matched once: a column rarely has as many distinct values as rows.
    distinct = pd.Series(present.unique(), dtype=object)
    mismatches = {name: int((~distinct.str.fullmatch(pattern)).sum())
                  for name, pattern in PATTERNS.items()}
    return column_type(len(present), len(values) - len(present), mismatches)


def typed_column(values: pd.Series, kind: str) -> pd.Series:
    """Cleaned text (or what an engine returned for a column of that type) as the pandas loader holds it."""
    if kind in ("bool", "object_bool"):
        as_text = values.map(lambda v: v if pd.isna(v) else str(v))
        flags = as_text.map({t: True for t in TRUE_TEXT} | {f: False for f in FALSE_TEXT})
        # Missing cells stay NaN in an object column; without any, a plain bool column.
        flags = flags.where(as_text.notna(), np.nan)
        return flags.astype(bool) if kind == "bool" else flags.astype(object)
    if kind == "int64":
        return values.astype("int64")
    if kind == "float64":
        # Python's float() reads "1e999" as inf (the pair then treats it as missing, and says so).
        return values.astype("float64")
    return values.astype(object)


def type_text_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A frame of CSV text typed by the rule, and the type chosen for each column."""
    kinds, columns = {}, {}
    for col in frame.columns:
        cleaned = clean_text(frame[col].astype(object))
        kinds[col] = infer_type(cleaned)
        columns[col] = typed_column(cleaned, kinds[col])
    return pd.DataFrame(columns, index=frame.index), kinds
