"""DuckDB runs the shared count queries on Parquet/CSV files out of core (embedded, no server)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from fairsynth.engines.sql import ROW, VIEWS
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import NA_VALUES


class DuckDBRunner:
    """One in-process DuckDB connection with the two files as views; only reads them."""

    engine = "duckdb"

    def __init__(self, real: Path, synthetic: Path, *, memory_limit: str | None = None,
                 threads: int | None = None) -> None:
        import duckdb

        self.con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1,
                                          **({"memory_limit": memory_limit} if memory_limit else {})})
        for side, path in (("real", real), ("synthetic", synthetic)):
            self.con.execute(f"CREATE VIEW {VIEWS[side]} AS {self._scan(path)}")

    @staticmethod
    def _scan(path: Path) -> str:
        literal = "'" + str(path).replace("'", "''") + "'"
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic == b"PAR1":
            # file_row_number is the row's position in the file: first appearance, as pandas sees it.
            return (f"SELECT * EXCLUDE (file_row_number), file_row_number AS {ROW} "
                    f"FROM read_parquet({literal}, file_row_number = true)")
        if path.suffix.lower() not in (".csv", ".gz", ".txt", ".tsv"):
            raise InvalidInputError(f"{path.name}: DuckDB reads Parquet or CSV files.")
        nulls = "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in NA_VALUES) + "]"
        # A CSV has no row numbers: ROW_NUMBER() OVER () streams them in file order.
        return (f"SELECT *, ROW_NUMBER() OVER () - 1 AS {ROW} "
                f"FROM read_csv({literal}, nullstr = {nulls}, header = true)")

    def quote(self, name: str) -> str:
        """A column name as a DuckDB identifier."""
        return '"' + str(name).replace('"', '""') + '"'

    def query(self, sql: str) -> pd.DataFrame:
        """Run a query; the (small) grouped result comes back as a pandas frame."""
        return self.con.execute(sql).df()

    def column_types(self, view: str) -> dict[str, str]:
        """Column name -> DuckDB type name."""
        rows = self.con.execute(f"DESCRIBE {view}").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}
