"""DuckDB computes the same counts as pandas from the files themselves: same tables, same report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairsynth.drift.over_time import impact_by_window, shares_over_time
from fairsynth.drift.timeline import dataset_drift, drift_over_time
from fairsynth.engines import sources, sql
from fairsynth.engines.sources import choose_engine, open_pair
from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import disparate_impact, group_metrics
from fairsynth.fairness.subgroups import homogeneity_tests, subgroup_gaps
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import load_sample

pytest.importorskip("duckdb")


def _write(pair, folder, name):
    real, synth = folder / f"{name}_real.parquet", folder / f"{name}_synth.parquet"
    pair.real.to_parquet(real, coerce_timestamps="us")
    pair.synthetic.to_parquet(synth, coerce_timestamps="us")
    return real, synth


@pytest.fixture(scope="module", params=["compas", "adult-skewed"])
def both(request, tmp_path_factory):
    pair = load_sample(request.param)
    real, synth = _write(pair, tmp_path_factory.mktemp("duck"), request.param)
    return pair, open_pair(real, synth, pair.roles, engine="duckdb")


def _tables(source) -> dict[str, pd.DataFrame]:
    out = {"subgroup_gaps": subgroup_gaps(source), "homogeneity": homogeneity_tests(source),
           "disparate_impact": disparate_impact(source), "group_metrics": group_metrics(source),
           "fidelity": column_fidelity(source)}
    if source.roles.time:
        for reference in ("first", "previous", "synthetic"):
            out[f"drift_{reference}"] = drift_over_time(source, reference=reference)
        out["drift_quarterly"] = drift_over_time(source, freq="Q")
        out["dataset_drift"] = dataset_drift(out["drift_first"])
        out["shares_over_time"] = shares_over_time(source)
        out["impact_over_time"] = impact_by_window(source)
    return out


def test_duckdb_gives_the_same_tables_as_pandas(both):
    pair, duck = both
    ours, theirs = _tables(pair), _tables(duck)
    assert ours.keys() == theirs.keys()
    for name in ours:
        # Same rows in the same order; floats to 1e-9 (sums taken in another order).
        pd.testing.assert_frame_equal(ours[name].reset_index(drop=True),
                                      theirs[name].reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9, atol=1e-12, obj=name)
    for name in (n for n in ours if n.startswith("drift")):
        assert ours[name].attrs == theirs[name].attrs


def test_duckdb_pair_records_inputs_like_a_loaded_pair(both):
    pair, duck = both
    assert len(duck.real) == len(pair.real) and len(duck.synthetic) == len(pair.synthetic)
    assert list(duck.real.columns) == list(pair.real.columns)
    assert duck.analysis_columns == pair.analysis_columns
    assert len(duck.real_sha256) == 64 and duck.content_hash != pair.content_hash


def test_csv_through_duckdb_matches_the_pandas_loader(tmp_path):
    # Setup: Adult as CSV with '?' for missing values, read by our loader and by DuckDB.
    adult = load_sample("adult-skewed")
    real_csv, synth_csv = tmp_path / "real.csv", tmp_path / "synth.csv"
    real = adult.real.iloc[:6000]
    # Samples load text as categories; '?' is a new value, so write the text columns as text.
    text = [c for c in real.columns if isinstance(real[c].dtype, pd.CategoricalDtype)]
    real.astype({c: object for c in text}).fillna("?").to_csv(real_csv, index=False)
    adult.synthetic.iloc[:5000].to_csv(synth_csv, index=False)
    pair = make_pair(load_table(real_csv), load_table(synth_csv), adult.roles)
    duck = open_pair(real_csv, synth_csv, adult.roles, engine="duckdb")
    for fn in (subgroup_gaps, disparate_impact, column_fidelity):
        pd.testing.assert_frame_equal(fn(pair), fn(duck), check_dtype=False, rtol=1e-9)


def test_only_needed_columns_are_read(both):
    _, duck = both
    queries = []
    original = duck.runner.query

    def spy(text):
        queries.append(text)
        return original(text)

    duck.runner.query = spy
    try:
        duck._memo.clear()
        duck.column(duck.analysis_columns[0])
    finally:
        duck.runner.query = original
    column_query = next(q for q in queries if "GROUPING SETS" in q)
    plan = json.loads(duck.runner.con.execute("EXPLAIN (FORMAT json) " + column_query).fetchall()[0][1])
    scans = list(_parquet_scans(plan))
    assert scans, "the plan reads the Parquet file"
    roles = duck.roles
    expected = {*roles.protected, duck.analysis_columns[0], roles.time or ""} - {""}
    for projected in scans:
        assert set(projected) <= expected | {"file_row_number"}


def _parquet_scans(node):
    if isinstance(node, list):
        for child in node:
            yield from _parquet_scans(child)
        return
    info = node.get("extra_info", {})
    if isinstance(info, dict) and info.get("Function") == "READ_PARQUET":
        yield info.get("Projections", [])
    yield from _parquet_scans(node.get("children", []))


def test_many_valued_numbers_are_binned_in_sql_close_to_exact(monkeypatch, tmp_path):
    pair = load_sample("adult")
    real, synth = _write(pair, tmp_path, "adult")
    monkeypatch.setattr(sql, "MAX_EXACT_VALUES", 1_000)
    duck = open_pair(real, synth, pair.roles, engine="duckdb")
    binned = duck.column("fnlwgt")
    assert not binned.exact and binned.width <= sql.BINS
    exact = column_fidelity(pair, by_group=False).set_index("column")
    approx = column_fidelity(duck, by_group=False).set_index("column")
    # KS on 10,000 equal-width bins can only miss gaps inside a bin: it is at most the exact value.
    assert approx.loc["fnlwgt", "distance"] <= exact.loc["fnlwgt", "distance"] + 1e-12
    assert approx.loc["fnlwgt", "distance"] == pytest.approx(exact.loc["fnlwgt", "distance"], abs=0.01)
    assert approx.loc["age", "distance"] == pytest.approx(exact.loc["age", "distance"], abs=1e-12)


def test_engine_choice_by_size_and_name(monkeypatch, tmp_path):
    small = tmp_path / "small.csv"
    small.write_text("a,b\n1,2\n")
    assert choose_engine([small], None) == "pandas"
    monkeypatch.setattr(sources, "AUTO_DUCKDB_BYTES", 4)
    assert choose_engine([small], None) == "duckdb"
    assert choose_engine([small], "spark") == "spark"
    with pytest.raises(InvalidInputError, match="Available: pandas, duckdb, spark"):
        choose_engine([small], "polars")


def test_refusals_are_sentences(both, tmp_path):
    pair, duck = both
    if pair.roles.time:
        with pytest.raises(InvalidInputError, match="calendar windows"):
            drift_over_time(duck, n_windows=4)
    bad_roles = pair.roles.with_changes(target="no_such_column")
    real, synth = _write(pair, tmp_path, "bad")
    with pytest.raises(InvalidInputError, match="no_such_column"):
        open_pair(real, synth, bad_roles, engine="duckdb")
    with pytest.raises(InvalidInputError, match="no such file"):
        open_pair(tmp_path / "missing.parquet", synth, pair.roles)


def test_a_pair_against_itself_through_duckdb(tmp_path):
    compas = load_sample("compas")
    same = make_pair(compas.real, compas.real.copy(), compas.roles)
    real, synth = _write(same, tmp_path, "same")
    duck = open_pair(real, synth, compas.roles, engine="duckdb")
    assert np.allclose(subgroup_gaps(duck)["gap"], 0)
    fidelity = column_fidelity(duck)
    assert np.allclose(fidelity.loc[fidelity["attribute"].isna(), "score"], 1)


def test_cli_reports_are_the_same_with_pandas_and_duckdb(tmp_path):
    # Setup: COMPAS files; the same command with each engine (privacy needs the rows: off).
    from fairsynth.governance.cli import main

    compas = load_sample("compas")
    real, synth = _write(compas, tmp_path, "cli")
    reports = {}
    for engine in ("pandas", "duckdb"):
        out = tmp_path / f"{engine}.json"
        code = main(["audit", "--real", str(real), "--synthetic", str(synth), "--protected", "race,sex",
                     "--target", "two_year_recid", "--prediction", "predicted_recid",
                     "--time", "compas_screening_date", "--no-privacy", "--engine", engine,
                     "--out", str(out), "--quiet"])
        assert code == 0
        reports[engine] = json.loads(out.read_text())
    # Assert: every section but the timestamps and the lineage (which names the engine) is equal.
    differ = {k for k in reports["pandas"] if reports["pandas"][k] != reports["duckdb"][k]}
    assert "lineage" in differ and differ <= {"created_at", "lineage"}  # same second: same time
    assert reports["duckdb"]["lineage"]["engine"] == "duckdb"
    assert reports["pandas"]["drift"] and reports["pandas"]["subgroup_gaps"]
