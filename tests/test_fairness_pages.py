"""AppTest smoke and interaction tests of the representativeness and fairness pages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

# AppTest puts pages/ on sys.path, where pages/fairness.py would shadow the fairness package:
# importing the engine first pins the package in sys.modules (the app itself runs from the root).
import fairsynth.fairness.fidelity  # noqa: F401
import fairsynth.fairness.impact  # noqa: F401
import fairsynth.fairness.subgroups  # noqa: F401
import fairsynth.fairness.utility  # noqa: F401
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles

ROOT = Path(__file__).resolve().parents[1]
ADULT = Roles(protected=("race", "sex"), target="income", favorable=">50K")
COMPAS = Roles(protected=("race", "sex"), target="two_year_recid", favorable="0",
               prediction="predicted_recid")


@pytest.fixture(scope="module")
def adult_pair(adult_real):
    """Real Adult against a perturbed copy: Black women dropped, women's income flattened."""
    synth = adult_real.sample(n=20_000, random_state=9).reset_index(drop=True)
    synth = synth[~((synth["race"] == "Black") & (synth["sex"] == "Female"))].reset_index(drop=True)
    rng = np.random.default_rng(9)
    women = synth.index[(synth["sex"] == "Female") & (synth["income"] == "<=50K")]
    synth.loc[rng.choice(women, 800, replace=False), "income"] = ">50K"
    return make_pair(adult_real, synth, ADULT)


def _run(page: str, pair) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=PATIENCE_S)
    at.session_state["pair"] = pair
    at.session_state["pair_source"] = "test"
    return at.run()


def test_representativeness_page(adult_pair):
    at = _run("pages/representativeness.py", adult_pair)
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 3
    # The headline names the dropped intersection.
    assert any("Black&Female" in e.value and "absent" in e.value for e in at.error)
    at.selectbox(key="repr_attrs").select(("sex",)).run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert list(spec["data"][0]["x"]) == ["Male", "Female"]
    at.radio(key="repr_fid_view").set_value("worst subgroup").run()
    at.selectbox(key="repr_within").select("sex").run()
    assert not at.exception


def test_representativeness_measures_associations_only_once_opened(adult_pair):
    at = _run("pages/representativeness.py", adult_pair)
    closed = len(at.get("plotly_chart"))
    assert any(c.value.startswith("Open to measure the association") for c in at.caption)
    at.session_state["repr_assoc"] = True  # the expander opened (it reruns the page)
    at.run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == closed + 1
    heatmap = json.loads(charts[-1].proto.spec)
    assert heatmap["data"][0]["type"] == "heatmap" and "income" in heatmap["data"][0]["x"]


def test_fairness_page_shows_adult_sex_disparate_impact(adult_pair):
    at = _run("pages/fairness.py", adult_pair)
    assert not at.exception
    assert at.get("plotly_chart")
    sex = [w.value for w in at.warning if w.value.startswith("**sex**")]
    assert sex and "**0.36** (Female over Male, fails" in sex[0]
    # One reference for both sides: the synthetic ratio is read against Male too, like with like.
    impact = fairsynth.fairness.impact.disparate_impact(adult_pair)
    female = impact[(impact["attribute"] == "sex") & (impact["group"] == "Female")]
    assert set(female["reference_group"]) == {"Male"}
    synthetic = female.set_index("dataset").loc["synthetic", "ratio"]
    assert f"Against one reference (Male), Female's ratio is 0.36 in the real data and {synthetic:.2f}" in sex[0]
    assert any("used for both sides" in e.label for e in at.expander)


def test_fairness_page_with_prediction_and_tstr(compas_real):
    synth = compas_real.sample(frac=1.0, replace=True, random_state=1).reset_index(drop=True)
    pair = make_pair(compas_real.iloc[:3000], synth.iloc[:3000], COMPAS)
    at = _run("pages/fairness.py", pair)
    assert not at.exception
    assert len(at.dataframe) >= 4  # impact tables, group metrics, parity
    at.multiselect(key="fair_models").set_value(["logistic"]).run()
    at.button(key="fair_tstr").click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2


def test_pages_show_errors_not_tracebacks(adult_real):
    pair = make_pair(adult_real, adult_real, Roles(target="income", favorable=">50K"))
    for page in ("pages/representativeness.py", "pages/fairness.py"):
        at = _run(page, pair)
        assert not at.exception
        assert any("protected" in e.value for e in at.error)
