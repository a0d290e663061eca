"""Shared fixtures: the bundled samples, and a live app server with Debian Chromium for browser tests."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from fairsynth.ui.launch import start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
SCREENSHOTS = ROOT / "screenshots"

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


def start_app(env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start the dashboard on a free loopback port and wait until it is healthy."""
    return start_server(env=env)


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


def settle(page, timeout: float = 60) -> None:
    """Wait until Streamlit's run is over (no status widget, no spinner for half a second)."""
    quiet_since, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = page.get_by_test_id("stStatusWidget").count() + page.get_by_test_id("stSpinner").count()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 0.5:
            return
        page.wait_for_timeout(100)
    raise TimeoutError("the page kept running")


def upload(page, index: int, path: Path) -> None:
    """Put a file into the index-th uploader once the page is idle, and wait until it is listed.

    A file set while a rerun replaces the uploader is lost, as it would be for a person
    dropping a file at that moment; waiting for the page to settle first avoids the race.
    """
    settle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").nth(index).set_input_files(str(path))
    expect(page.get_by_test_id("stFileUploader").nth(index)).to_contain_text(path.name, timeout=30_000)
