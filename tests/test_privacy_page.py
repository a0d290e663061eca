"""AppTest of the Privacy page: prompt before the run, summary, per-group chart, masked closest pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES
from fairsynth.privacy.view import DIFFERENT, SAME

TIMEOUT = 120
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
