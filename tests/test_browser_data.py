"""Real-browser journey on the Data page: the Adult sample is shown, a pick and uploads work."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import upload
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"


def test_adult_sample_preview_and_uploads(page: Page, app_url: str, shot):
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Protected: race, sex")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)

    page.get_by_test_id("stSelectbox").filter(has_text="Sample pair").click()
    page.get_by_role("option", name="UCI Adult vs a faithful synthetic").click()
    page.get_by_role("button", name="Load sample").click()
    expect(page.get_by_text("Loaded UCI Adult vs a faithful synthetic")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("48,842 rows")
    shot("data_adult_sample")

    page.get_by_role("tab", name="Upload your own").click()
    upload(page, 0, DATA / "good" / "latin1_semicolon.csv")
    upload(page, 1, DATA / "bad" / "binary_garbage.csv")
    expect(page.get_by_text("binary data, not text")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("48,842 rows")
    shot("data_bad_upload")

    upload(page, 1, DATA / "good" / "utf8_bom.csv")
    expect(page.get_by_text("Uploaded pair loaded")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("latin1_semicolon.csv")
    shot("data_uploaded_pair")
