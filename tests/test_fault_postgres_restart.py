"""Real browser: the registry's PostgreSQL server stops and starts again under a running dashboard.
The next action says so in one sentence (no traceback); the one after the database is back works,
with the same server process (no restart of the app)."""

from __future__ import annotations

import re

import pytest
from conftest import SCREENSHOTS, settle
from fault_server import CrashableApp, PostgresServer
from playwright.sync_api import Page, expect

from fairsynth.governance.registry.store import Registry

pytestmark = pytest.mark.browser
LONG = 120_000
USER = "tester"
PURPOSE = "Purpose · keep the trail through a database restart"
OUTAGE = re.compile(r"^The registry's database at postgresql\+psycopg://fairsynth@127\.0\.0\.1:\d+/"
                    r"postgres does not answer right now \([^()]+\); try again in a moment\.$")


@pytest.fixture
def database(monkeypatch):
    server = PostgresServer()
    monkeypatch.setenv("FAIRSYNTH_REGISTRY_URL", server.url)
    reg = Registry.open()
    reg.init(USER)
    reg.create_project(USER, "demo", purpose="keep the trail through a database restart")
    reg.close()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def app(tmp_path, database):
    crashable = CrashableApp(data=tmp_path / "data", marker=tmp_path / "unused",
                             env={"FAIRSYNTH_USER": USER, "FAIRSYNTH_REGISTRY_URL": database.url})
    try:
        yield crashable
    finally:
        crashable.stop()


def go(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=LONG)


def test_a_database_restart_is_one_sentence_then_recovered(page: Page, app, database):
    page.goto(app.start())
    go(page, "Projects")
    expect(page.get_by_text(PURPOSE)).to_be_visible(timeout=LONG)
    settle(page)
    pid = app.proc.pid

    database.stop()
    go(page, "Datasets")
    error = page.get_by_test_id("stMain").get_by_test_id("stAlert")
    expect(error).to_have_count(1, timeout=LONG)
    assert OUTAGE.match(error.inner_text().strip()), error.inner_text()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    settle(page)
    page.screenshot(path=str(SCREENSHOTS / "fault_postgres_down.png"), full_page=True)

    database.start()
    go(page, "Projects")
    expect(page.get_by_text(PURPOSE)).to_be_visible(timeout=LONG)
    expect(page.get_by_text("does not answer right now")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert app.proc.poll() is None and app.proc.pid == pid  # the same server process throughout
