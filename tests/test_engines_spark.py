"""Spark (local mode) runs the same count queries as DuckDB: pandas, DuckDB and Spark agree."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from fairsynth.drift.over_time import impact_by_window, shares_over_time
from fairsynth.drift.timeline import drift_over_time
from fairsynth.engines.sources import open_pair
from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import disparate_impact, group_metrics
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import load_sample

pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 (java not on PATH)"),
]


@pytest.fixture(scope="session")
def spark():
    from fairsynth.engines.spark_runner import local_session

    # One session for the whole run: Spark's JVM start-up takes seconds.
    session = local_session(cores=2)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sources(spark, tmp_path_factory):
    # Small data keeps Spark's per-query overhead bearable: COMPAS, 2,000 rows a side.
    compas = load_sample("compas")
    pair = make_pair(compas.real.iloc[:2000], compas.synthetic.iloc[:2000], compas.roles)
    folder = tmp_path_factory.mktemp("spark")
    real, synth = folder / "real.parquet", folder / "synth.parquet"
    pair.real.to_parquet(real, coerce_timestamps="us")
    pair.synthetic.to_parquet(synth, coerce_timestamps="us")
    return {"pandas": pair,
            "duckdb": open_pair(real, synth, pair.roles, engine="duckdb"),
            "spark": open_pair(real, synth, pair.roles, engine="spark", spark=spark)}


TABLES = {
    "subgroup_gaps": subgroup_gaps,
    "disparate_impact": disparate_impact,
    "group_metrics": group_metrics,
    "fidelity": column_fidelity,
    "drift": drift_over_time,
    "drift_vs_synthetic": lambda s: drift_over_time(s, reference="synthetic"),
    "shares_over_time": shares_over_time,
    "impact_over_time": impact_by_window,
}


@pytest.mark.parametrize("table", list(TABLES))
def test_pandas_duckdb_and_spark_agree(sources, table):
    results = {engine: TABLES[table](source) for engine, source in sources.items()}
    for engine in ("duckdb", "spark"):
        pd.testing.assert_frame_equal(results["pandas"].reset_index(drop=True),
                                      results[engine].reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9, atol=1e-12, obj=f"{table} ({engine})")


def test_the_audit_report_is_the_same_on_every_engine(sources):
    from fairsynth.governance.audit import AuditOptions, run_audit

    options = AuditOptions(include_privacy=False)
    reports = {engine: run_audit(source, options=options) for engine, source in sources.items()}
    for engine in ("duckdb", "spark"):
        report = reports[engine]
        assert not report.errors
        for table in ("subgroup_gaps", "disparate_impact", "impact_change", "group_metrics",
                      "fidelity", "drift", "dataset_drift"):
            pd.testing.assert_frame_equal(getattr(reports["pandas"], table), getattr(report, table),
                                          check_dtype=False, rtol=1e-9, obj=f"{table} ({engine})")
        assert [f.sentence for f in report.findings] == [f.sentence for f in reports["pandas"].findings]
        assert report.lineage["engine"] == engine
