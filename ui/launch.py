"""Start the dashboard: `python -m fairsynth.ui.launch [--port N]` (what `fairsynth app` and `make run` call).

At start it removes the temporary files a killed server left in the data folder.

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

from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from fairsynth.foundation.constants import AUDIT_THREADS_ENV
from fairsynth.foundation.loading import MAX_UPLOAD_MB
from fairsynth.foundation.paths import clean_stale_temps, data_dir, resource

ROOT = resource()
# The hardened server settings, given as flags so they hold from any working folder (a config
# file would only be read from the folder the server starts in): loopback only, 200 MB upload cap
# (foundation.loading.MAX_UPLOAD_MB, the same cap for files read from disk), XSRF protection
# on, no static file serving (no server file is reachable by URL), no usage statistics.
SERVER_FLAGS = (
    "--server.headless", "true", "--server.address", "127.0.0.1",
    "--server.maxUploadSize", str(MAX_UPLOAD_MB),
    "--server.enableXsrfProtection", "true", "--server.enableStaticServing", "false",
    "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    "--client.toolbarMode", "minimal",
    # Streamlit runs a full gc.collect(2) after every script run by default; with several
    # sessions and large frames in memory that held the GIL for about a sixth of the server's
    # busy time under `make load` (py-spy). Python's own generational GC still runs.
    "--runner.postScriptGC", "false",
)


def command(port: int) -> list[str]:
    """The command line that serves the bundled app.py on `port` with the hardened settings."""
    return [sys.executable, "-m", "fairsynth.ui.launch", "--port", str(port)]


def main(argv: list[str] | None = None) -> None:
    """Run Streamlit on the shipped app.py, with the legacy pages/ folder handling switched off."""
    args = sys.argv[1:] if argv is None else argv
    port = args[args.index("--port") + 1] if "--port" in args else "8501"
    PagesManager.uses_pages_directory = False
    # A server killed mid-write (SIGKILL, power loss) leaves in-progress temporary files; the
    # finished files are whole (written atomically), so the leftovers are only removed.
    clean_stale_temps(data_dir())
    # One thread per audit on the server: its sessions and the warm-up share the cores already.
    os.environ.setdefault(AUDIT_THREADS_ENV, "1")
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), "--server.port", port, *SERVER_FLAGS]
    from fairsynth.ui.warm import start_warm_thread  # after the flags: it imports the analyses

    start_warm_thread(Runtime.exists)
    sys.exit(cli.main())



def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(*, port: int | None = None, env: dict[str, str] | None = None,
                 timeout: float = 60, warm: bool = False) -> tuple[subprocess.Popen, str]:
    """Start the dashboard headless on loopback (tests, load runs) and wait until it is healthy.

    `warm`: warm up the bundled samples (ui/warm.py); off by default, since tests time nothing and
    a warm-up would compete with the first of them for the CPU."""
    from fairsynth.ui.warm import WARM_ENV

    port = port or free_port()
    proc = subprocess.Popen(command(port), env={**os.environ, WARM_ENV: "1" if warm else "0", **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # e.g. the port was taken: no use waiting out the bound
            raise RuntimeError(f"the app exited with code {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"the app did not become healthy within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started by `start_server`, by its process."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        # Reaped before returning, so a restart on the same port finds it free.
        proc.wait()


if __name__ == "__main__":
    main()
