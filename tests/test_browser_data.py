"""Real-browser journey on the Data page: the Adult sample is shown, a pick and uploads work."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import open_app, pick_sample, settle, upload
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"


def test_adult_sample_preview_and_uploads(page: Page, app_url: str, shot):
    open_app(page, app_url)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Protected: race, sex")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()

    pick_sample(page, "UCI Adult vs a faithful synthetic")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("48,842 rows")
    shot("data_adult_sample")

    page.get_by_role("tab", name="Upload your own").click()
    upload(page, 0, DATA / "good" / "latin1_semicolon.csv")
    upload(page, 1, DATA / "bad" / "binary_garbage.csv")
    expect(page.get_by_text("binary data, not text")).to_be_visible()
    settle(page)  # the pair before is still active once the refusing run is over
    expect(page.get_by_test_id("stSidebar")).to_contain_text("48,842 rows")
    shot("data_bad_upload")

    upload(page, 1, DATA / "good" / "utf8_bom.csv")
    expect(page.get_by_text("Uploaded pair loaded")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("latin1_semicolon.csv")
    shot("data_uploaded_pair")
