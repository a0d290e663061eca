"""DP generation (issue 16): OpenDP's accounting, the ledger, the CLI record and the audit sentence."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendp")

from fairsynth.foundation.errors import InvalidInputError  # noqa: E402
from fairsynth.foundation.roles import Roles  # noqa: E402
from fairsynth.generation import GenerationSettings, fit_dp_synthesizer  # noqa: E402
from fairsynth.generation.dp_budget import PrivacyLedger, Releaser  # noqa: E402
from fairsynth.governance.cli import main  # noqa: E402
from fairsynth.governance.settings_file import SIDE_CAR_SUFFIX, recorded_settings_text  # noqa: E402

ROLES = Roles(protected=("race", "sex"), target="income", favorable=">50K")


@pytest.fixture(scope="module")
def adult(adult_real) -> pd.DataFrame:
    return adult_real.sample(4000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def adult_path(adult, tmp_path_factory):
    path = tmp_path_factory.mktemp("dp") / "adult4k.parquet"
    adult.to_parquet(path, index=False)
    return path



def read_record(path):
    """The settings record `generate` left with its output, as a dict."""
    import tomllib

    return tomllib.loads(recorded_settings_text(path))


def sidecar(path):
    return path.with_name(path.name + SIDE_CAR_SUFFIX)

def _settings(**kw) -> GenerationSettings:
    base = {"rows": 4000, "conditioning": ("race", "sex"), "epsilon": 1.0, "public": ("*",), "seed": 5}
    return GenerationSettings(**{**base, **kw})


def test_ledger_sums_to_the_budget_as_opendp_reports_it(adult):
    fitted = fit_dp_synthesizer(adult, ROLES, _settings(epsilon=0.7))
    ledger = fitted.ledger_
    eps, delta = ledger.spent()
    # Each entry's epsilon is OpenDP's privacy map of that query; the compositor's own map agrees.
    assert eps == pytest.approx(0.7, abs=1e-9) and delta == 0.0
    assert ledger.total_reported[0] == pytest.approx(0.7, abs=1e-9)
    stats = [e.statistic for e in ledger.entries]
    assert stats[0] == "stratum counts (race x sex x income)"
    assert len(stats) == 1 + adult.shape[1] - 3  # strata, then one histogram per other column
    assert ledger.to_dict()["public"]["age"] == "value range"


def test_private_domains_cost_budget_and_delta(adult):
    small = adult[["race", "sex", "income", "workclass", "age"]]
    fitted = fit_dp_synthesizer(small, ROLES, _settings(epsilon=2.0, delta=1e-6, public=()))
    eps, delta = fitted.ledger_.spent()
    assert eps == pytest.approx(2.0, abs=1e-9)
    assert 0 < delta <= 1e-6
    stats = [e.statistic for e in fitted.ledger_.entries]
    assert "category domain of workclass" in stats and "low end of age's range" in stats
    assert fitted.ledger_.public == {}
    assert {"Male", "Female"} <= set(fitted.domains_["sex"])


def test_a_query_over_its_share_is_refused(adult):
    ledger = PrivacyLedger(epsilon=0.1, delta=0.0)
    release = Releaser(adult[["sex"]], [(0.1, 0.0)], ledger)
    with pytest.raises(InvalidInputError, match="Refused by OpenDP's accounting"):
        release.counts("sex", ["Female", "Male"], 0.2, "sex counts")
    assert ledger.entries == []


def test_category_domain_without_delta_is_refused_in_one_sentence(adult):
    with pytest.raises(InvalidInputError, match="no public category domain"):
        fit_dp_synthesizer(adult, ROLES, _settings(public=("age",)))


def test_schema_matches_and_sampling_is_reproducible_per_fit(adult):
    settings = _settings()
    fitted = fit_dp_synthesizer(adult, ROLES, settings)
    one, two = fitted.sample(settings), fitted.sample(settings)
    assert list(one.columns) == list(adult.columns)
    assert one.dtypes.to_dict() == adult.dtypes.to_dict()
    assert len(one) == 4000
    pd.testing.assert_frame_equal(one, two)
    # OpenDP draws its noise from the system's secure generator, which no seed controls (on
    # purpose: a seeded noise source would void the guarantee), so two fits release different counts.
    again = fit_dp_synthesizer(adult, ROLES, settings)
    assert not np.array_equal(again.strata_counts_, fitted.strata_counts_) or not all(
        np.array_equal(again.histograms_[c], fitted.histograms_[c]) for c in fitted.histograms_)


def test_outcome_rates_survive_at_a_generous_budget(adult):
    out = fit_dp_synthesizer(adult, ROLES, _settings(epsilon=8.0)).sample(_settings(epsilon=8.0))
    rate = lambda f: f.groupby("sex")["income"].apply(lambda v: (v == ">50K").mean())  # noqa: E731
    assert (rate(out) - rate(adult)).abs().max() < 0.03


@pytest.mark.parametrize("value", ["-1", "0", "nan", "abc"])
def test_bad_epsilon_exits_2_with_one_line(adult_path, tmp_path, capsys, value):
    try:
        code = main(["generate", "--real", str(adult_path), "--protected", "race,sex", "--target", "income",
                     "--rows", "100", f"--epsilon={value}", "--out", str(tmp_path / "x.csv")])
    except SystemExit as exc:  # argparse refuses a non-number before the command runs
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "epsilon" in err and "Traceback" not in err


def test_cli_records_the_ledger_and_the_audit_states_it(adult_path, tmp_path, capsys):
    out = tmp_path / "dp.csv"
    assert main(["generate", "--real", str(adult_path), "--protected", "race,sex", "--target", "income",
                 "--favorable", ">50K", "--rows", "3000", "--epsilon", "1", "--delta", "1e-6",
                 "--public", "*", "--seed", "2", "--out", str(out)]) == 0
    assert "Generated with (epsilon=1, delta=1e-06)-differential privacy" in capsys.readouterr().out
    record = read_record(out)
    assert sidecar(out).is_file() and record["seed"] == 2 and record["epsilon"] == 1.0
    assert record["privacy_ledger"]["epsilon_spent"] == pytest.approx(1.0, abs=1e-9)
    report = tmp_path / "r.json"
    md = tmp_path / "r.md"
    assert main(["audit", "--real", str(adult_path), "--synthetic", str(out), "--protected", "race,sex",
                 "--target", "income", "--favorable", ">50K", "--out", str(report), "--out", str(md)]) == 0
    lineage = json.loads(report.read_text())["lineage"]
    assert lineage["generator"]["privacy_ledger"]["library"] == "OpenDP"
    assert lineage["privacy_guarantee"].startswith("Generated with (epsilon=1, delta=1e-06)-differential privacy")
    assert lineage["privacy_guarantee"] in md.read_text()
    # The empirical measures still run on DP output, beside the formal budget.
    assert json.loads(report.read_text())["privacy"]


def test_parquet_output_carries_the_record_in_its_metadata(adult_path, tmp_path):
    out = tmp_path / "dp.parquet"
    assert main(["generate", "--real", str(adult_path), "--protected", "race,sex", "--target", "income",
                 "--favorable", ">50K", "--rows", "500", "--epsilon", "2", "--public", "*", "--out", str(out)]) == 0
    record = read_record(out)
    assert record["privacy_ledger"]["epsilon"] == 2.0 and not sidecar(out).exists()
    plain = tmp_path / "plain.parquet"
    assert main(["generate", "--real", str(adult_path), "--protected", "race,sex", "--target", "income",
                 "--favorable", ">50K", "--rows", "500", "--out", str(plain)]) == 0
    assert read_record(plain)["seed"] == 0 and "privacy_ledger" not in read_record(plain)


def test_without_opendp_the_dp_option_says_how_to_enable_it(adult, monkeypatch):
    monkeypatch.setitem(sys.modules, "opendp.combinators", None)
    with pytest.raises(InvalidInputError, match=r"pip install 'fairsynth\[dp\]'"):
        fit_dp_synthesizer(adult, ROLES, _settings())
