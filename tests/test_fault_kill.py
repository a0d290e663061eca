"""Real browser + SIGKILL: the dashboard killed in the middle of a note autosave, an upload, a
generation's adoption or a registry write (SQLite and PostgreSQL) comes back with every
acknowledged write, nothing half-written and no temporary file left.

Each server is started armed at a named fault point (foundation/faults.py): the n-th time it gets
there, the data is written but not yet committed (renamed, or COMMITted), it writes a marker file
and blocks; the test waits for that marker and kills the process exactly then.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import SAMPLES, SCREENSHOTS, save_note, settle, type_note, upload
from fault_server import CrashableApp, PostgresServer, leftovers, registry_cli, session_token
from playwright.sync_api import Page, expect

from fairsynth.foundation.paths import resource
from fairsynth.governance.notes_store import load_session_notes
from fairsynth.governance.registry.store import Registry
from fairsynth.governance.session_store import UPLOADS_SUBDIR, kept_file, load_pointer

pytestmark = pytest.mark.browser
LONG = 120_000
USER = "tester"


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A data folder with a registry (USER is admin, project `demo`) and the servers over it."""
    data = tmp_path / "data"
    env = {"FAIRSYNTH_USER": USER}
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(data))
    monkeypatch.delenv("FAIRSYNTH_REGISTRY_URL", raising=False)
    crashable = CrashableApp(data=data, marker=tmp_path / "paused", env=env)
    try:
        yield crashable
    finally:
        crashable.stop()


@pytest.fixture
def pair_files(tmp_path):
    """Two small uploadable CSVs, and a third real file with other bytes."""
    real = pd.read_parquet(SAMPLES / "adult.parquet").sample(2000, random_state=1)
    synth = pd.read_parquet(SAMPLES / "adult_synthetic.parquet").sample(2000, random_state=2)
    paths = {"real": tmp_path / "mine_real.csv", "synthetic": tmp_path / "mine_synthetic.csv",
             "other": tmp_path / "other_real.csv"}
    real.to_csv(paths["real"], index=False)
    synth.to_csv(paths["synthetic"], index=False)
    real.iloc[::-1].to_csv(paths["other"], index=False)
    return paths


def shot(page: Page, name: str) -> None:
    folder = SCREENSHOTS / "fault"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def go(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=LONG)


def upload_pair(page: Page, files: dict) -> str:
    """Upload the pair on the Data page; the session token once the pair is loaded (and kept)."""
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=LONG)
    page.get_by_role("tab", name="Upload your own").click()
    upload(page, 0, files["real"])
    upload(page, 1, files["synthetic"])
    expect(page.get_by_text("Uploaded pair loaded")).to_be_visible(timeout=LONG)
    settle(page)
    return session_token(page.url)


def expect_restored_upload(page: Page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Restored upload: mine_real.csv + mine_synthetic.csv",
                                    timeout=LONG)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_kill_during_note_autosave_keeps_the_saved_note(page: Page, app: CrashableApp):
    url = app.start("notes@2")
    page.goto(url)
    go(page, "Notes & export")
    expect(page.get_by_role("tab", name="Findings")).to_be_visible(timeout=LONG)
    forms = page.get_by_test_id("stExpander").filter(has_text="Mitigation note")
    save_note(page, forms.nth(0), "First note, acknowledged")
    expect(page.get_by_text("note: open")).to_have_count(1, timeout=LONG)
    settle(page)
    token = session_token(page.url)
    # The second save hangs mid-write, so save_note cannot look at its result: the note is typed
    # until the idle page keeps it, then submitted once.
    type_note(page, forms.nth(1), "Second note, killed")
    forms.nth(1).get_by_role("button", name="Save note").click()
    app.wait_paused()
    # Caught in the act: the new notes are on disk under a temporary name, not yet renamed.
    assert [p.parent.name for p in leftovers(app.data)] == ["notes"]
    app.kill()

    url = app.start()
    assert leftovers(app.data) == []
    assert [n.action for n in load_session_notes(token)] == ["First note, acknowledged"]
    page.goto(f"{url}/?s={token}")
    go(page, "Notes & export")
    expect(page.get_by_text("note: open")).to_have_count(1, timeout=LONG)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "notes_after_kill")


def test_kill_during_an_upload_keeps_the_pair_loaded_before(page: Page, app: CrashableApp, pair_files):
    # Two kept files for the first pair; the third write is the new real file of a second upload.
    url = app.start("upload@3")
    page.goto(url)
    token = upload_pair(page, pair_files)
    before = load_pointer(token)
    upload(page, 0, pair_files["other"])
    app.wait_paused()
    assert [p.parent.parent.name for p in leftovers(app.data)] == [UPLOADS_SUBDIR]
    app.kill()

    url = app.start()
    assert leftovers(app.data) == []
    # The killed upload left no folder, no file; the acknowledged pair is whole and restorable.
    kept = sorted(p.name for p in (app.data / UPLOADS_SUBDIR).iterdir())
    assert kept == sorted(spec["sha256"] for spec in before.sides.values())
    assert all(kept_file(sha) is not None for sha in kept)
    assert load_pointer(token) == before
    page.goto(f"{url}/?s={token}")
    expect_restored_upload(page)
    shot(page, "upload_after_kill")


def test_kill_during_generation_keeps_the_pair_loaded_before(page: Page, app: CrashableApp, pair_files):
    url = app.start("generation")
    page.goto(url)
    token = upload_pair(page, pair_files)
    before = load_pointer(token)
    go(page, "Generation")
    expect(page.get_by_role("heading", name="Expected effect")).to_be_visible(timeout=LONG)
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible(timeout=LONG)
    # Adopting writes the generated side as Parquet: the kill lands before its rename.
    page.get_by_role("button", name="Use the generated table as the synthetic side").click()
    app.wait_paused()
    assert [p.suffix for p in leftovers(app.data)] == [".parquet"]
    app.kill()

    url = app.start()
    assert leftovers(app.data) == []
    assert load_pointer(token) == before
    assert len(list((app.data / UPLOADS_SUBDIR).iterdir())) == 2
    page.goto(f"{url}/?s={token}")
    expect_restored_upload(page)
    expect(page.get_by_test_id("stSidebar")).not_to_contain_text("generated")
    shot(page, "generation_after_kill")


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_app(request, app: CrashableApp, monkeypatch):
    """The app over a registry on SQLite (in the data folder) or on a PostgreSQL server."""
    server = None
    if request.param == "postgresql":
        server = PostgresServer()
        app.env["FAIRSYNTH_REGISTRY_URL"] = server.url
        monkeypatch.setenv("FAIRSYNTH_REGISTRY_URL", server.url)
    reg = Registry.open()
    reg.init(USER)
    reg.create_project(USER, "demo", purpose="show the registry in the dashboard", uses=["demo"],
                       policy_toml=resource("policy.example.toml").read_text(), review_days=90)
    reg.close()
    try:
        yield app
    finally:
        app.stop()
        if server is not None:
            server.remove()


def save_to_registry(page: Page) -> None:
    page.get_by_test_id("stExpander").filter(has_text="Save to registry").locator("summary").click()
    page.get_by_role("button", name="Save to registry").click()


def test_kill_during_a_registry_write_keeps_the_acknowledged_save(page: Page, registry_app):
    app = registry_app
    url = app.start("registry@2")
    page.goto(url)
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=LONG)
    save_to_registry(page)
    expect(page.get_by_text("Saved to demo: real v1, synthetic v2, audit 1")).to_be_visible(
        timeout=LONG)
    settle(page)
    # The second save of the same pair records a second audit run: killed before its COMMIT.
    page.get_by_role("button", name="Save to registry").click()
    app.wait_paused()
    app.kill()

    url = app.start()
    assert leftovers(app.data) == []
    verify = registry_cli(app.env | {"FAIRSYNTH_DATA_DIR": str(app.data)}, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "The trail is intact" in verify.stdout
    reg = Registry.open()
    try:
        history = [event["action"] for event in reg.history("2")]
        latest = reg.details("2")["latest_audit"]
    finally:
        reg.close()
    assert history == ["register", "audit"] and latest["id"] == 1
    # The restarted app writes on top of the recovered registry. (The run's id is not asserted:
    # PostgreSQL does not give back a sequence number a rolled-back transaction drew.)
    page.goto(url)
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=LONG)
    save_to_registry(page)
    expect(page.get_by_text(re.compile(r"Saved to demo: real v1, synthetic v2, audit \d+ "))
           ).to_be_visible(timeout=LONG)
    verify = registry_cli(app.env | {"FAIRSYNTH_DATA_DIR": str(app.data)}, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    reg = Registry.open()
    try:
        assert [event["action"] for event in reg.history("2")] == ["register", "audit", "audit"]
    finally:
        reg.close()
    shot(page, "registry_after_kill")
