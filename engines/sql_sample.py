"""A reproducible sample of a side held in DuckDB or Spark, typed as the pandas loader types the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fairsynth.foundation.csv_types import typed_column


def sample_query(view: str, row: str, n: int, seed: int) -> str:
    """At most n rows of a view, in file order, chosen by a seeded hash of their row numbers.

    Ranking by hash(row, seed) is a sample without replacement that is the same on every run,
    engine thread count and partitioning (DuckDB's reservoir sample repeats only single-threaded);
    the row number breaks ties.
    """
    return (f"SELECT * FROM (SELECT * FROM {view} ORDER BY hash({row}, {int(seed)}), {row} "
            f"LIMIT {int(n)}) s ORDER BY {row}")


def loader_frame(rows: pa.Table, row: str, csv_types: dict[str, str] | None, path: Path) -> pd.DataFrame:
    """Sampled rows as pandas, each column of the dtype the pandas loader gives the whole file."""
    frame = rows.drop_columns([row]).to_pandas()
    if csv_types is not None:
        # CSV: the rule's types were chosen on the whole file, so they hold for any sample of it.
        return pd.DataFrame({c: typed_column(frame[c], kind) for c, kind in csv_types.items()})
    # Parquet: Arrow converts the sample as the loader converts the file (bool or int with nulls
    # become object or float, by the data: so a column whose nulls all fall outside the sample
    # comes back bool/int where the whole file reads as object/float). Only what the file's schema and pandas metadata fix
    # is applied: extension dtypes (Int64, category, ...) and the timestamps' zone and unit.
    schema = pq.read_schema(path)
    expected = schema.empty_table().to_pandas().dtypes
    for field in schema:
        # Text as category, as the loader reads it (the categories are the sample's, sorted).
        if field.name in frame.columns and (pa.types.is_string(field.type)
                                            or pa.types.is_large_string(field.type)):
            frame[field.name] = frame[field.name].astype("category")
    for col in frame.columns:
        dtype = expected.get(col)
        # A category dtype read off an empty table has no categories: casting to it would turn
        # every value missing; text is already a category of the sample's values above.
        fixed = (isinstance(dtype, pd.api.extensions.ExtensionDtype)
                 and not isinstance(dtype, pd.CategoricalDtype)) or (
            dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype))
        if fixed and frame[col].dtype != dtype:
            frame[col] = _as_dtype(frame[col], dtype)
    return frame


def _as_dtype(values: pd.Series, dtype) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values) and getattr(values.dt, "tz", None) is not None \
            and getattr(dtype, "tz", None) is None:
        # Spark hands back session-zone (UTC) timestamps where the file holds naive ones.
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype(dtype)
