"""AppTest of the Privacy page: prompt before the run, summary, per-group chart, masked closest pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES
from fairsynth.privacy.view import DIFFERENT, SAME

TIMEOUT = PATIENCE_S
PAGE = Path(__file__).resolve().parents[1] / "pages" / "privacy.py"


@pytest.fixture
def privacy_page(compas_real) -> AppTest:
    pytest.importorskip("anonymeter", reason="install the 'privacy' extra (see pyproject.toml)")
    real = compas_real.iloc[:1200].reset_index(drop=True)
    # Half the synthetic rows copy real rows: the closest pairs then include exact matches.
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    synthetic.loc[synthetic.index % 2 == 0, "age"] += 3
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["pair"] = make_pair(real, synthetic, COMPAS_ROLES)
    at.session_state["pair_source"] = "test: compas"
    return at.run()


def test_page_shows_the_fast_measures_at_once_and_waits_for_the_attacks(privacy_page):
    assert not privacy_page.exception
    assert privacy_page.title[0].value == "Privacy"
    labels = [m.label for m in privacy_page.metric]
    assert "Exact copies" in labels and "Singling-out risk" not in labels
    assert len(privacy_page.get("plotly_chart")) == 2
    assert any("not run yet" in c.value for c in privacy_page.caption)


def test_run_shows_summary_chart_and_masked_pairs(privacy_page):
    privacy_page.checkbox[0].check()
    privacy_page.button[0].click().run()
    assert not privacy_page.exception
    labels = [m.label for m in privacy_page.metric]
    assert "Exact copies" in labels and "Singling-out risk" in labels
    assert len(privacy_page.get("plotly_chart")) == 2
    assert any("Holdout" in i.value for i in privacy_page.info)
    table = privacy_page.dataframe[0].value
    real_rows = table[table["side"].str.startswith("real")]
    assert set(real_rows["age"]) <= {SAME, DIFFERENT}
    privacy_page.toggle[0].set_value(True).run()
    table = privacy_page.dataframe[0].value
    revealed = table[table["side"].str.startswith("real")]
    assert not set(revealed["age"]) & {SAME, DIFFERENT}
    privacy_page.selectbox[0].select("dcr_median").run()
    assert not privacy_page.exception


# Issue 18, point 5: the page's words fit where the pair came from, and levels read as states.
def _all_text(at: AppTest) -> str:
    return " ".join(e.value for kind in ("info", "caption", "success", "markdown")
                    for e in getattr(at, kind))


def test_an_upload_is_not_told_about_the_bundled_samples(privacy_page):
    text = _all_text(privacy_page)
    assert "bundled synthetic samples" not in text
    assert "If the generator of this synthetic data was fitted on all of these real rows" in text


def test_a_bundled_sample_keeps_its_own_caveat(privacy_page):
    privacy_page.session_state["pair_source"] = "sample: COMPAS"
    privacy_page.run()
    assert "bundled synthetic samples were fitted on *all* real rows" in _all_text(privacy_page)


def test_levels_have_no_arrow_and_k_anonymity_has_one_level(privacy_page):
    metrics = {m.label: m for m in privacy_page.metric}
    from streamlit.proto.Metric_pb2 import Metric
    # direction NONE: the browser draws no arrow next to the level.
    assert {m.proto.direction for m in metrics.values()} == {Metric.MetricDirection.NONE}
    k_level = metrics["k-anonymity"].delta
    share_level = metrics["Rows in small quasi-identifier classes"].delta
    assert k_level == share_level


def test_captions_are_punctuated_once(privacy_page):
    captions = [c.value for c in privacy_page.caption]
    assert not [c for c in captions if ").;" in c or ".;" in c or ".." in c.replace("...", "")]
    assert any(c.endswith("unique); its risk level is that of the share of rows in classes smaller "
                          "than k, the row below; k = 5.") for c in captions)


def test_all_zero_exact_copies_say_so_instead_of_an_empty_chart(compas_real):
    real = compas_real.iloc[:1200].reset_index(drop=True)
    synthetic = real.copy()
    synthetic["age"] = synthetic["age"] + 100  # no synthetic row equals a real one
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["pair"] = make_pair(real, synthetic, COMPAS_ROLES)
    at.session_state["pair_source"] = "upload: a.csv + b.csv"
    at.run()
    assert not at.exception
    notes = [s.value for s in at.success]
    assert any(n.startswith("Exact copies: 0 in every protected group") for n in notes)
    assert len(at.get("plotly_chart")) == 1  # only the distance histogram


def test_distance_histograms_keep_their_legend_colours(privacy_page):
    import json
    spec = json.loads(privacy_page.get("plotly_chart")[-1].proto.spec)
    traces = [t for t in spec["data"] if t["type"] == "histogram"]
    assert len(traces) == 2 and spec["layout"]["barmode"] == "group"
    # Full-colour bars side by side: no blend that matches neither legend entry.
    assert all(t.get("opacity", 1) == 1 for t in traces)
    assert traces[0]["marker"]["color"] != traces[1]["marker"]["color"]


def test_risk_levels_are_coloured_words(privacy_page):
    deltas = {m.delta for m in privacy_page.metric}
    assert deltas <= {"low risk", "medium risk", "high risk", "unknown risk"}
