"""Shared fixtures: the bundled samples, and a live app server with Debian Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from fairsynth.ui.launch import start_server, stop_server
from fairsynth.ui.page_signals import IDLE_JS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
SCREENSHOTS = ROOT / "screenshots"

# How long any wait in the suite may last (browser expectations and actions, server start, a CLI
# run, an AppTest script run) before the test fails. A bound, not a pause: every wait returns as
# soon as its signal shows. Alone the slowest wait takes well under a minute; with the 2 cores
# busy it can take several times that, so the default is generous; raise it on a slower machine
# with FAIRSYNTH_TEST_PATIENCE_S.
PATIENCE_S = float(os.environ.get("FAIRSYNTH_TEST_PATIENCE_S", "300"))
PATIENCE_MS = int(PATIENCE_S * 1000)
# How long the page must stay idle before settle() trusts it: a click's rerun request can still be
# on its way to the server when the page first looks idle.
QUIET_S = 0.5
expect.set_options(timeout=PATIENCE_MS)

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--disable-features=AutofillServerCommunication",
]


@pytest.fixture(autouse=True)
def _openlineage_events_in_tmp(tmp_path_factory, monkeypatch):
    """Every CLI run emits OpenLineage events: keep them out of the checkout's data folder and off
    any endpoint the machine configures (tests/test_openlineage_events.py sets its own)."""
    folder = tmp_path_factory.mktemp("openlineage")
    monkeypatch.setenv("FAIRSYNTH_OPENLINEAGE_FILE", str(folder / "events.jsonl"))
    for name in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def adult_real() -> pd.DataFrame:
    """The bundled real Adult sample (48,842 rows)."""
    return pd.read_parquet(SAMPLES / "adult.parquet")


@pytest.fixture(scope="session")
def compas_real() -> pd.DataFrame:
    """The bundled real COMPAS sample (7,214 rows)."""
    return pd.read_parquet(SAMPLES / "compas.parquet")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's chromium: Playwright's own browser download is not available here."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test`, which installs it.")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A tall window, so a screenshot shows a whole page (Streamlit scrolls inside its own frame)."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 2200}}


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's contexts (the `page` fixture's too), with the suite's patience as the
    default for every action, navigation and download wait instead of Playwright's 30 s.
    Tests needing a second browser session take this fixture rather than browser.new_context."""

    def patient(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(PATIENCE_MS)
        context.set_default_navigation_timeout(PATIENCE_MS)
        return context

    return patient


def start_app(env: dict[str, str] | None = None, port: int | None = None
              ) -> tuple[subprocess.Popen, str]:
    """Start the dashboard on a loopback port (a free one by default) and wait until it is healthy."""
    return start_server(port=port, env=env, timeout=PATIENCE_S)


@pytest.fixture(scope="session")
def app_url():
    """A running dashboard for the browser tests, stopped at the end of the session."""
    proc, url = start_app()
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture
def shot(page):
    """Save a full-page screenshot under test-results/screenshots for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# The page is idle: Streamlit's app root says its script is not running and the socket is
# connected (attributes Streamlit sets for its own end-to-end tests), and no spinner or status
# widget shows (a spinner or "Running..." appears only after half a second of a run).

def settle(page, timeout: float = PATIENCE_S) -> None:
    """Wait until Streamlit's run is over: the page idle (ui/page_signals.py) for QUIET_S in a row.

    Use it before acting on a widget a rerun could replace, and before asserting that something
    is absent (no exception, no stale text), which would otherwise pass while the run goes on.
    """
    quiet_since, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            idle = page.evaluate(IDLE_JS)
        except PlaywrightError:  # the document was being replaced (a reload): not idle yet
            idle = False
        if not idle:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_S:
            return
        page.wait_for_timeout(100)  # the polling interval, not a wait for anything
    raise TimeoutError(f"the page was still running after {timeout:.0f} s")


def upload(page, index: int, path: Path) -> None:
    """Put a file into the index-th uploader once the page is idle, and wait until it is listed.

    A file set while a rerun replaces the uploader is lost, as it would be for a person
    dropping a file at that moment; waiting for the page to settle first avoids the race.
    """
    settle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").nth(index).set_input_files(str(path))
    expect(page.get_by_test_id("stFileUploader").nth(index)).to_contain_text(path.name)


def open_app(page, url: str, heading: str = "Data") -> None:
    """Open the app at `url` and wait until its first run is over (st.navigation has replaced
    the default page list and the widgets are the ones a person would click)."""
    page.goto(url)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    settle(page)


def go_to(page, title: str, heading: str | None = None) -> None:
    """Follow the sidebar link `title` once the page is idle, and wait until the new page's run
    is over, so what the test looks at next is that page's finished state."""
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=heading or title).first).to_be_visible()
    settle(page)


def switch_on(page, label: str, attempts: int = 3) -> None:
    """Turn the switch `label` on as a person does: click it, let the page run, look, and click
    again only if it is still off.

    A click issued while the layout above the switch still moves (an expander opening, a chart
    resizing) can land where the switch no longer is and change nothing; the state is read again
    after every settled run, so a retry never turns off a click that worked."""
    switch = page.get_by_role("switch", name=label, exact=True)
    for _ in range(attempts):
        settle(page)
        if switch.is_checked():
            return
        page.get_by_test_id("stCheckbox").filter(has_text=label).get_by_text(label, exact=True).click()
        settle(page)
    expect(switch).to_be_checked()


def type_note(page, expander, action: str, *, owner: str | None = None, attempts: int = 3) -> None:
    """Type `action` (and `owner`) in the mitigation note form inside `expander`, again until the
    idle page still shows the text.

    Streamlit keeps a form's typed text in the browser only, until the form is submitted: a run
    that lands between the typing and the click (a late message on a busy machine) can redraw the
    form empty, and a click then submits nothing."""
    box = expander.get_by_label("Action", exact=True)
    for _ in range(attempts):
        settle(page)
        if not box.is_visible():
            expander.get_by_text("Mitigation note").click()
        box.fill(action)
        if owner is not None:
            expander.get_by_label("Owner", exact=True).fill(owner)
        settle(page)
        if box.input_value() == action:
            return
    expect(box).to_have_value(action)


def save_note(page, expander, action: str, *, owner: str | None = None, attempts: int = 3) -> None:
    """Type the note (type_note), click Save note, and look for the note's status as a person
    does; the whole is done again only when the idle page shows no saved note (a click the
    redrawn form swallowed). Saving twice updates the same note. A new note's status is one more
    "note: open" on the page, so notes already open elsewhere do not count as this one."""
    status = page.get_by_text("note: open")
    settle(page)
    before = status.count()
    for _ in range(attempts):
        type_note(page, expander, action, owner=owner)
        expander.get_by_role("button", name="Save note").click()
        settle(page)
        if status.count() > before:
            return
    expect(status).to_have_count(before + 1)


def open_evidently_report(page, expected_text: str):
    """Open the Drift page's evidently report and return its frame once it shows `expected_text`.

    The expander must be open before its switch is clicked (see switch_on); the report is the
    srcdoc of Streamlit's own frame element, and its text is the page's signal."""
    settle(page)
    expander = page.get_by_test_id("stExpander").filter(has_text="evidently's data drift report for one window")
    expander.get_by_text("evidently's data drift report for one window").click()
    expect(expander.get_by_test_id("stExpanderDetails")).to_be_visible()
    switch_on(page, "Build evidently's report")
    report = page.frame_locator('[data-testid="stIFrame"]')
    expect(report.locator("body")).to_contain_text(expected_text)
    settle(page)
    return report


def pick_sample(page, title: str) -> None:
    """Pick the bundled pair `title` on the Data page and load it, each step once the page is
    idle (picking an option reruns the page, which replaces the Load button), then wait for the
    page's own confirmation and for the run to end."""
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Sample pair").click()
    page.get_by_role("option", name=title).click()
    settle(page)
    page.get_by_role("button", name="Load sample").click()
    expect(page.get_by_text(f"Loaded {title}")).to_be_visible()
    settle(page)
