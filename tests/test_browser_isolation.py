"""Two browsers at once keep their data, results and notes apart; notes survive a reload and a restart.

The app runs on a fixed loopback port with its own FAIRSYNTH_DATA_DIR (a temporary folder), so
a restart serves the very same URL. Notes are read back through the Notes (JSON) download, the
same bytes a person would keep.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from conftest import SCREENSHOTS, go_to, open_app, settle, start_app, upload
from playwright.sync_api import Page, expect

from fairsynth.governance.notes_store import is_valid_token
from fairsynth.ui.launch import free_port, stop_server

pytestmark = pytest.mark.browser
# Each session's data has group names and a city the other's never has.
SIDES = {
    "alpha": {"race": ["Alphan", "Betan"], "city": "Alphaville", "rows": 120},
    "bravo": {"race": ["Gamman", "Deltan"], "city": "Bravoburg", "rows": 90},
}


class Server:
    """The dashboard on a fixed port, stoppable and restartable on that port."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"FAIRSYNTH_DATA_DIR": str(data_dir)}
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc, _ = start_app(self.env, port=self.port)

    def stop(self) -> None:
        if self.proc is not None:
            stop_server(self.proc)
            self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("fairsynth_data"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def pair_files(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("pairs")
    out = {}
    for name, spec in SIDES.items():
        rng = np.random.default_rng(len(name))
        paths = []
        for side in ("real", "synthetic"):
            n = spec["rows"]
            frame = pd.DataFrame({
                "race": rng.choice(spec["race"], n), "sex": rng.choice(["Female", "Male"], n),
                "city": spec["city"], "hours": rng.normal(40, 5, n).round(1),
                "income": rng.choice([">50K", "<=50K"], n),
            })
            path = folder / f"{name}_{side}.csv"
            frame.to_csv(path, index=False)
            paths.append(path)
        out[name] = tuple(paths)
    return out


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _open_page(page: Page, title: str, heading: str) -> None:
    go_to(page, title, heading)


def _upload(page: Page, files: tuple[Path, Path]) -> None:
    expect(page.get_by_role("heading", name="Data")).to_be_visible()
    settle(page)
    page.get_by_role("tab", name="Upload your own").click()
    upload(page, 0, files[0])
    upload(page, 1, files[1])
    expect(page.get_by_text("Uploaded pair loaded")).to_be_visible()
    settle(page)


def _add_note(page: Page, text: str) -> None:
    settle(page)
    page.get_by_role("tab", name="Free notes").click()
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Add note"))
    form.get_by_label("Note", exact=True).fill(text)
    form.get_by_label("Owner").fill(f"owner of {text}")
    form.get_by_role("button", name="Add note").click()
    # The form clears on submit; the rerun draws the notes table.
    expect(form.get_by_label("Note", exact=True)).to_have_value("")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()


def _downloaded_notes(page: Page) -> list[dict]:
    settle(page)  # the download button is redrawn, with its bytes, until the run ends
    page.get_by_role("tab", name="Export").click()
    settle(page)  # opening the tab reruns the page, which builds the files for its buttons
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Notes (JSON)").get_by_role("button")
    with page.expect_download() as info:
        button.click()
    return json.loads(Path(info.value.path()).read_text(encoding="utf-8"))["notes"]


def _token(page: Page) -> str:
    settle(page)  # the first run of a visit is what writes the token into the address
    tokens = parse_qs(urlparse(page.url).query).get("s", [])
    assert len(tokens) == 1 and is_valid_token(tokens[0]), page.url
    return tokens[0]


def test_two_sessions_at_once_see_only_their_own_data_results_and_notes(
        new_context, server: Server, pair_files):
    pages = {}
    for name in SIDES:
        pages[name] = new_context(accept_downloads=True).new_page()
        pages[name].goto(server.url)
    # Interleaved, so both sessions are live on the server at the same time.
    for name, page in pages.items():
        _upload(page, pair_files[name])
    for name, page in pages.items():
        other = next(n for n in SIDES if n != name)
        settle(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text(f"{name}_real.csv")
        expect(sidebar).to_contain_text(f"{SIDES[name]['rows']:,} rows")
        expect(sidebar).not_to_contain_text(other)
    assert _token(pages["alpha"]) != _token(pages["bravo"])

    for page in pages.values():
        _open_page(page, "Representativeness", "Representativeness")
        expect(page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first).to_be_attached()
    for name, page in pages.items():
        other = next(n for n in SIDES if n != name)
        settle(page)
        body = page.get_by_test_id("stMain")
        expect(body).to_contain_text(SIDES[name]["race"][0])
        for group in SIDES[other]["race"]:
            expect(body).not_to_contain_text(group)
        _shot(page, f"isolation_{name}_representativeness")

    for name, page in pages.items():
        _open_page(page, "Notes & export", "Notes & export")
        _add_note(page, f"note written by {name}")
    for name, page in pages.items():
        notes = _downloaded_notes(page)
        assert [n["action"] for n in notes] == [f"note written by {name}"]
        _shot(page, f"isolation_{name}_notes")
        page.context.close()


def test_notes_survive_a_reload_and_a_server_restart(new_context, server: Server, pair_files):
    context = new_context(accept_downloads=True)
    page = context.new_page()
    open_app(page, server.url)
    token = _token(page)
    _open_page(page, "Notes & export", "Notes & export")
    assert _token(page) == token  # kept across page switches
    _add_note(page, "kept across reloads")
    url = page.url

    page.reload()
    expect(page.get_by_role("heading", name="Notes & export")).to_be_visible()
    assert _token(page) == token
    assert [n["action"] for n in _downloaded_notes(page)] == ["kept across reloads"]

    server.stop()
    server.start()
    page.goto(url)
    expect(page.get_by_role("heading", name="Notes & export")).to_be_visible()
    notes = _downloaded_notes(page)
    assert [(n["action"], n["owner"]) for n in notes] == [
        ("kept across reloads", "owner of kept across reloads")]
    page.get_by_role("tab", name="Free notes").click()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    _shot(page, "notes_after_restart")

    # A new visit without the token starts empty, with a new token of its own.
    fresh = context.new_page()
    fresh.goto(server.url + "/notes")
    expect(fresh.get_by_role("heading", name="Notes & export")).to_be_visible()
    assert _token(fresh) != token
    assert _downloaded_notes(fresh) == []
    context.close()


def test_a_forged_token_cannot_name_another_path(new_context, server: Server):
    context = new_context()
    page = context.new_page()
    page.goto(server.url + "/notes?s=..%2F..%2Fetc%2Fpasswd")
    expect(page.get_by_role("heading", name="Notes & export")).to_be_visible()
    token = _token(page)  # after the first run, which replaces the forged token
    assert "passwd" not in page.url and is_valid_token(token)
    context.close()
