"""The exported HTML summary in headless Chromium: charts drawn offline, no script injected by data."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export_html import report_figures, to_html
from fairsynth.governance.notes import new_note

pytestmark = pytest.mark.browser
EVIL_COLUMN = "<img src=x onerror=alert(1)>"
EVIL_FEATURE = "</script><script>alert(2)</script>"
EVIL_GROUP = "<svg onload=alert(3)>"


@pytest.fixture(scope="module")
def evil_html(tmp_path_factory, compas_real):
    real = compas_real.rename(columns={"race": EVIL_COLUMN, "priors_count": EVIL_FEATURE}).copy()
    real[EVIL_COLUMN] = real[EVIL_COLUMN].replace({"Other": EVIL_GROUP})
    synth = real.sample(frac=0.7, random_state=1).reset_index(drop=True)
    roles = COMPAS_ROLES.with_changes(protected=(EVIL_COLUMN, "sex"))
    pair = make_pair(real, synth, roles, real_name="<i>real</i>.csv", synthetic_name="synth.csv")
    report = run_audit(pair).with_notes([new_note(action="<script>alert(4)</script>", owner=EVIL_COLUMN)])
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(to_html(report), encoding="utf-8")
    return path, len(report_figures(report))


def test_exported_html_draws_charts_and_runs_no_injected_script(page: Page, evil_html, shot):
    path, n_figures = evil_html
    dialogs, errors, requests = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)

    page.goto(path.as_uri())
    charts = page.locator("div.chart")
    expect(charts).to_have_count(n_figures)
    # gaps, impact, fidelity, drift heatmap, dataset drift, and the privacy charts
    assert n_figures >= 5
    for i in range(n_figures):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached()
    # Plotly drew real marks, not just empty axes: wait for them, not for a fixed time.
    page.wait_for_function("n => document.querySelectorAll('div.chart g.trace').length >= n",
                           arg=n_figures)
    shot("export_html_evil_names")

    assert dialogs == [] and errors == [] and requests == []
    assert page.locator("img").count() == 0
    assert page.locator("body > script").count() == 2 + n_figures
    text = page.locator("body").inner_text()
    for literal in (EVIL_COLUMN, "<i>real</i>.csv", "<script>alert(4)</script>"):
        assert literal in text
    # Hostile labels reach the charts as text, not markup.
    assert EVIL_FEATURE in page.locator("#chart-fidelity").inner_text()
