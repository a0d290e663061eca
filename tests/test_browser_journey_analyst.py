"""Journey 1: the analyst finds a representation gap, regenerates, approves the settings, writes
the mitigation and exports a summary that opens offline with the same numbers."""

from __future__ import annotations

import json

import pytest
from conftest import go_to, open_app, save_note, settle, start_app
from playwright.sync_api import Page, expect

from fairsynth.ui.launch import stop_server

pytestmark = pytest.mark.browser


@pytest.fixture
def analyst_app(tmp_path):
    """A server of its own, so approved settings and notes go to a temporary folder."""
    env = {"FAIRSYNTH_SETTINGS_DIR": str(tmp_path / "approved"),
           "FAIRSYNTH_DATA_DIR": str(tmp_path / "data")}
    proc, url = start_app(env)
    try:
        yield url, tmp_path
    finally:
        stop_server(proc)


def test_analyst_closes_a_representation_gap(page: Page, new_context, analyst_app, shot):
    url, tmp = analyst_app
    open_app(page, url)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Protected: race, sex")
    expect(sidebar).to_contain_text(">50K")

    # 2. The gap, in numbers, with the intersection heatmap drawn.
    go_to(page, "Representativeness")
    expect(page.get_by_text("Most under-represented: Black&Female")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first).to_be_visible()
    shot("journey1_representativeness")

    # 3. The synthetic data hides the real disparity of sex.
    go_to(page, "Fairness")
    # One reference (Male) for both sides: the ratios compare like with like.
    sex = page.get_by_text("sex — lowest over highest selection rate: real data 0.36")
    expect(sex).to_be_visible()
    expect(sex).to_contain_text("Female's ratio is 0.36 in the real data and 1.00 in the synthetic data")

    # 4. Regenerate with shares and rates as in the real data, adopt, approve.
    go_to(page, "Generation")
    expect(page.get_by_role("heading", name="Expected effect")).to_be_visible()
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    settle(page)  # the adopt button is redrawn until the run ends
    shot("journey1_before_after")
    page.get_by_role("button", name="Use the generated table as the synthetic side").click()
    expect(sidebar).to_contain_text("generated")
    # The adopted result leaves the page; wait for that rerun to settle before using the form.
    expect(page.get_by_role("heading", name="Before and after")).to_have_count(0)
    expect(page.get_by_role("button", name="Save current settings")).to_have_count(1)
    settle(page)
    page.get_by_label("Name").fill("adult-faithful")
    page.get_by_label("Approved by").fill("A. Analyst")
    page.get_by_label("Reason (required)").fill("Restores real shares and outcome rates.")
    page.get_by_role("button", name="Save current settings").click()
    expect(page.get_by_text("Saved 'adult-faithful'")).to_be_visible()
    assert list((tmp / "approved").glob("*.toml"))

    go_to(page, "Fairness")
    sex = page.get_by_text("sex — lowest over highest selection rate: real data 0.36")
    expect(sex).to_contain_text("in the real data and 0.3")
    go_to(page, "Representativeness")
    expect(page.get_by_text("Black&Female")).to_have_count(0)

    # 5. A mitigation note, then the HTML and JSON exports.
    go_to(page, "Notes & export")
    expect(page.get_by_role("tab", name="Findings")).to_be_visible()
    first_note = page.get_by_test_id("stExpander").filter(has_text="Mitigation note").first
    save_note(page, first_note, "Regenerated with real shares and outcome rates", owner="A. Analyst")
    expect(page.get_by_text("note: open")).to_be_visible()
    settle(page)  # the export buttons carry the note once this run is over
    shot("journey1_notes")

    page.get_by_role("tab", name="Export").click()
    settle(page)  # opening the tab reruns the page, which builds the files for its buttons
    with page.expect_download() as html_download:
        page.get_by_role("button", name="HTML summary").click()
    html_path = tmp / "summary.html"
    html_download.value.save_as(html_path)
    with page.expect_download() as json_download:
        page.get_by_role("button", name="JSON report").click()
    json_path = tmp / "report.json"
    json_download.value.save_as(json_path)

    report = json.loads(json_path.read_text())
    assert report["schema_version"] == 1
    assert report["lineage"]["generator"] is not None  # settings and seed of the adopted table
    assert any(n["action"].startswith("Regenerated") for n in report["notes"])
    di = [r for r in report["disparate_impact"]
          if r["attribute"] == "sex" and r["group"] == "Female"]
    ratios = {r["dataset"]: r["ratio"] for r in di}
    assert abs(ratios["real"] - 0.36) < 0.01 and abs(ratios["synthetic"] - ratios["real"]) < 0.05

    # Offline: the file draws its charts from what it carries and shows the same numbers.
    offline = new_context(offline=True).new_page()
    offline.goto(html_path.as_uri())
    expect(offline.locator(".main-svg").first).to_be_visible()
    expect(offline.locator("body")).to_contain_text(f"{ratios['real']:.2f}")
    expect(offline.locator("body")).to_contain_text("Regenerated with real shares")
    offline.screenshot(path=str(shot("journey1_notes").parent / "journey1_offline_html.png"))
