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
    # Parquet: the file's schema (with its pandas metadata) read the way the loader reads it.
    expected = pq.read_schema(path).empty_table().to_pandas().dtypes
    for col in frame.columns:
        if col in expected and frame[col].dtype != expected[col]:
            frame[col] = _as_dtype(frame[col], expected[col])
    return frame


def _as_dtype(values: pd.Series, dtype) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values) and getattr(values.dt, "tz", None) is not None \
            and getattr(dtype, "tz", None) is None:
        # Spark hands back session-zone (UTC) timestamps where the file holds naive ones.
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype(dtype)
