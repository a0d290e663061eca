"""Issue 18 points 1, 5, 8, 9 in a real browser: role form, uploads, Privacy on an upload,
evidently's frame, and the generate-adopt-resolve journey. Screenshots for a person to check."""

from __future__ import annotations

import pytest
from conftest import go_to, open_app, open_evidently_report, pick_sample, save_note, settle, upload
from german_credit import german_files
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
# Right edge of anything inside a frame's document that sticks out past the frame's width.
OVERFLOW_JS = """() => { const w = document.documentElement.clientWidth; let worst = 0;
  for (const el of document.querySelectorAll('*')) {
    worst = Math.max(worst, el.getBoundingClientRect().right - w); }
  return worst; }"""


def test_role_form_follows_the_sample_and_evidently_fits_its_frame(page: Page, app_url, shot):
    open_app(page, app_url)
    pick_sample(page, "ProPublica COMPAS")
    form = page.get_by_test_id("stForm")
    expect(form.get_by_label("Favourable target value", exact=True)).to_have_value("0")
    expect(form.get_by_role("combobox", name="Time (optional)")).to_have_value("compas_screening_date")
    expect(form.get_by_role("combobox", name="Prediction (optional)")).to_have_value("predicted_recid")
    form.get_by_role("button", name="Apply roles").click()
    expect(page.get_by_text("Roles applied: nothing changed.")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Time: compas_screening_date")
    shot("data_compas_role_form_after_switch")

    go_to(page, "Drift")
    expect(page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first).to_be_visible()
    open_evidently_report(page, "Drifted Columns")
    element = page.get_by_test_id("stIFrame")
    element.scroll_into_view_if_needed()
    report = next(f for f in page.frames if f.url == "about:srcdoc")
    assert report.evaluate(OVERFLOW_JS) <= 1, "evidently's report is cut off on the right"
    element.screenshot(path=str(shot("drift_compas_page").parent / "drift_compas_evidently_frame.png"))


def test_upload_feedback_and_privacy_on_an_upload(page: Page, app_url, tmp_path, shot):
    real, synthetic = german_files(tmp_path)
    empty = tmp_path / "empty_synthetic.csv"
    empty.write_bytes(b"")
    open_app(page, app_url)
    page.get_by_role("tab", name="Upload your own").click()
    upload(page, 0, real)
    expect(page.get_by_text("Real data: german_real.csv read (1,000 rows, 22 columns)")).to_be_visible()
    shot("upload_one_file_acknowledged")
    upload(page, 1, empty)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("empty_synthetic.csv")
    shot("upload_bad_second_file_named")
    upload(page, 1, synthetic)
    expect(page.get_by_text("Uploaded pair loaded")).to_be_visible()

    go_to(page, "Privacy")
    expect(page.get_by_test_id("stPlotlyChart").last.locator(".main-svg").first).to_be_visible()
    settle(page)
    body = page.get_by_test_id("stMain")
    expect(body).not_to_contain_text("bundled synthetic samples")
    expect(body).to_contain_text("If the generator of this synthetic data was fitted on all")
    expect(page.get_by_test_id("stMetricDelta").first).to_be_visible()
    assert page.get_by_test_id("stMetricDelta").locator("svg").count() == 0, "levels drawn with arrows"
    assert page.get_by_text(").;").count() == 0
    shot("privacy_german_upload")

    go_to(page, "Data")
    page.get_by_role("tab", name="Upload your own").click()
    expect(page.get_by_text("Active uploaded pair: real german_real.csv")).to_be_visible()
    # The role form still shows the upload's guessed roles after the visit to another page.
    form = page.get_by_test_id("stForm")
    expect(form.get_by_label("Favourable target value", exact=True)).to_have_value("good")
    expect(form.get_by_role("combobox", name="Target (observed outcome)")).to_have_value("credit")
    shot("upload_active_files_named_after_navigation")


def test_generate_adopt_and_the_note_is_resolved(page: Page, app_url, shot):
    # The default Adult pair under-represents Black & Female (a race & sex gap); a regeneration
    # from the real rows restores the group's share, so that finding goes away.
    open_app(page, app_url)
    go_to(page, "Notes & export")
    expect(page.get_by_role("tab", name="Findings")).to_be_visible()
    settle(page)
    # The finding's sentence, then its "Fix in Generation" button and its note's expander.
    sentence = page.get_by_test_id("stMarkdown").filter(has_text="Black & Female: 4.7% of real rows")
    expander = sentence.locator("xpath=following::*[@data-testid='stExpander'][1]")
    save_note(page, expander, "Regenerate from the real rows")
    expect(page.get_by_text("note: open").first).to_be_visible()

    # Its button opens Generation on race & sex, and so does the comparison after Generate.
    settle(page)
    sentence.locator("xpath=following::*[@data-testid='stButton'][1]").get_by_role(
        "button", name="Fix in Generation").click()
    expect(page.get_by_role("heading", name="Generation")).to_be_visible()
    expect(page.get_by_text("Opened from a finding about race & sex")).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    settle(page)
    expect(page.get_by_role("combobox", name="Compare groups of")).to_have_value("race&sex")
    shot("generation_before_after")
    page.get_by_role("button", name="Use the generated table as the synthetic side").click()
    expect(page.get_by_text("Adopted: generated (")).to_be_visible()
    settle(page)
    shot("generation_adopted_confirmation")

    go_to(page, "Notes & export")
    expect(page.get_by_role("heading", name="Resolved findings")).to_be_visible()
    expect(page.get_by_test_id("stMain")).to_contain_text("Regenerate from the real rows")
    settle(page)
    page.get_by_role("heading", name="Resolved findings").scroll_into_view_if_needed()
    shot("notes_resolved_after_adoption")
