"""Count engines: the grouped counts every metric reads, from pandas, DuckDB or Spark."""

from fairsynth.engines.pandas_counts import PandasCounter, counter_for
from fairsynth.engines.tables import Cells, ColumnCounts, Counter, WindowCounts
from fairsynth.foundation.pair import DatasetPair


def as_counter(source) -> Counter:
    """A DatasetPair's cached pandas counter, or the given counter (DuckDB/Spark) as it is."""
    if isinstance(source, DatasetPair):
        return counter_for(source)
    return source


def prefetch_columns(counter: Counter, names: list[str], **windows) -> None:
    """Count these columns ahead, on the pandas engine's threads (SQL engines count each on demand).

    `windows` (freq, n_windows, min_rows) also counts each column per window of the real side.
    """
    if isinstance(counter, PandasCounter):
        counter.prefetch(names, **windows)


__all__ = ["Cells", "ColumnCounts", "Counter", "WindowCounts", "as_counter", "prefetch_columns"]
