"""Where FairSynth finds what it ships (importlib.resources) and where it keeps server-side state,
and how it writes there so that a killed process leaves the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from fairsynth.foundation.faults import pause

DATA_DIR_ENV = "FAIRSYNTH_DATA_DIR"
DEFAULT_DATA_DIR = "fairsynth_data"
# Every file being written is first `.tmp-<pid>-<random><suffix>` in the target's own folder
# (readers skip the prefix), so a leftover names the process that wrote it.
TEMP_PREFIX = ".tmp-"
_TEMP_NAME = re.compile(rf"{re.escape(TEMP_PREFIX)}(\d+)-")
# A temporary file with no pid in its name (written by an older FairSynth) is stale after this.
STALE_UNNAMED_TEMP_SECONDS = 3600


def resource(*parts: str) -> Path:
    """A file shipped in the `fairsynth` package (app.py, pages/, sample_data/, the schema, ...).

    The package is installed as files on disk (a wheel or an editable checkout, never a zip), so
    the resource is a real path Streamlit and pyarrow can open.
    """
    return Path(str(resources.files("fairsynth").joinpath(*parts)))


def data_dir() -> Path:
    """The folder FairSynth keeps server-side state in ($FAIRSYNTH_DATA_DIR or ./fairsynth_data)."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def is_temp_name(name: str) -> bool:
    """Whether a file name is one of our in-progress writes (never a finished file)."""
    return name.startswith(TEMP_PREFIX)


def temp_path(folder: Path, suffix: str = "") -> Path:
    """A fresh name for an in-progress write in `folder` (not created)."""
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}{suffix}"


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk: a rename into it is durable only then."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: Path, *, fault_point: str | None = None) -> Iterator[Path]:
    """A temporary path to write `path`'s content to; on success it is flushed to disk and renamed
    over `path` (a crash leaves the old file or the new one), on failure it is removed.

    For writers that want a path (pandas, pyarrow); `atomic_write` takes bytes.
    """
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # only a missing (server) folder
    # The suffix is kept so writers that read it (to_csv's compression, pyarrow) behave the same.
    tmp = temp_path(path.parent, "".join(path.suffixes[-2:]))
    try:
        yield tmp
        with tmp.open("rb+") as written:
            os.fsync(written.fileno())
        if fault_point:
            pause(fault_point)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes, *, fault_point: str | None = None,
                 private: bool = True) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the new one, never half:
    a temporary file in the same folder, flushed to disk, then renamed over the target. Server
    state is `private` (owner only); a file the user asked for gets the usual umask permissions.
    `fault_point` names the moment between the two for the fault tests (foundation/faults.py)."""
    with atomic_output(path, fault_point=fault_point) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
        with os.fdopen(fd, "wb") as out:
            out.write(data)


def _writer_gone(path: Path, now: float) -> bool:
    match = _TEMP_NAME.match(path.name)
    if match is None:
        try:
            return now - path.stat().st_mtime > STALE_UNNAMED_TEMP_SECONDS
        except FileNotFoundError:
            return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a live process of another user
    return False  # alive (or a reused pid: left for a later start, and skipped by readers anyway)


def clean_stale_temps(root: Path | None = None) -> list[Path]:
    """Remove the in-progress writes under `root` (default: the data folder) whose writing process
    is gone, e.g. killed mid-write; returns what was removed. Writes of live processes are kept."""
    root = Path(root or data_dir())
    removed, now = [], time.time()
    if not root.is_dir():
        return removed
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if is_temp_name(name) and not path.is_symlink() and _writer_gone(path, now):
                path.unlink(missing_ok=True)
                removed.append(path)
    for parent in {p.parent for p in removed} - {root}:
        # A folder made for the killed write alone (uploads/<sha256>/) goes with it.
        with contextlib.suppress(OSError):
            parent.rmdir()
    return removed
