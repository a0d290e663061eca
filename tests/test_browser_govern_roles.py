"""Real browser, trusted-header mode: three people at once, each a Playwright context with its own
X-Forwarded-User header. The analyst is shown no Approve button, the approver approves, the viewer
sees the decision and files a concern; the trail names all three with their roles and still verifies."""

from __future__ import annotations

import pytest
from conftest import SCREENSHOTS, settle, start_app
from govern_registry import build_registry
from playwright.sync_api import expect

from fairsynth.governance.registry.store import Registry
from fairsynth.ui.launch import stop_server

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path, monkeypatch):
    env = {"FAIRSYNTH_DATA_DIR": str(tmp_path / "data"), "FAIRSYNTH_AUTH": "header"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FAIRSYNTH_REGISTRY_URL", raising=False)
    versions = build_registry(tmp_path)
    proc, url = start_app(env)
    try:
        yield url, versions
    finally:
        stop_server(proc)


def open_version(new_context, url: str, user: str):
    context = new_context(extra_http_headers={"X-Forwarded-User": user})
    page = context.new_page()
    page.goto(f"{url}/govern_version")
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Signed in as {user}")
    settle(page)
    # The newest version (the failing one) opens first; pick the passing one, v2.
    page.get_by_test_id("stSelectbox").filter(has_text="Version").click()
    page.get_by_role("option", name="v2 · adult · synthetic").click()
    expect(page.get_by_role("heading", name="v2 · passing.csv")).to_be_visible()
    settle(page)
    return context, page


def test_analyst_approver_viewer(new_context, server):
    url, versions = server
    bob, page = open_version(new_context, url, "bob")
    try:
        expect(page.get_by_test_id("stSidebar")).to_contain_text("bob · analyst")
        expect(page.get_by_role("button", name="File a concern")).to_be_visible()
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    finally:
        bob.close()

    carol, page = open_version(new_context, url, "carol")
    try:
        page.get_by_role("button", name="Approve").click()
        settle(page)  # the click's rerun draws the reason form
        page.get_by_label("Reason (required)").fill("the latest audit passes the charter's policy")
        page.get_by_role("button", name="Confirm: approve").click()
        expect(page.get_by_text("Approve: recorded for v2.")).to_be_visible()
        expect(page.get_by_role("heading", name="v2 · passing.csv")).to_contain_text("approved")
    finally:
        carol.close()

    vic, page = open_version(new_context, url, "vic")
    try:
        expect(page.get_by_test_id("stSidebar")).to_contain_text("vic · viewer")
        for label in ("Approve", "Reject", "Retire", "Flag", "Reopen"):
            expect(page.get_by_role("button", name=label, exact=True)).to_have_count(0)
        page.get_by_role("tab", name="Decisions").click()
        expect(page.get_by_text("approve by carol")).to_be_visible()
        page.get_by_role("button", name="File a concern").click()
        settle(page)
        page.get_by_label("Concern").fill("Please add the 2025 data before the next review.")
        page.get_by_role("button", name="Confirm: file a concern").click()
        expect(page.get_by_text("File a concern: recorded for v2.")).to_be_visible()
        page.get_by_role("tab", name="Trail").click()
        settle(page)
        (SCREENSHOTS / "govern").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "govern" / "version_viewer_trail.png"), full_page=True)
    finally:
        vic.close()

    reg = Registry.open()
    try:
        trail = reg.history(str(versions["passing"]))
        assert {(e["actor"], e["role"]) for e in trail} >= {("bob", "analyst"), ("carol", "approver"),
                                                              ("vic", "viewer")}
        assert [e["action"] for e in trail[-2:]] == ["approve", "concern"]
        report = reg.verify()
        assert report.valid, report.sentence()
    finally:
        reg.close()
