"""Large-upload load run: 8 browser sessions at once each upload a large pair and walk every page,
while the server's resident memory is sampled against its configured budget.

`make load-large` (or `python bench/load_large.py [--sessions 8] [--mb 100] [--server-mb N]`).
Writes one large pair into a temporary folder (the bundled Adult sample and its synthetic
counterpart, resampled with replacement to --mb MB of CSV per side), starts the dashboard with
FAIRSYNTH_SERVER_MEMORY_MB=--server-mb, and has every session at the same time: open the Data
page, upload both files, wait for "Uploaded pair loaded" or a refusal, then open every page.
A refusal is not an error when it says why (it names the busy server or a budget): those are
counted and printed. Any traceback box, other error message or timeout is an error. Meanwhile the
resident set size of the server's process tree is read from /proc every SAMPLE_SECONDS; the run
passes when no session had an error and the peak stayed under the budget. Exits 1 otherwise.
Page times are printed for reading only: the page targets are `make load`'s, on the bundled samples.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd

# Parsing a large CSV takes tens of seconds per session on a busy 2-core machine: a step may wait
# longer than the sample walk's default (read by load_test at import).
os.environ.setdefault("FAIRSYNTH_LOAD_STEP_TIMEOUT", "900")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_test  # noqa: E402
from load_test import PAGES, ROOT, Session, open_page, process_tree, settled  # noqa: E402
from playwright.async_api import async_playwright, expect  # noqa: E402

from fairsynth.foundation.memory_budget import MB, SERVER_BUDGET_ENV  # noqa: E402
from fairsynth.ui.launch import start_server, stop_server  # noqa: E402

SAMPLE_SECONDS = 0.25
RUN_TIMEOUT = 2400
# What a refusal says: foundation.memory_budget's sentences (busy server, session or server budget).
REFUSAL_MARKS = ("The server is busy with", "a session may use", "server's budget leaves")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def write_large_pair(folder: Path, mb: float) -> tuple[Path, Path]:
    """The bundled Adult pair resampled with replacement to about `mb` MB of CSV per side."""
    paths = []
    for seed, name in enumerate(("adult.parquet", "adult_synthetic.parquet")):
        frame = pd.read_parquet(ROOT / "sample_data" / name)
        bytes_per_row = len(frame.head(2000).to_csv(index=False).encode()) / 2000
        rows = int(mb * 1e6 / bytes_per_row)
        path = folder / f"large_{name.removesuffix('.parquet')}.csv"
        frame.sample(rows, replace=True, random_state=seed).to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]


def tree_rss(root_pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc (0 once it is gone)."""
    total = 0
    for pid in process_tree(root_pid):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    """Samples the server tree's resident memory until stopped; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples = pid, 0, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, tree_rss(self.pid))
            self.samples += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


async def analyst(browser, url: str, session: Session, files: tuple[Path, Path],
                  refusals: list[str]) -> None:
    """Open the Data page, upload the large pair, walk every page."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1600})
    page = await context.new_page()
    timeout = load_test.STEP_TIMEOUT * 1000
    try:
        await page.goto(url)
        await expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=timeout)
        await settled(page)
        # The uploaders and their messages live in the Data page's second tab.
        await page.get_by_role("tab", name="Upload your own").click()
        start = time.perf_counter()
        for index, path in enumerate(files):
            await settled(page)
            await page.get_by_test_id("stFileUploaderDropzoneInput").nth(index).set_input_files(str(path))
            if index == 0:  # once the second file is in, the pair loads and the page is redrawn
                await expect(page.get_by_test_id("stFileUploader").nth(index)).to_contain_text(
                    path.name, timeout=timeout)
        loaded = page.get_by_text("Uploaded pair loaded")
        alert = page.get_by_test_id("stAlertContentError")
        await expect(loaded.or_(alert).first).to_be_visible(timeout=timeout)
        await settled(page)
        if await alert.count():
            text = await alert.first.inner_text()
            if any(mark in text for mark in REFUSAL_MARKS):
                refusals.append(text)
                session.times["Data (upload refused)"] = time.perf_counter() - start
            else:
                session.errors.append(f"upload: {text[:160]}")
        else:
            session.times["Data (upload loaded)"] = time.perf_counter() - start
        outcome = next((step.split()[-1].rstrip(")") for step in session.times if "upload" in step), "failed")
        print(f"  session {session.number}: upload {outcome} after {time.perf_counter() - start:.0f} s",
              flush=True)
        if await page.get_by_test_id("stException").count():
            session.errors.append("Data: exception box")
        for link, heading in PAGES.items():
            await open_page(page, link, heading, session)
        print(f"  session {session.number}: every page walked", flush=True)
    except Exception as exc:  # a load run reports every failure instead of stopping at one
        session.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        shots = ROOT / "test-results"
        shots.mkdir(exist_ok=True)
        await page.screenshot(path=str(shots / f"load_large_failure_{session.number}.png"), full_page=True)
    finally:
        await context.close()


async def run(url: str, n_sessions: int, files: tuple[Path, Path]) -> tuple[list[Session], list[str]]:
    sessions, refusals = [Session(i) for i in range(n_sessions)], []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=load_test.shutil.which("chromium"),
                                           args=load_test.CHROMIUM_ARGS)
        try:
            await asyncio.wait_for(asyncio.gather(
                *(analyst(browser, url, s, files, refusals) for s in sessions)), timeout=RUN_TIMEOUT)
        finally:
            await browser.close()
    return sessions, refusals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--mb", type=float, default=100, help="MB of CSV per side (default 100)")
    parser.add_argument("--server-mb", type=int, default=8192,
                        help=f"the server's memory budget ({SERVER_BUDGET_ENV}) for this run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fairsynth_load_large_") as folder:
        files = write_large_pair(Path(folder), args.mb)
        sizes = " + ".join(f"{p.stat().st_size / MB:,.0f} MB" for p in files)
        print(f"{args.sessions} sessions, each uploading {sizes}; server budget {args.server_mb:,} MB")
        env = {"FAIRSYNTH_DATA_DIR": str(Path(folder) / "data"), SERVER_BUDGET_ENV: str(args.server_mb)}
        proc, url = start_server(env=env)
        sampler = RssSampler(proc.pid)
        sampler.start()
        try:
            start = time.perf_counter()
            sessions, refusals = asyncio.run(run(url, args.sessions, files))
            wall = time.perf_counter() - start
        finally:
            sampler.stop()
            stop_server(proc)
    # The page targets are make load's, on the bundled samples; here a page works on 1M uploaded rows.
    failed = load_test.report(sessions, wall, page_targets=False)
    print(f"\nrefused loads: {len(refusals)}")
    for text, n in Counter(refusals).items():
        print(f"  {n} x {text}")
    loaded = sum("Data (upload loaded)" in s.times for s in sessions)
    print(f"loaded large pairs: {loaded}")
    under = sampler.peak < args.server_mb * MB
    load = os.getloadavg()
    print(f"\npeak RSS of the server's process tree: {sampler.peak / MB:,.0f} MB over {sampler.samples} "
          f"samples; budget {args.server_mb:,} MB (ratio {sampler.peak / (args.server_mb * MB):.2f}): "
          f"{'PASS' if under else 'FAIL'}")
    print(f"machine load average (1/5/15 min) at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 1 if failed or not under else 0


if __name__ == "__main__":
    raise SystemExit(main())
