"""`fairsynth generate`: as a subprocess and through governance.cli.main, good and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import PATIENCE_S

from fairsynth.generation import GenerationSettings
from fairsynth.governance.cli import main

ROOT = Path(__file__).resolve().parents[1]
FAIRSYNTH = Path(sys.executable).parent / "fairsynth"
COMPAS = str(ROOT / "sample_data" / "compas.parquet")
BASE = ["generate", "--real", COMPAS, "--protected", "race,sex", "--target", "two_year_recid",
        "--favorable", "0"]


def test_subprocess_writes_parquet_with_shares_and_rates(tmp_path):
    out = tmp_path / "synth.parquet"
    cmd = [str(FAIRSYNTH), *BASE, "--rows", "4000", "--shares", "sex=Female:0.5,Male:0.5",
           "--outcome-rates", "sex=Female:0.6,Male:0.6", "--seed", "3", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=PATIENCE_S)
    assert done.returncode == 0, done.stderr
    assert "wrote 4,000 rows" in done.stdout
    frame = pd.read_parquet(out)
    assert frame["sex"].value_counts().to_dict() == {"Female": 2000, "Male": 2000}
    for sex in ("Female", "Male"):
        assert abs((frame.loc[frame.sex == sex, "two_year_recid"] == 0).mean() - 0.6) < 0.01
    assert pd.api.types.is_datetime64_any_dtype(frame["compas_screening_date"])


def test_subprocess_bad_input_is_one_line_and_exit_2(tmp_path):
    cmd = [str(FAIRSYNTH), *BASE, "--rows", "100", "--shares", "sex=Female:0.7,Male:0.7",
           "--out", str(tmp_path / "x.csv")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=PATIENCE_S)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "sum to 1.4" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_documents_intersections():
    done = subprocess.run([str(FAIRSYNTH), "generate", "--help"], capture_output=True, text=True,
                          timeout=PATIENCE_S)
    assert done.returncode == 0
    assert "race&sex=Black&Female" in done.stdout


def test_main_settings_file_with_flags_overriding(tmp_path, capsys):
    settings = GenerationSettings(rows=500, conditioning=("race", "sex"), seed=1,
                                  shares={"Female": 0.3, "Male": 0.7})
    path = tmp_path / "s.toml"
    path.write_text(settings.to_toml())
    out = tmp_path / "o.csv"
    code = main([*BASE, "--settings", str(path), "--rows", "1000", "--seed", "9", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    assert len(frame) == 1000
    assert frame["sex"].value_counts().to_dict() == {"Female": 300, "Male": 700}
    again = tmp_path / "o2.csv"
    assert main([*BASE, "--settings", str(path), "--rows", "1000", "--seed", "9", "--out", str(again)]) == 0
    assert out.read_bytes() == again.read_bytes()


def test_main_augment_with_intersection_shares(tmp_path):
    real = pd.read_parquet(COMPAS)
    groups = real["race"] + "&" + real["sex"]
    shares = groups.value_counts(normalize=True)
    shares = (shares * 0.9).to_dict()
    shares["Asian&Female"] = shares.get("Asian&Female", 0) + 0.1
    spec = "race&sex=" + ",".join(f"{k}:{v!r}" for k, v in shares.items())
    out = tmp_path / "aug.parquet"
    assert main([*BASE, "--rows", "1", "--shares", spec, "--mode", "augment", "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) > len(real)
    # The real rows come first, unchanged (text may come back as categories: Parquet dictionaries).
    head = frame.iloc[: len(real)].reset_index(drop=True)
    pd.testing.assert_frame_equal(head.astype(object), real.astype(object), check_dtype=False)
    share = ((frame.race == "Asian") & (frame.sex == "Female")).mean()
    assert abs(share - shares["Asian&Female"]) < 1 / len(frame) + 1e-9


@pytest.mark.parametrize(("extra", "message"), [
    (["--rows", "10", "--out", "x.xlsx"], "must end in .csv or .parquet"),
    (["--out", "x.csv"], "how many rows"),
    (["--rows", "10", "--shares", "gender=F:1", "--out", "x.csv"], "not a conditioning attribute"),
    (["--rows", "10", "--shares", "sex&race=Female&Black:1", "--out", "x.csv"], "in order"),
    (["--rows", "10", "--shares", "sex=Female", "--out", "x.csv"], "not GROUP:VALUE"),
    (["--rows", "10", "--shares", "sex=Female:half", "--out", "x.csv"], "not a number"),
    (["--rows", "10", "--outcome-rates", "sex=Female:2", "--out", "x.csv"], "between 0 and 1"),
    (["--rows", "10", "--settings", "missing.toml", "--out", "x.csv"], "no such file"),
])
def test_main_refuses_bad_flags_with_exit_2(tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    assert main([*BASE, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_unknown_target_and_missing_file(tmp_path, capsys):
    args = ["generate", "--real", COMPAS, "--protected", "race", "--target", "nope", "--rows", "5",
            "--out", str(tmp_path / "a.csv")]
    assert main(args) == 2 and "--target 'nope'" in capsys.readouterr().err
    args[2] = str(tmp_path / "absent.csv")
    assert main(args) == 2 and "no such file" in capsys.readouterr().err


def _coded_csv(tmp_path) -> tuple[pd.DataFrame, Path]:
    """COMPAS with `parent` and `disabled` both coded 1/2, written as CSV (the reviewer's repro)."""
    real = pd.read_parquet(COMPAS)
    real = real.assign(parent=(real["sex"] == "Female").map({True: 1, False: 2}),
                       disabled=(real["race"] == "Caucasian").map({True: 1, False: 2}))
    path = tmp_path / "coded.csv"
    real.to_csv(path, index=False)
    return real, path


CODED = ["generate", "--protected", "parent,disabled", "--target", "two_year_recid",
         "--favorable", "0", "--rows", "2000"]


def test_shares_go_to_the_named_attribute_when_labels_are_shared(tmp_path, capsys):
    real, path = _coded_csv(tmp_path)
    out = tmp_path / "o.csv"
    code = main([*CODED, "--real", str(path), "--shares", "disabled=1:0.2,2:0.8", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    assert frame["disabled"].value_counts().to_dict() == {1: 400, 2: 1600}
    # parent is not targeted: within each disabled group it is split as in the real data
    # (to the row, by largest remainder), so its overall share stays near the real one.
    real_split = pd.crosstab(real["disabled"], real["parent"], normalize="index")
    got = pd.crosstab(frame["disabled"], frame["parent"])
    for d, n_d in ((1, 400), (2, 1600)):
        assert (got.loc[d] - real_split.loc[d] * n_d).abs().max() < 1.0
    real_parent = real["parent"].value_counts(normalize=True)
    assert (frame["parent"].value_counts(normalize=True) - real_parent).abs().max() < 0.05


def test_outcome_rates_go_to_the_named_attribute_when_labels_are_shared(tmp_path, capsys):
    real, path = _coded_csv(tmp_path)
    out = tmp_path / "o.csv"
    code = main([*CODED, "--real", str(path), "--outcome-rates", "disabled=1:0.2,2:0.8",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    rates = (frame["two_year_recid"] == 0).groupby(frame["disabled"]).mean()
    assert abs(rates[1] - 0.2) < 0.01 and abs(rates[2] - 0.8) < 0.01


def test_ambiguous_settings_file_is_refused_and_the_attribute_fixes_it(tmp_path, capsys):
    _, path = _coded_csv(tmp_path)
    vague = tmp_path / "vague.toml"
    vague.write_text('rows = 2000\nconditioning = ["parent", "disabled"]\n[shares]\n1 = 0.2\n2 = 0.8\n')
    args = [*CODED, "--real", str(path), "--out", str(tmp_path / "o.csv")]
    assert main([*args, "--settings", str(vague)]) == 2
    err = capsys.readouterr().err
    assert "'1' is a value of both parent and disabled: say which attribute" in err
    assert err.count("\n") == 1
    named = tmp_path / "named.toml"
    named.write_text(vague.read_text().replace("[shares]", 'shares_by = ["disabled"]\n[shares]'))
    assert main([*args, "--settings", str(named)]) == 0
    assert pd.read_csv(tmp_path / "o.csv")["disabled"].value_counts().to_dict() == {1: 400, 2: 1600}
