"""Real browser: an uploaded pair and its roles survive a reload and a server restart; saved to the
registry, it shows on the Govern pages and reopens from the registry in a fresh browser session."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import SAMPLES, SCREENSHOTS, open_app, settle, start_app, upload
from playwright.sync_api import Page, expect

from fairsynth.foundation.paths import resource
from fairsynth.governance.registry.store import Registry
from fairsynth.ui.launch import stop_server

pytestmark = pytest.mark.browser
USER = "tester"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """Two uploadable CSVs and a data folder whose registry has a project and USER as admin."""
    real = pd.read_parquet(SAMPLES / "adult.parquet").sample(2000, random_state=1)
    synth = pd.read_parquet(SAMPLES / "adult_synthetic.parquet").sample(2000, random_state=2)
    paths = tmp_path / "mine_real.csv", tmp_path / "mine_synthetic.csv"
    real.to_csv(paths[0], index=False)
    synth.to_csv(paths[1], index=False)
    env = {"FAIRSYNTH_DATA_DIR": str(tmp_path / "data"), "FAIRSYNTH_USER": USER}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FAIRSYNTH_REGISTRY_URL", raising=False)
    reg = Registry.open()
    reg.init(USER)
    reg.create_project(USER, "demo", purpose="show the registry in the dashboard",
                       uses=["demo"], policy_toml=resource("policy.example.toml").read_text(),
                       review_days=90)
    reg.close()
    return paths, env


def shot(page: Page, name: str) -> None:
    folder = SCREENSHOTS / "govern"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def expect_restored(page: Page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("mine_real.csv (2,000 rows)")
    expect(sidebar).to_contain_text("Protected: sex")
    expect(sidebar).not_to_contain_text("Protected: race")
    expect(sidebar).to_contain_text(re.compile(r"Restored upload: mine_real\.csv \+ "
                                               r"mine_synthetic\.csv with its roles, saved \d"))
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    settle(page)


def test_pair_survives_reload_and_restart_then_registry(page: Page, new_context, setup):
    (real_path, synth_path), env = setup
    proc, url = start_app(env)
    try:
        open_app(page, url)
        expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Signed in as {USER}")
        page.get_by_role("tab", name="Upload your own").click()
        upload(page, 0, real_path)
        upload(page, 1, synth_path)
        expect(page.get_by_text("Uploaded pair loaded")).to_be_visible()
        roles = page.get_by_test_id("stForm").filter(has_text="Apply roles")
        settle(page)
        roles.get_by_role("button", name="Remove race").first.click()
        roles.get_by_role("button", name="Apply roles").click()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Protected: sex")
        settle(page)
        token = re.search(r"[?&]s=([0-9a-f]{32})", page.url).group(1)

        page.reload()
        expect_restored(page)
        shot(page, "restored_after_reload")
    finally:
        stop_server(proc)

    proc, url = start_app(env)  # a new server process: nothing of the old one is in memory
    try:
        page.goto(f"{url}/?s={token}")
        expect_restored(page)
        shot(page, "restored_after_restart")

        page.get_by_test_id("stExpander").filter(has_text="Save to registry").locator("summary").click()
        save = page.get_by_role("button", name="Save to registry")
        # The form's button once the expander has opened and the page is idle: a click that lands
        # while the layout still moves, or a rerun replaces the form, submits nothing.
        expect(save).to_be_visible()
        settle(page)
        save.click()
        expect(page.get_by_text("Saved to demo: real v1, synthetic v2, audit 1")).to_be_visible()
        settle(page)

        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_role("link", name="Projects", exact=True).click()
        expect(page.get_by_text("Purpose · show the registry in the dashboard")).to_be_visible()
        settle(page)
        shot(page, "projects")
        nav.get_by_role("link", name="Datasets", exact=True).click()
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        settle(page)
        shot(page, "datasets")
        nav.get_by_role("link", name="Version", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("v2 · mine_synthetic.csv"))).to_be_visible()
        expect(page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first).to_be_visible()
        settle(page)
        shot(page, "version_audits")
        page.get_by_role("tab", name="Lineage").click()
        expect(page.get_by_test_id("stPlotlyChart").nth(1).locator(".main-svg").first).to_be_visible()
        settle(page)
        shot(page, "version_lineage")

        # A fresh browser session (no token in its URL) reopens the pair from the registry.
        other = new_context()
        try:
            fresh = other.new_page()
            fresh.goto(url)
            expect(fresh.get_by_test_id("stSidebar")).to_contain_text("sample:")
            settle(fresh)
            fresh.get_by_test_id("stSidebarNav").get_by_role("link", name="Version", exact=True).click()
            open_pair = fresh.get_by_role("button", name="Open this pair in the analysis pages")
            expect(open_pair).to_be_visible()
            settle(fresh)
            open_pair.click()
            expect(fresh.get_by_role("heading", name="Representativeness").first).to_be_visible()
            sidebar = fresh.get_by_test_id("stSidebar")
            expect(sidebar).to_contain_text("registry: v1 + v2")
            expect(sidebar).to_contain_text("Protected: sex")
            settle(fresh)
            expect(fresh.get_by_test_id("stException")).to_have_count(0)
            shot(fresh, "reopened_from_registry")
        finally:
            other.close()
    finally:
        stop_server(proc)
