"""Journey 2, the stakeholder demo: every page on the bundled data, no traceback, a drawn chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Page title in the sidebar -> whether it draws a chart without any click.
PAGES = {
    "Representativeness": True,
    "Fairness": True,
    "Drift": True,
    "Generation": False,
    "Privacy": False,
    "Notes & export": False,
}


def test_every_page_opens_cleanly_on_the_bundled_pair(page: Page, app_url: str, shot):
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=30_000)
    nav = page.get_by_test_id("stSidebarNav")
    for title, draws_chart in PAGES.items():
        nav.get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        if draws_chart:
            chart = page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first
            expect(chart).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        shot(f"demo_{title.split()[0].lower()}")
