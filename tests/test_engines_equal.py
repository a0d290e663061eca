"""pandas, DuckDB and Spark read the same mixed-type file to the same types and give the same report.

One seeded table holds every case FairSynth's CSV typing rule (foundation/csv_types.py) decides:
yes/no and Y/N (protected), true/false with and without missing cells, a 0/1 target and
prediction, ISO dates (the time role), numbers with missing cells and zip codes with leading
zeros. It is written as CSV and as Parquet and audited on each engine the way `fairsynth audit`
opens it; the reports must agree field by field except where they record how the run went.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_compare import assert_same

from fairsynth.engines.sources import open_audit_pair
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.governance.export import report_to_dict

pytest.importorskip("duckdb")

ROLES = Roles(protected=("consent", "member"), target="approved", favorable="1",
              prediction="predicted", time="visit_date")
# Privacy runs on a sample on the SQL engines (not the whole table): it is left out on every engine.
OPTIONS = AuditOptions(include_privacy=False)
# Where the reports may differ: the engine's name, when and how long, and file paths.
VOLATILE = {"created_at", "seconds", "at", "engine", "path", "real_name", "synthetic_name",
            "fairsynth_version", "python", "platform"}
# Parts the SQL engines skip for now ("needs the tables in memory"): their lineage status differs.
IN_MEMORY_PARTS = {"utility", "privacy", "privacy_attacks"}


def mixed_frame(n: int, seed: int) -> pd.DataFrame:
    """A table with every typing case; the rates depend on the protected groups (real gaps)."""
    rng = np.random.default_rng(seed)
    consent = rng.choice(["yes", "no"], n, p=[0.6, 0.4])
    member = rng.choice(["Y", "N"], n, p=[0.3, 0.7])
    rate = 0.3 + 0.25 * (consent == "yes") + 0.15 * (member == "Y")
    approved = (rng.random(n) < rate).astype(int)
    predicted = np.where(rng.random(n) < 0.8, approved, 1 - approved)
    income = np.round(rng.normal(40_000, 12_000, n), 2)
    income[rng.random(n) < 0.1] = np.nan
    flag_na = pd.Series(rng.random(n) < 0.5, dtype=object).where(rng.random(n) > 0.15)
    return pd.DataFrame({
        "id": np.arange(n),
        "consent": consent,
        "member": member,
        "approved": approved,
        "predicted": predicted,
        "flag": rng.random(n) < 0.4,
        "flag_na": flag_na,
        "visit_date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "income": income,
        "age": rng.integers(18, 90, n),
        "zip": [f"{z:05d}" for z in rng.integers(0, 2500, n)],
        "children": rng.choice([0, 1, 2, 3], n),
    })


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    text = frame.copy()
    text["flag"] = text["flag"].map({True: "true", False: "false"})
    text["flag_na"] = text["flag_na"].map({True: "TRUE", False: "FALSE"})
    text["visit_date"] = text["visit_date"].dt.strftime("%Y-%m-%d")
    text.to_csv(path, index=False, na_rep="")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, coerce_timestamps="us", index=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("equal")
    real, synthetic = mixed_frame(3000, seed=1), mixed_frame(2500, seed=2)
    out = {}
    for fmt, write in (("csv", write_csv), ("parquet", write_parquet)):
        out[fmt] = (folder / f"real.{fmt}", folder / f"synthetic.{fmt}")
        write(real, out[fmt][0])
        write(synthetic, out[fmt][1])
    return out


def open_on(engine: str, real: Path, synthetic: Path):
    """The pair `fairsynth audit --engine ENGINE` audits (governance/cli_audit.py)."""
    if engine == "pandas":
        return make_pair(load_table(real), load_table(synthetic), ROLES, real_name=str(real),
                         synthetic_name=str(synthetic))
    # Spark: a local session, started once and reused by every later open (getOrCreate).
    return open_audit_pair(real, synthetic, protected=ROLES.protected, target=ROLES.target,
                           favorable=ROLES.favorable, prediction=ROLES.prediction, time=ROLES.time,
                           ignored=ROLES.ignored, engine=engine)


def report_of(engine: str, real: Path, synthetic: Path) -> dict:
    report = run_audit(open_on(engine, real, synthetic), options=OPTIONS)
    assert not report.errors, report.errors
    return report_to_dict(report)


def scrub(value):
    """The report without VOLATILE fields and without the lineage of IN_MEMORY_PARTS."""
    if isinstance(value, dict) and value.get("part") in IN_MEMORY_PARTS:
        return None
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [s for s in map(scrub, value) if s is not None]
    return value


@pytest.fixture(scope="module")
def pandas_reports(files) -> dict[str, dict]:
    return {fmt: report_of("pandas", *paths) for fmt, paths in files.items()}


def test_the_pandas_report_has_the_file_groups(pandas_reports):
    # The groups are the file's text on every format (not True/False from a boolean sniffer).
    for report in pandas_reports.values():
        groups = {item for r in report["subgroup_gaps"] for item in r["group_values"].items()}
        assert {("consent", "yes"), ("consent", "no"), ("member", "Y"), ("member", "N")} <= groups
        assert report["drift"] and report["findings"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duckdb_report_equals_pandas(files, pandas_reports, fmt):
    assert_same(scrub(report_of("duckdb", *files[fmt])), scrub(pandas_reports[fmt]), f"duckdb/{fmt}")


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 (java not on PATH)")
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_spark_report_equals_pandas(files, pandas_reports, fmt):
    pytest.importorskip("pyspark")
    assert_same(scrub(report_of("spark", *files[fmt])), scrub(pandas_reports[fmt]), f"spark/{fmt}")


def test_every_engine_types_the_csv_like_the_pandas_loader(files):
    real, synthetic = files["csv"]
    loaded = load_table(real).frame
    zips = mixed_frame(3000, seed=1)["zip"]
    assert zips.str.startswith("0").any() and loaded["zip"].tolist() == zips.tolist()
    expected = {"consent": "text", "member": "text", "zip": "text", "visit_date": "text",
                "flag": "bool", "flag_na": "object_bool", "approved": "int64", "income": "float64"}
    duck = open_on("duckdb", real, synthetic)
    types = duck.runner.csv_types["fs_real"]
    assert {c: types[c] for c in expected} == expected
    assert duck.types["real"]["zip"] == "VARCHAR" and duck.types["real"]["flag"] == "BOOLEAN"
    assert sorted(duck.distinct("consent")) == ["no", "yes"]


def _sample_is_typed_and_drawn_from_the_file(engine: str, files, fmt: str) -> None:
    real, synthetic = files[fmt]
    pair = open_on(engine, real, synthetic)
    loaded = make_pair(load_table(real), load_table(synthetic), ROLES)
    first = pair.sample_pair(400, seed=7)
    again = open_on(engine, real, synthetic).sample_pair(400, seed=7)
    other = pair.sample_pair(400, seed=8)
    assert len(first.real) == 400 and len(first.synthetic) == 400
    assert first.roles == pair.roles
    # Same seed, same rows (a fresh open too); another seed, other rows.
    pd.testing.assert_frame_equal(first.real, again.real)
    pd.testing.assert_frame_equal(first.synthetic, again.synthetic)
    assert set(first.real["id"]) != set(other.real["id"])
    for side in ("real", "synthetic"):
        sample, full = getattr(first, side), getattr(loaded, side)
        # Typed as the pandas loader types the whole file (text as category, whose categories
        # are the sample's own), and each row is that file row.
        assert _kinds(sample) == _kinds(full), side
        expected = full.set_index("id").loc[sample["id"]].reset_index()
        pd.testing.assert_frame_equal(_plain(sample.reset_index(drop=True)), _plain(expected),
                                      obj=side)
    # More than a side's rows: the whole side, in file order.
    everything = pair.sample_pair(10_000, seed=1)
    pd.testing.assert_frame_equal(everything.synthetic, loaded.synthetic)


def _kinds(frame: pd.DataFrame) -> dict[str, str]:
    return {c: "category" if isinstance(t, pd.CategoricalDtype) else str(t)
            for c, t in frame.dtypes.items()}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    # Categories compared as the values they hold (a sample's categories are a subset).
    return frame.astype({c: object for c, t in frame.dtypes.items()
                         if isinstance(t, pd.CategoricalDtype)})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duckdb_sample_is_reproducible_and_typed_like_pandas(files, fmt):
    _sample_is_typed_and_drawn_from_the_file("duckdb", files, fmt)


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 (java not on PATH)")
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_spark_sample_is_reproducible_and_typed_like_pandas(files, fmt):
    pytest.importorskip("pyspark")
    _sample_is_typed_and_drawn_from_the_file("spark", files, fmt)
