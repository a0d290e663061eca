"""AppTest of the Drift page on a COMPAS pair: charts drawn, controls work, no time role explained."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

# AppTest puts pages/ on sys.path, where pages/drift.py would shadow the drift package; importing
# the package first keeps `from drift import ...` in the page pointing at the engine.
import fairsynth.drift  # noqa: F401
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES, SAMPLE_DIR

PAGE = str(SAMPLE_DIR.parent / "pages" / "drift.py")
TIMEOUT = PATIENCE_S
TIME = "compas_screening_date"


@pytest.fixture(scope="module")
def compas_pair():
    real = pd.read_parquet(SAMPLE_DIR / "compas.parquet")
    early = real[real[TIME] < "2013-07-01"]
    return make_pair(real, early.sample(n=3000, replace=True, random_state=5), COMPAS_ROLES)


def _page(pair) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["pair"] = pair
    at.session_state["pair_source"] = "test"
    return at.run()


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_monthly_drift_page_draws_heatmap_groups_and_impact(compas_pair):
    at = _page(compas_pair)
    assert not at.exception
    figures = _figures(at)
    # Heatmap, dataset-drift bars, then the open tab's shares (race) and impact (race): a tab
    # reruns on a switch and draws only its own chart.
    assert len(figures) == 4
    heatmap = figures[0]["data"][0]
    assert heatmap["type"] == "heatmap"
    assert len(heatmap["x"]) == 24 and "age" in heatmap["y"]
    assert {t["name"] for t in figures[2]["data"]} >= {"African-American", "Caucasian"}
    dashed = [t for t in figures[2]["data"] if t.get("line", {}).get("dash") == "dash"]
    assert dashed, "the synthetic share is drawn as a dashed line"
    # Switching both tabs to sex draws sex's charts instead.
    at.session_state["drift_share_tab"] = "sex"
    at.session_state["drift_impact_tab"] = "sex"
    at.run()
    assert not at.exception
    figures = _figures(at)
    assert len(figures) == 4
    assert {t["name"] for t in figures[2]["data"]} >= {"Female", "Male"}
    assert {t["name"] for t in figures[3]["data"]} >= {"Female", "Male"}
    text = " ".join(m.value for m in at.markdown)
    assert "Drift began in" in text or "No window shows dataset drift" in text
    assert "The synthetic data" in text
    assert len(at.caption) >= 6


def test_controls_change_windows_and_reference(compas_pair):
    at = _page(compas_pair)
    at.selectbox(key="drift_freq").select("Quarter").run()
    at.selectbox(key="drift_reference").select("A window I choose").run()
    at.selectbox(key="drift_ref_window").select("2013-07-01").run()
    assert not at.exception
    heatmap = _figures(at)[0]
    assert len(heatmap["data"][0]["x"]) == 8
    assert "window 2013-07-01" in heatmap["layout"]["title"]["text"]
    at.selectbox(key="drift_reference").select("Previous window (rolling)").run()
    assert not at.exception
    assert len(_figures(at)[0]["data"][0]["x"]) == 7


def test_evidently_report_renders_for_a_window(compas_pair):
    at = _page(compas_pair)
    at.selectbox(key="drift_freq").select("Year").run()
    at.toggle(key="drift_ev_show").set_value(True).run()
    assert not at.exception
    html = at.get("iframe")
    assert html, "evidently's report is embedded"


def test_no_time_role_points_to_the_data_page(compas_pair):
    at = _page(compas_pair.with_roles(COMPAS_ROLES.with_changes(time=None)))
    assert not at.exception
    assert any("set a time role on the Data page" in w.value for w in at.warning)
    assert not at.get("plotly_chart")


def test_page_draws_the_report_tables_and_explains_undefined_ratios(compas_pair):
    # Setup: the exported report's over-time tables on the same pair and options.
    from fairsynth.governance.audit import run_audit

    report = run_audit(compas_pair)
    shares = report.subgroups_over_time
    # Run
    at = _page(compas_pair)
    # Assert: the race share lines are the report's rows, window by window.
    race = _figures(at)[2]
    line = next(t for t in race["data"] if t["name"] == "African-American")
    expected = shares[(shares["dataset"] == "real") & (shares["group"] == "African-American")
                      & (shares["attributes"].map(tuple) == ("race",))].sort_values("window")
    assert line["x"] == expected["window"].tolist()
    assert line["y"] == pytest.approx(expected["share"].tolist(), abs=1e-12)
    # The favourable outcome (no re-offence within two years) cannot be observed after 2014-04:
    # the page says so instead of blaming the reference group, and charts the defined windows.
    notes = " ".join(i.value for i in at.info)
    assert "undefined in 8 of 24 windows" in notes and "no real row there has the favourable" in notes
    impact = _figures(at)[3]
    # (None: the legend-only trace that names the four-fifths line.)
    assert len({x for t in impact["data"] for x in t.get("x", []) if x is not None}) == 16
    text = " ".join(m.value for m in at.markdown)
    assert "The favourable outcome occurs in no real row of 8 of 24 windows" in text
