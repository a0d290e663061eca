"""DuckDB runs the shared count queries on Parquet/CSV files out of core (embedded, no server)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from fairsynth.engines.csv_typing import infer_types, typed_select
from fairsynth.engines.sql import ROW, VIEWS
from fairsynth.foundation.errors import InvalidInputError


class DuckDBRunner:
    """One in-process DuckDB connection with the two files as views; only reads them."""

    engine = "duckdb"

    def __init__(self, real: Path, synthetic: Path, *, memory_limit: str | None = None,
                 threads: int | None = None) -> None:
        # Imported here so that commands which never open DuckDB do not load it.
        import duckdb

        self.con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1,
                                          **({"memory_limit": memory_limit} if memory_limit else {})})
        self.paths = {VIEWS["real"]: real, VIEWS["synthetic"]: synthetic}
        # The rule's type of each CSV column (foundation/csv_types.py); None for a Parquet side.
        self.csv_types: dict[str, dict[str, str] | None] = {}
        for side, path in (("real", real), ("synthetic", synthetic)):
            view = VIEWS[side]
            if _is_parquet(path):
                self.con.execute(f"CREATE VIEW {view} AS {self._parquet_scan(path)}")
                self.csv_types[view] = None
                continue
            self.con.execute(f"CREATE VIEW {view}_text AS {self._csv_scan(path)}")
            columns = [c for c in self.column_types(f"{view}_text") if c != ROW]
            types = infer_types(self, f"{view}_text", columns)
            self.con.execute(f"CREATE VIEW {view} AS {typed_select(self, f'{view}_text', types, ROW)}")
            self.csv_types[view] = types

    def _parquet_scan(self, path: Path) -> str:
        # file_row_number is the row's position in the file: first appearance, as pandas sees it.
        return (f"SELECT * EXCLUDE (file_row_number), file_row_number AS {ROW} "
                f"FROM read_parquet({self.literal(str(path))}, file_row_number = true)")

    def _csv_scan(self, path: Path) -> str:
        if path.suffix.lower() not in (".csv", ".gz", ".txt", ".tsv"):
            raise InvalidInputError(f"{path.name}: DuckDB reads Parquet or CSV files.")
        # Every cell as text: the types are FairSynth's rule, not DuckDB's sniffer (which reads
        # yes/no as booleans and 02134 as a number). A CSV has no row numbers: ROW_NUMBER() OVER ()
        # streams them in file order.
        return (f"SELECT *, ROW_NUMBER() OVER () - 1 AS {ROW} "
                f"FROM read_csv({self.literal(str(path))}, header = true, all_varchar = true)")

    def quote(self, name: str) -> str:
        """A column name as a DuckDB identifier."""
        return '"' + str(name).replace('"', '""') + '"'

    def literal(self, text: str) -> str:
        """A string as a DuckDB literal."""
        return "'" + str(text).replace("'", "''") + "'"

    def trim(self, expr: str, chars: str) -> str:
        """`expr` without any of `chars` at either end."""
        return f"trim({expr}, {self.literal(chars)})"

    def matches(self, expr: str, pattern: str) -> str:
        """Whether `expr` matches the regex `pattern` (anchored by the caller)."""
        return f"regexp_matches({expr}, {self.literal(pattern)})"

    def query(self, sql: str) -> pd.DataFrame:
        """Run a query; the (small) grouped result comes back as a pandas frame."""
        return self.con.execute(sql).df()

    def arrow(self, sql: str) -> pa.Table:
        """Run a query into an Arrow table (a sample's rows, typed as the engine holds them)."""
        return self.con.sql(sql).to_arrow_table()

    def column_types(self, view: str) -> dict[str, str]:
        """Column name -> DuckDB type name."""
        rows = self.con.execute(f"DESCRIBE {view}").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PAR1"
