"""Regression tests of review findings: nullable dtypes, time parsing, CLI input checks and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PATIENCE_S

from fairsynth.drift.timeline import drift_over_time
from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import disparate_impact, group_metrics
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles, parse_time
from fairsynth.governance import cli

FAIRSYNTH = Path(sys.executable).with_name("fairsynth")
COMPAS_ROLES = Roles(protected=("race", "age_band"), target="two_year_recid", favorable="0",
                     prediction="predicted_recid", time="compas_screening_date")


def audit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(FAIRSYNTH), "audit", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=PATIENCE_S)


# --- 1. nullable dtypes --------------------------------------------------------------------------

def _nullable(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """COMPAS with pandas' nullable dtypes and <NA> holes, as a Parquet file may hold them."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    out["age_band"] = pd.array(out["age"] // 10, dtype="Int64")  # protected, integer, with gaps
    for col in ("age", "priors_count", "decile_score", "two_year_recid", "predicted_recid", "age_band"):
        out[col] = pd.array(out[col], dtype="Int64")
        out.loc[rng.random(len(out)) < 0.07, col] = pd.NA
    out["race"] = pd.array(out["race"], dtype="string")
    out.loc[rng.random(len(out)) < 0.03, "race"] = pd.NA
    out["felony"] = pd.array(out["c_charge_degree"] == "F", dtype="boolean")
    out.loc[rng.random(len(out)) < 0.05, "felony"] = pd.NA
    out["days_b_screening_arrest"] = pd.array(out["days_b_screening_arrest"], dtype="Float64")
    return out.drop(columns=["c_charge_degree"])


def _classic(frame: pd.DataFrame) -> pd.DataFrame:
    """The same values with NumPy dtypes: float64 + NaN for numbers, object + NaN for text/booleans."""
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.Int64Dtype | pd.Float64Dtype):
            out[col] = out[col].astype("float64")
        elif isinstance(dtype, pd.StringDtype | pd.BooleanDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), np.nan)
    return out


@pytest.fixture(scope="module")
def nullable_pairs(compas_real):
    real = compas_real.iloc[:4000].reset_index(drop=True)
    synth = compas_real.iloc[4000:].sample(n=3000, replace=True, random_state=3).reset_index(drop=True)
    nr, ns = _nullable(real, 1), _nullable(synth, 2)
    assert nr["age_band"].dtype == "Int64" and nr["felony"].dtype == "boolean"
    nullable = make_pair(nr, ns, COMPAS_ROLES)
    classic = make_pair(_classic(nr), _classic(ns), COMPAS_ROLES)
    assert classic.real["age_band"].dtype == "float64" and nullable.content_hash != classic.content_hash
    return nullable, classic


def test_nullable_integers_count_missing_as_their_own_group(nullable_pairs):
    nullable, _ = nullable_pairs
    gaps = subgroup_gaps(nullable, max_order=1)
    missing = gaps[(gaps["attributes"].map(tuple) == ("age_band",)) & (gaps["group"] == "(missing)")]
    assert len(missing) == 1
    assert missing["real_count"].iloc[0] == nullable.real["age_band"].isna().sum() > 0
    assert missing["synthetic_count"].iloc[0] == nullable.synthetic["age_band"].isna().sum() > 0
    race = gaps[gaps["attributes"].map(tuple) == ("race",)]
    assert "(missing)" in set(race["group"]) and race["real_count"].sum() == len(nullable.real)


@pytest.mark.parametrize("name, compute", [
    ("subgroup_gaps", lambda p: subgroup_gaps(p)),
    ("disparate_impact", lambda p: disparate_impact(p)),
    ("group_metrics", lambda p: group_metrics(p)),
    ("fidelity", lambda p: column_fidelity(p, by_group=True)),
    ("drift", lambda p: drift_over_time(p, freq="Q")),
])
def test_nullable_dtypes_give_the_same_results_as_float_and_object(nullable_pairs, name, compute):
    nullable, classic = nullable_pairs
    got, expected = compute(nullable), compute(classic)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12)


def test_nullable_parquet_through_the_cli(nullable_pairs, tmp_path):
    nullable, _ = nullable_pairs
    nullable.real.to_parquet(tmp_path / "nr.parquet")
    nullable.synthetic.to_parquet(tmp_path / "ns.parquet")
    result = audit("--real", "nr.parquet", "--synthetic", "ns.parquet", "--protected", "age_band,race",
                   "--target", "two_year_recid", "--favorable", "0", "--prediction", "predicted_recid",
                   "--time", "compas_screening_date", "--no-privacy", "--out", "n.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "failed" not in result.stderr, result.stderr


# --- 2./3. time parsing ----------------------------------------------------------------------------

def test_mixed_utc_offsets_parse_to_naive_utc():
    values = pd.Series(["2021-01-01T10:00:00+02:00", "2021-01-01T10:00:00-05:00", "2021-01-02T00:00:00Z",
                        None, "not a date"])
    parsed = parse_time(values)
    assert parsed.dtype == "datetime64[ns]"
    assert parsed.iloc[:3].tolist() == [pd.Timestamp("2021-01-01 08:00"), pd.Timestamp("2021-01-01 15:00"),
                                        pd.Timestamp("2021-01-02 00:00")]
    assert parsed.iloc[3:].isna().all()
    # A tz-aware datetime column is read in UTC too.
    aware = pd.Series(pd.date_range("2021-01-01", periods=3, freq="h", tz="Europe/Paris"))
    assert parse_time(aware).tolist() == pd.date_range("2020-12-31 23:00", periods=3, freq="h").tolist()


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d-%m-%Y", "%Y/%m/%d",
                                 "%m/%d/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"])
def test_one_format_per_column_reads_every_value_the_same_way(compas_real, fmt):
    truth = compas_real["compas_screening_date"].iloc[:2000] + pd.to_timedelta(
        np.arange(2000) % 1440, unit="min")
    if "%H" not in fmt:
        truth = truth.dt.normalize()
    parsed = parse_time(truth.dt.strftime(fmt))
    pd.testing.assert_series_equal(parsed, truth.astype("datetime64[ns]"), check_names=False)


def test_ambiguous_day_month_is_decided_by_the_unambiguous_values():
    # '02/01/2020' must be the 2nd of January once '13/01/2020' shows the day comes first.
    parsed = parse_time(pd.Series(["01/01/2020", "02/01/2020", "13/01/2020", "28/02/2020"]))
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-01-02", "2020-01-13",
                                                        "2020-02-28"]
    as_category = parse_time(pd.Series(["02/01/2020", "13/01/2020", None], dtype="category"))
    assert as_category.dt.day.tolist()[:2] == [2, 13] and as_category.isna().tolist()[2]
    # All ambiguous: month first, as pandas reads it.
    assert parse_time(pd.Series(["02/01/2020", "03/01/2020"])).dt.month.tolist() == [2, 3]


def test_a_stray_bad_value_does_not_switch_the_column_to_per_value_parsing():
    values = pd.Series([f"{d:02d}/01/2020" for d in range(1, 31)] * 2 + ["n/a"])
    parsed = parse_time(values)
    assert parsed.isna().sum() == 1 and (parsed.dropna().dt.month == 1).all()


@pytest.mark.parametrize("stamps", [
    ["2020-01-15T10:00:00+02:00", "2020-01-20T10:00:00-05:00", "2020-02-03T10:00:00+02:00"],
    ["15/01/2020", "20/01/2020", "03/02/2020"],
])
def test_cli_audit_with_offsets_or_day_first_dates_exits_0(compas_real, tmp_path, stamps):
    frame = compas_real.iloc[:600].drop(columns=["compas_screening_date"]).copy()
    frame["when"] = [stamps[i % 3] for i in range(len(frame))]
    frame.to_csv(tmp_path / "r.csv", index=False)
    result = audit("--real", "r.csv", "--synthetic", "r.csv", "--protected", "race,sex", "--target",
                   "two_year_recid", "--favorable", "0", "--time", "when", "--no-privacy",
                   "--out", "t.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    windows = {r["window"] for r in json.loads((tmp_path / "t.json").read_text())["drift"]}
    assert windows == {"2020-01-01", "2020-02-01"}


def test_an_unexpected_exception_exits_2_with_one_line(monkeypatch, capsys):
    import fairsynth.governance.cli_audit as cli_audit

    def boom(args):
        raise KeyError("surprise")

    monkeypatch.setattr(cli_audit, "run", boom)
    code = cli.main(["audit", "--real", "r.csv", "--synthetic", "s.csv", "--protected", "sex",
                     "--target", "y", "--out", "x.json"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0] == "fairsynth: error: internal error (KeyError: 'surprise'); please report it"


# --- 4./5. CLI input checks --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compas_csv(tmp_path_factory, compas_real):
    folder = tmp_path_factory.mktemp("review_cli")
    compas_real.to_csv(folder / "real.csv", index=False)
    compas_real.sample(frac=0.5, random_state=4).to_csv(folder / "synth.csv", index=False)
    return folder


BASE = ["--real", "real.csv", "--synthetic", "synth.csv", "--protected", "race,sex", "--no-privacy",
        "--out", "r.json"]


@pytest.mark.parametrize("extra, message", [
    (["--target", "priors_count"], "Target 'priors_count' is not binary ("),
    (["--target", "sex"], "cannot be both the target and a protected attribute"),
    (["--target", "two_year_recid", "--reference", "sex=X"], "'X' is not a group of 'sex'"),
    (["--target", "two_year_recid", "--reference", "gender=F"], "'gender' is not a protected attribute"),
    (["--target", "two_year_recid", "--reference", "sex&race=Male&Other"],
     "'sex&race' is not a protected attribute"),
    (["--target", "two_year_recid", "--max-order", "1", "--reference", "race&sex=Other&Male"],
     "'race&sex' is not a protected attribute"),
    (["--target", "two_year_recid", "--time", "compas_screening_date", "--drift-reference", "window"],
     "needs --drift-reference-window"),
    (["--target", "two_year_recid", "--drift-reference", "window",
      "--drift-reference-window", "2013-01-01"], "needs a time column"),
    (["--target", "two_year_recid", "--time", "compas_screening_date",
      "--drift-reference-window", "2013-01-01"], "only used with --drift-reference window"),
    (["--target", "two_year_recid", "--time", "compas_screening_date", "--drift-reference", "window",
      "--drift-reference-window", "2013-06-15"], "is not the start of a window"),
    (["--target", "two_year_recid", "--time", "compas_screening_date", "--drift-reference", "window",
      "--drift-reference-window", "June"], "is not a date"),
])
def test_bad_roles_and_references_exit_2_with_one_line(compas_csv, extra, message):
    result = audit(*BASE, *extra, cwd=compas_csv)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("fairsynth: error: ") and message in lines[0], result.stderr
    assert not (compas_csv / "r.json").exists()


def test_a_binary_target_is_guessed_and_said_once_on_stderr(compas_csv):
    result = audit(*BASE, "--target", "two_year_recid", "--reference", "race&sex=Caucasian&Male",
                   cwd=compas_csv)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "guessed" in line]
    assert notes == ["fairsynth audit: note: favourable value of 'two_year_recid' guessed as '0' "
                     "(pass --favorable to choose)"]
    assert "error" not in result.stderr
    quiet = audit(*BASE, "--target", "two_year_recid", "--quiet", cwd=compas_csv)
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    (compas_csv / "r.json").unlink()


def test_a_chosen_reference_window_is_used_by_the_drift_part(compas_csv):
    result = audit(*BASE, "--target", "two_year_recid", "--favorable", "0", "--time",
                   "compas_screening_date", "--drift-reference", "window", "--drift-reference-window",
                   "2013-06-01", "--reference", "sex=Female", cwd=compas_csv)
    assert result.returncode == 0, result.stderr
    report = json.loads((compas_csv / "r.json").read_text())
    (compas_csv / "r.json").unlink()
    assert {r["reference"] for r in report["drift"]} == {"window 2013-06-01"}
    # The reference window against itself: no drift.
    own = [r for r in report["drift"] if r["window"] == "2013-06-01"]
    assert own and not any(r["drift_detected"] for r in own)
    sex = [r for r in report["disparate_impact"] if r["attribute"] == "sex"]
    assert {r["reference_group"] for r in sex} == {"Female"}

