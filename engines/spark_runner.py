"""Apache Spark runs the same count queries (local mode here, a cluster by configuration)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from fairsynth.engines.csv_typing import infer_types, typed_select
from fairsynth.engines.sql import ROW, VIEWS
from fairsynth.foundation.errors import InvalidInputError


def local_session(*, cores: int | None = None, app_name: str = "fairsynth"):
    """A local SparkSession (reused if one is running); FAIRSYNTH_SPARK_MASTER points at a cluster."""
    # Imported here so that commands which never start Spark do not load PySpark.
    from pyspark.sql import SparkSession

    master = os.environ.get("FAIRSYNTH_SPARK_MASTER") or f"local[{cores or os.cpu_count() or 1}]"
    return (SparkSession.builder.master(master).appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(max(2, (cores or os.cpu_count() or 1) * 2)))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate())


def quiet(session) -> None:
    """Only errors from Spark's own logging."""
    session.sparkContext.setLogLevel("ERROR")


class SparkRunner:
    """The two files as temporary views of one SparkSession; only grouped counts are collected."""

    engine = "spark"

    def __init__(self, real: Path, synthetic: Path, *, session=None) -> None:
        # Imported here so that commands which never start Spark do not load PySpark.
        from pyspark.sql import functions as F

        self.spark = session or local_session()
        quiet(self.spark)
        self._frames = {}
        self.paths = {VIEWS["real"]: real, VIEWS["synthetic"]: synthetic}
        # The rule's type of each CSV column (foundation/csv_types.py); None for a Parquet side.
        self.csv_types: dict[str, dict[str, str] | None] = {}
        for side, path in (("real", real), ("synthetic", synthetic)):
            view = VIEWS[side]
            with open(path, "rb") as handle:
                parquet = handle.read(4) == b"PAR1"
            if parquet:
                frame = self._read_parquet(path)
            elif path.suffix.lower() in (".csv", ".txt"):
                # Every cell as text (no inferSchema): the types are FairSynth's rule.
                frame = self.spark.read.csv(str(path), header=True)
            else:
                raise InvalidInputError(f"{path.name}: Spark reads Parquet or CSV files.")
            # Increasing in file order (partition, then row): first appearance, as pandas sees it.
            frame = frame.withColumn(ROW, F.monotonically_increasing_id())
            if parquet:
                self.csv_types[view] = None
            else:
                frame.createOrReplaceTempView(f"{view}_text")
                self._frames[f"{view}_text"] = frame
                types = infer_types(self, f"{view}_text", [c for c in frame.columns if c != ROW])
                frame = self.spark.sql(typed_select(self, f"{view}_text", types, ROW))
                self.csv_types[view] = types
            frame.createOrReplaceTempView(view)
            self._frames[view] = frame

    def _read_parquet(self, path: Path):
        # Imported here so that commands which never start Spark do not load PySpark.
        from pyspark.errors import AnalysisException

        try:
            return self.spark.read.parquet(str(path))
        except AnalysisException as exc:
            if "TIMESTAMP(NANOS" in str(exc):
                raise InvalidInputError(
                    f"{path.name}: Spark cannot read nanosecond timestamps; write the file with "
                    "microsecond timestamps (pandas: to_parquet(..., coerce_timestamps='us')).") from exc
            raise InvalidInputError(f"{path.name}: Spark could not read it ({exc}).") from exc

    def quote(self, name: str) -> str:
        """A column name as a Spark SQL identifier."""
        return "`" + str(name).replace("`", "``") + "`"

    def literal(self, text: str) -> str:
        """A string as a Spark SQL literal (backslash escapes, Spark's default parser)."""
        return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"

    def trim(self, expr: str, chars: str) -> str:
        """`expr` without any of `chars` at either end."""
        return f"trim(BOTH {self.literal(chars)} FROM {expr})"

    def matches(self, expr: str, pattern: str) -> str:
        """Whether `expr` matches the regex `pattern` (anchored by the caller)."""
        return f"{expr} RLIKE {self.literal(pattern)}"

    def query(self, sql: str) -> pd.DataFrame:
        """Run a query and collect its (small) grouped result as a pandas frame."""
        return self.spark.sql(sql).toPandas()

    def arrow(self, sql: str) -> pa.Table:
        """Run a query into an Arrow table (a sample's rows, typed as the engine holds them)."""
        return self.spark.sql(sql).toArrow()

    def column_types(self, view: str) -> dict[str, str]:
        """Column name -> Spark type name."""
        return dict(self._frames[view].dtypes)
