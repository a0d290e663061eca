"""Journey 2, the stakeholder demo: every page on the bundled data, no traceback, a drawn chart."""

from __future__ import annotations

import pytest
from conftest import SCREENSHOTS, go_to, open_app, open_evidently_report, pick_sample, settle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Sidebar title -> whether the page draws a chart on the default (Adult) pair without a click.
ADULT_PAGES = {
    "Representativeness": True,
    "Fairness": True,
    "Drift": False,  # Adult has no dates: the page says how to set a time role
    "Generation": False,
    "Privacy": True,
    "Notes & export": False,
}


def _open(page: Page, title: str, *, chart: bool) -> None:
    go_to(page, title)
    if chart:
        drawn = page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first
        expect(drawn).to_be_visible()
    if title == "Notes & export":
        # The audit runs on first visit; the findings list is the page's content.
        expect(page.get_by_role("tab", name="Findings")).to_be_visible()
    settle(page)  # an exception drawn late in the run would be missed by an earlier look
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_every_page_opens_cleanly_on_the_bundled_pair(page: Page, app_url: str, shot):
    open_app(page, app_url)
    for title, chart in ADULT_PAGES.items():
        _open(page, title, chart=chart)
        shot(f"demo_adult_{title.split()[0].lower()}")


def test_drift_page_on_compas_by_month(page: Page, app_url: str, shot):
    open_app(page, app_url)
    pick_sample(page, "ProPublica COMPAS")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("7,214 rows")
    _open(page, "Drift", chart=True)
    expect(page.get_by_text("Drift began")).to_be_visible()
    shot("demo_compas_drift")
    # The report's over-time charts: the ratio is undefined once the outcome vanishes, and said so.
    note = page.get_by_text("Disparate impact of race is undefined in 8 of 24 windows")
    note.scroll_into_view_if_needed()
    expect(note).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "demo_compas_drift_impact_over_time.png"))
    # evidently's own report for a window opens inside the page.
    open_evidently_report(page, "Drift")
    shot("demo_compas_evidently")
