"""Server time of each script run, logged for `make load` when $FAIRSYNTH_PAGE_LOG names a file."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

PAGE_LOG_ENV = "FAIRSYNTH_PAGE_LOG"


def timed_run(page: str, run: Callable[[], None]) -> None:
    """run(); with the log on, then append {page, seconds, ended, at} as one JSON line: how long
    the server worked on the run, apart from the browsers drawing it."""
    path = os.environ.get(PAGE_LOG_ENV)
    if not path:
        run()
        return
    start, ended = time.perf_counter(), "ok"
    try:
        run()
    except BaseException as exc:
        # Streamlit ends a run early by raising (st.stop, st.rerun, a newer click): still server time.
        ended = type(exc).__name__
        raise
    finally:
        line = json.dumps({"page": page, "seconds": round(time.perf_counter() - start, 4),
                           "ended": ended, "at": time.time()})
        # One short write in append mode: lines from concurrent sessions do not interleave.
        with open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
