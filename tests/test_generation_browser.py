"""Real-browser journey on the Generation page: expected effect, generate, before/after, adopt."""

from __future__ import annotations

import pytest
from conftest import go_to, open_app, settle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_generate_and_adopt_on_the_default_sample(page: Page, app_url: str, shot):
    page.set_viewport_size({"width": 1400, "height": 1000})
    # Wait for st.navigation to replace the default pages/ listing before clicking a link.
    open_app(page, app_url)
    go_to(page, "Generation")
    expect(page.get_by_role("heading", name="Expected effect")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first).to_be_visible()
    shot("generation_expected")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(5)
    settle(page)  # the adopt button is redrawn until the run ends
    shot("generation_before_after")
    page.get_by_role("button", name="Use the generated table as the synthetic side").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("generated")
    shot("generation_adopted")
