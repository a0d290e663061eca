"""A test-only pause at a named point of a write, so a fault test can SIGKILL the process exactly there.

Off by default. Armed only by the process environment at start, never by anything a user sends:
FAIRSYNTH_FAULT_PAUSE=<point>[@<n>] and FAIRSYNTH_FAULT_MARKER=<file>. The n-th time (default the
first) the code reaches `pause(<point>)`, the marker file is written and the calling thread blocks
for good; the test waits for the marker, then kills the server. Points: see POINTS.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAUSE_ENV = "FAIRSYNTH_FAULT_PAUSE"
MARKER_ENV = "FAIRSYNTH_FAULT_MARKER"
# Each point is between a write's data being on disk (or in its transaction) and its commit.
POINTS = {
    "upload": "an uploaded file's copy, before its rename into uploads/",
    "generation": "a generated synthetic side's Parquet copy, before its rename into uploads/",
    "pointer": "a session's pair pointer, before its rename into sessions/",
    "notes": "the notes autosave, before its rename into notes/",
    "registry-file": "a registered file's copy, before its rename into the registry's store/",
    "registry": "a registry write transaction, every row and event written, before COMMIT",
}


def _armed() -> tuple[str, int, Path] | None:
    spec, marker = os.environ.get(PAUSE_ENV), os.environ.get(MARKER_ENV)
    if not spec or not marker:
        return None
    point, _, nth = spec.partition("@")
    if point not in POINTS:
        raise ValueError(f"{PAUSE_ENV}={spec!r} names no fault point; points: {', '.join(POINTS)}.")
    return point, int(nth or 1), Path(marker)


# Read once, when the server process imports this module.
_ARMED = _armed()
_reached: dict[str, int] = {}
_lock = threading.Lock()


def pause(point: str) -> None:
    """Block here for good if the process was started armed at `point` (and this is the n-th time)."""
    if _ARMED is None or _ARMED[0] != point:
        return
    with _lock:
        _reached[point] = _reached.get(point, 0) + 1
        if _reached[point] != _ARMED[1]:
            return
        _ARMED[2].write_text(point, encoding="utf-8")
    threading.Event().wait()
