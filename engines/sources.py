"""Open a real/synthetic pair of files in DuckDB or Spark (the tables stay there) or in pandas."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from fairsynth.engines.duckdb_runner import DuckDBRunner
from fairsynth.engines.spark_runner import SparkRunner
from fairsynth.engines.sql import SqlPair
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import MAX_UPLOAD_BYTES
from fairsynth.foundation.roles import Roles, guess_favorable

Engine = Literal["pandas", "duckdb", "spark"]
ENGINES = ("pandas", "duckdb", "spark")
# Files above this size are audited out of core by DuckDB unless an engine is named.
AUTO_DUCKDB_BYTES = 1 << 30


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in 8 MB blocks (never whole into memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def choose_engine(paths: list[Path], engine: str | None) -> str:
    """The named engine, or DuckDB when any file is over AUTO_DUCKDB_BYTES (or over the loader's
    in-memory limit), else pandas."""
    if engine is not None:
        if engine not in ENGINES:
            raise InvalidInputError(f"Unknown engine '{engine}'. Available: {', '.join(ENGINES)}.")
        return engine
    limit = min(AUTO_DUCKDB_BYTES, MAX_UPLOAD_BYTES)
    return "duckdb" if any(Path(p).stat().st_size > limit for p in paths if Path(p).is_file()) else "pandas"


def open_pair(real: str | Path, synthetic: str | Path, roles: Roles, *, engine: Engine = "duckdb",
              window_freq: str | None = "M", spark=None, hash_files: bool = True):
    """A SqlPair over two CSV/Parquet files in DuckDB or Spark; only grouped counts come back."""
    real, synthetic = Path(real), Path(synthetic)
    for path in (real, synthetic):
        if not path.is_file():
            raise InvalidInputError(f"{path}: no such file.")
    # The runners import duckdb / pyspark only when one is built (they are heavy to load).
    if engine == "duckdb":
        runner = DuckDBRunner(real, synthetic)
    elif engine == "spark":
        runner = SparkRunner(real, synthetic, session=spark)
    else:
        raise InvalidInputError(f"open_pair serves the SQL engines (duckdb, spark), not '{engine}'.")
    return SqlPair(runner, roles, real_name=str(real), synthetic_name=str(synthetic),
                   real_sha256=file_sha256(real) if hash_files else "",
                   synthetic_sha256=file_sha256(synthetic) if hash_files else "",
                   window_hint=(window_freq, 0) if window_freq and roles.time else None)


def open_audit_pair(real: Path, synthetic: Path, *, protected: tuple[str, ...], target: str,
                    favorable: str | None, prediction: str | None, time: str | None,
                    ignored: tuple[str, ...], engine: Engine, freq: str = "M"):
    """What `fairsynth audit --engine duckdb|spark` audits: the files opened in the engine, roles
    checked there, the favourable value guessed from the target's distinct values when not given."""
    roles = Roles(protected=protected, target=target, favorable=favorable, prediction=prediction,
                  time=time, ignored=ignored)
    probe = open_pair(real, synthetic, Roles(), engine=engine, window_freq=None)
    if target not in probe.types["real"]:
        raise InvalidInputError(
            f"Target column '{target}' is not in {Path(real).name}; columns: "
            f"{', '.join(list(probe.types['real'])[:20])}.")
    if favorable is None:
        roles = roles.with_changes(favorable=guess_favorable(probe.distinct(target), target))
    pair = probe.with_roles(roles)
    pair.window_hint = (freq, 0) if time else None
    return pair
