"""`fairsynth audit` end to end: files written, JSON valid, exit codes 0 / 1 / 2 with one stderr line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import PATIENCE_S
from test_audit_pairs import skewed_adult

from fairsynth.foundation.samples import SAMPLE_DIR
from fairsynth.governance.export import load_schema

ROOT = SAMPLE_DIR.parent
FAIRSYNTH = Path(sys.executable).with_name("fairsynth")
STRICT = "[thresholds]\nmax_abs_share_gap = 0.001\nmin_disparate_impact = 0.8\n"
LAX = "[thresholds]\nmax_abs_share_gap = 0.9\nmin_column_fidelity = 0.1\n"
PRIVACY = "[thresholds]\nmax_exact_copy_rate = 0.01\nmax_inference_risk = 0.05\n"


def audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(FAIRSYNTH), "audit", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=PATIENCE_S)


@pytest.fixture(scope="module")
def files(tmp_path_factory, adult_real, compas_real):
    folder = tmp_path_factory.mktemp("cli")
    skewed_adult(adult_real).to_csv(folder / "adult_synth.csv", index=False)
    # Both COMPAS sides as CSV so the time column has the same (text) type on both.
    compas_real.to_csv(folder / "compas_real.csv", index=False)
    compas_real.sample(frac=1.0, random_state=5).to_csv(folder / "compas_synth.csv", index=False)
    (folder / "strict.toml").write_text(STRICT)
    (folder / "lax.toml").write_text(LAX)
    (folder / "broken.toml").write_text("[thresholds\nmax_abs_share_gap = 0.1\n")
    adult_real.sample(frac=1.0, random_state=2).to_parquet(folder / "adult_copy.parquet", index=False)
    (folder / "privacy.toml").write_text(PRIVACY)
    return folder


ADULT = ["--real", "sample_data/adult.parquet", "--protected", "race,sex", "--target", "income"]


def test_audit_writes_every_format_and_valid_json(files):
    out = files / "run1"
    out.mkdir()
    result = audit(*ADULT, "--synthetic", str(files / "adult_synth.csv"), "--out", str(out / "r.json"),
                   "--out", str(out / "r.md"), "--out", str(out / "r.html"), "--out", str(out / "t.zip"),
                   "--out", str(out / "tables") + "/")
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "r.json").read_text())
    jsonschema.validate(data, load_schema(), format_checker=jsonschema.FormatChecker())
    assert data["roles"]["favorable"] == ">50K"  # guessed, as the Data page would
    assert data["inputs"]["synthetic"]["path"].endswith("adult_synth.csv")
    assert data["findings"][0]["severity"] == "critical" and data["policy"] is None
    # Distance-based privacy runs by default; the attacks only on request.
    assert {r["measure"] for r in data["privacy"]} >= {"exact_copy_rate", "k_anonymity"}
    assert not any(r["measure"].startswith("inference_risk") for r in data["privacy"])
    parts = {p["part"]: p["status"] for p in data["lineage"]["parts"]}
    assert parts["privacy"] == "ok" and parts["privacy_attacks"] == "skipped"
    assert (out / "r.md").read_text().startswith("# FairSynth audit")
    assert (out / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "tables" / "subgroup_gaps.csv").is_file() and (out / "t.zip").stat().st_size > 0


def test_compas_with_time_and_prediction(files):
    out = files / "compas.json"
    result = audit("--real", str(files / "compas_real.csv"), "--synthetic", str(files / "compas_synth.csv"),
                   "--protected", "race,sex", "--target", "two_year_recid", "--favorable", "0",
                   "--prediction", "predicted_recid", "--time", "compas_screening_date", "--freq", "Q",
                   "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    jsonschema.validate(data, load_schema())
    assert data["drift"] and data["group_metrics"]
    assert len({r["window"] for r in data["drift"]}) == 8  # 2013-2014 in quarters


def test_strict_policy_exits_1_and_names_the_failed_checks(files):
    # Fairness thresholds only: --no-privacy keeps the run short.
    result = audit(*ADULT, "--synthetic", str(files / "adult_synth.csv"), "--policy",
                   str(files / "strict.toml"), "--no-privacy", "--out", str(files / "strict.json"))
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if "policy check failed" in line]
    assert {line.split(": ")[2] for line in failed} == {"max_abs_share_gap", "min_disparate_impact"}
    data = json.loads((files / "strict.json").read_text())
    assert data["policy"]["passed"] is False  # the report is still written


def test_lax_policy_exits_0(files):
    result = audit(*ADULT, "--synthetic", str(files / "adult_synth.csv"), "--policy",
                   str(files / "lax.toml"), "--no-privacy", "--out", str(files / "lax.json"))
    assert result.returncode == 0, result.stderr
    assert "policy passed" in result.stdout


def test_a_copy_of_the_real_data_fails_the_exact_copy_threshold(files):
    out = files / "copy.json"
    result = audit(*ADULT, "--synthetic", str(files / "adult_copy.parquet"), "--policy",
                   str(files / "privacy.toml"), "--out", str(out))
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if "policy check failed" in line]
    assert [line.split(": ")[2] for line in failed] == ["max_exact_copy_rate"]
    data = json.loads(out.read_text())
    jsonschema.validate(data, load_schema())
    checks = {c["name"]: c for c in data["policy"]["checks"]}
    assert checks["max_inference_risk"]["passed"] is None  # attacks off: not applicable
    assert data["findings"][0]["code"] == "privacy:exact_copy_rate"


def test_no_privacy_turns_the_privacy_checks_to_not_applicable(files):
    out = files / "no_privacy.json"
    result = audit(*ADULT, "--synthetic", str(files / "adult_copy.parquet"), "--policy",
                   str(files / "privacy.toml"), "--no-privacy", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["privacy"] == [] and all(c["passed"] is None for c in data["policy"]["checks"])


def test_privacy_flags_exclude_each_other_and_bad_quasi_identifiers_are_reported(files):
    result = audit(*ADULT, "--synthetic", str(files / "adult_copy.parquet"), "--no-privacy",
                   "--privacy-attacks", "--out", str(files / "x.json"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "not allowed with argument" in result.stderr and not (files / "x.json").exists()
    out = files / "qi.json"
    result = audit(*ADULT, "--synthetic", str(files / "adult_copy.parquet"), "--quasi-identifiers",
                   "age,zipcode", "--policy", str(files / "privacy.toml"), "--out", str(out))
    # The privacy part fails (reported on stderr) and the gate fails with it.
    assert result.returncode == 1
    assert "the privacy part failed: Unknown quasi-identifier column(s): zipcode" in result.stderr


@pytest.mark.parametrize("change, message", [
    ({"--synthetic": "missing.csv"}, "missing.csv: no such file"),
    ({"--protected": "race,gender"}, "gender"),
    ({"--target": "salary"}, "Target column 'salary'"),
    ({"--policy": "broken.toml"}, "not valid TOML"),
    ({"--policy": "absent.toml"}, "no such policy file"),
    ({"--out": "report.docx"}, "Cannot tell the export format"),
    ({"--freq": "X"}, "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(files, change, message):
    args = {"--real": "sample_data/adult.parquet", "--synthetic": str(files / "adult_synth.csv"),
            "--protected": "race,sex", "--target": "income", "--out": "r.json"}
    for key, value in change.items():
        args[key] = value if key in ("--protected", "--target", "--freq") else str(files / value)
    flat = [x for pair in args.items() for x in pair]
    result = audit(*flat)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr and not (files / "r.json").exists()
