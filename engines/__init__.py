"""Count engines: the grouped counts every metric reads, from pandas, DuckDB or Spark."""

from fairsynth.engines.pandas_counts import counter_for
from fairsynth.engines.tables import Cells, ColumnCounts, Counter, WindowCounts
from fairsynth.foundation.pair import DatasetPair


def as_counter(source) -> Counter:
    """A DatasetPair's cached pandas counter, or the given counter (DuckDB/Spark) as it is."""
    if isinstance(source, DatasetPair):
        return counter_for(source)
    return source


__all__ = ["Cells", "ColumnCounts", "Counter", "WindowCounts", "as_counter"]
