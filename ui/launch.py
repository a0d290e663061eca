"""Start Streamlit with st.navigation as the only router (`python -m ui.launch run app.py ...`).

Streamlit treats a folder named pages/ next to the main script as a legacy multipage app
until the first st.navigation call in the process; a deep link such as /fairness opened
first on a fresh server would then run the page without app.py (no default pair, raw file
names in the sidebar). Declaring up front that navigation is used avoids that.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the Streamlit CLI with the legacy pages/ folder handling switched off."""
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())



def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(*, port: int | None = None, env: dict[str, str] | None = None,
                 timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """Start the dashboard headless on loopback (tests, load runs) and wait until it is healthy."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "ui.launch", "run", str(ROOT / "app.py"),
           "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the app did not become healthy within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started by `start_server`, by its process."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == "__main__":
    main()
