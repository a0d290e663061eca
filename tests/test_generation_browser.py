"""Real-browser journey on the Generation page: expected effect, generate, before/after, adopt."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_generate_and_adopt_on_the_default_sample(page: Page, app_url: str, shot):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(app_url)
    # Wait for st.navigation to replace the default pages/ listing before clicking a link.
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Generation").click()
    expect(page.get_by_role("heading", name="Generation")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Expected effect")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first).to_be_visible(
        timeout=30_000)
    shot("generation_expected")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(5, timeout=30_000)
    shot("generation_before_after")
    page.get_by_role("button", name="Use the generated table as the synthetic side").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("generated", timeout=60_000)
    shot("generation_adopted")
