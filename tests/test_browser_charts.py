"""Issue 18 points 6 and 7 in a real browser: the HTML summary and every page's charts on both samples.

Screenshots go to $FAIRSYNTH_SHOTS (default: the repository's screenshots/ folder) for a person
to look at; the assertions check what a screenshot shows: titles inside the chart, tick labels
large and dark as drawn (after Streamlit's chart theme), the lineage JSON folded away.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SCREENSHOTS, go_to, open_app, pick_sample, settle
from playwright.sync_api import Locator, Page, expect

from fairsynth.foundation.samples import SAMPLES, load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export_html import report_figures, to_html
from fairsynth.governance.notes import new_note

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("FAIRSYNTH_SHOTS", SCREENSHOTS))
# Pages with charts, per sample; Adult has no time column, so no Drift charts.
PAGES = {"adult-skewed": ("Representativeness", "Fairness", "Generation", "Privacy"),
         "compas": ("Representativeness", "Fairness", "Drift", "Generation", "Privacy")}
# What every drawn chart must measure, in CSS pixels and colour, as the browser rendered it.
MIN_TICK_PX = 14
DARK_TICKS = "rgb(27, 27, 27)"


def _check_drawn_chart(chart: Locator) -> None:
    """The chart's title lies inside its picture, and its tick labels are large and dark."""
    expect(chart.locator(".main-svg").first).to_be_visible()
    facts = chart.evaluate("""el => {
        const svg = el.querySelector('.main-svg').getBoundingClientRect();
        const title = el.querySelector('.gtitle');
        const box = title ? title.getBoundingClientRect() : null;
        const ticks = [...el.querySelectorAll('.xtick text, .ytick text')].filter(t => t.textContent);
        return {inside: !box || (box.left >= svg.left - 1 && box.right <= svg.right + 1
                                 && box.top >= svg.top - 1),
                sizes: ticks.map(t => parseFloat(getComputedStyle(t).fontSize)),
                fills: [...new Set(ticks.map(t => getComputedStyle(t).fill))]};
    }""")
    assert facts["inside"], "the chart title is clipped"
    if facts["sizes"]:
        assert min(facts["sizes"]) >= MIN_TICK_PX, facts["sizes"]
        assert facts["fills"] == [DARK_TICKS], facts["fills"]


def _snap(page: Page, chart: Locator, name: str) -> None:
    """A picture of one chart: scrolled to the middle of the view, then clipped from the page."""
    chart.evaluate("el => el.scrollIntoView({block: 'center'})")
    expect(chart.locator(".main-svg").first).to_be_visible()
    box = chart.bounding_box()
    page.screenshot(path=str(SHOTS / f"{name}.png"), clip=box)


@pytest.fixture(scope="module", params=list(PAGES))
def summary(request, tmp_path_factory):
    """The HTML summary of a bundled sample with a note answering its first finding."""
    report = run_audit(load_sample(request.param))
    report = report.with_notes([new_note(action="Reweighted the generator", owner="ana",
                                         finding_code=report.findings[0].code)])
    path = tmp_path_factory.mktemp("summary") / f"{request.param}.html"
    path.write_text(to_html(report), encoding="utf-8")
    return request.param, path, len(report_figures(report))


def test_html_summary_reads_well_in_the_browser(page: Page, summary):
    sample, path, n_figures = summary
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(path.as_uri())
    charts = page.locator("div.chart")
    expect(charts).to_have_count(n_figures)
    for i in range(n_figures):
        _check_drawn_chart(charts.nth(i))
    # The lineage is a table; its raw JSON is folded away until asked for.
    lineage = page.locator("#lineage + .lineage table")
    expect(lineage).to_contain_text("audited at")
    expect(page.locator("#lineage-json pre")).to_be_hidden()
    expect(page.locator("#stamps")).to_contain_text("exported")
    # The reference group's own bar is drawn (ratio 1) and labelled.
    expect(page.locator("#chart-impact")).to_contain_text("(reference)")
    page.screenshot(path=str(SHOTS / f"html_summary_{sample}.png"), full_page=True)
    _snap(page, page.locator("#chart-impact"), f"html_summary_{sample}_impact_with_reference")
    _snap(page, page.locator("#chart-privacy-exact-copy-rate"), f"html_summary_{sample}_privacy_axis")
    if page.locator("#chart-impact-over-time-0").count():
        _snap(page, page.locator("#chart-impact-over-time-0"), f"html_summary_{sample}_impact_over_time")
    lineage.screenshot(path=str(SHOTS / f"html_summary_{sample}_lineage_table.png"))
    page.locator("#lineage-json summary").click()
    expect(page.locator("#lineage-json pre")).to_be_visible()


def _load(page: Page, app_url: str, sample: str) -> None:
    open_app(page, app_url)
    pick_sample(page, SAMPLES[sample].title)
    rows = f"{len(load_sample(sample).real):,} rows"
    expect(page.get_by_test_id("stSidebar")).to_contain_text(rows)


@pytest.mark.parametrize("sample", list(PAGES))
def test_every_page_chart_reads_well_on_a_projector(page: Page, app_url: str, sample: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    _load(page, app_url, sample)
    for title in PAGES[sample]:
        go_to(page, title)
        charts = page.get_by_test_id("stPlotlyChart")
        expect(charts.first).to_be_visible()
        if title == "Generation":
            page.get_by_role("button", name="Generate").click()
            expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
            expect(charts).to_have_count(5)
        settle(page)
        for i in range(charts.count()):
            if not charts.nth(i).is_visible():
                continue  # inside a closed expander (e.g. association differences)
            _snap(page, charts.nth(i), f"page_{sample}_{title.lower()}_{i}")
            _check_drawn_chart(charts.nth(i))
        expect(page.get_by_test_id("stException")).to_have_count(0)
