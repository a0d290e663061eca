"""Where FairSynth finds what it ships (importlib.resources) and where it keeps server-side state."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

DATA_DIR_ENV = "FAIRSYNTH_DATA_DIR"
DEFAULT_DATA_DIR = "fairsynth_data"


def resource(*parts: str) -> Path:
    """A file shipped in the `fairsynth` package (app.py, pages/, sample_data/, the schema, ...).

    The package is installed as files on disk (a wheel or an editable checkout, never a zip), so
    the resource is a real path Streamlit and pyarrow can open.
    """
    return Path(str(resources.files("fairsynth").joinpath(*parts)))


def data_dir() -> Path:
    """The folder FairSynth keeps server-side state in ($FAIRSYNTH_DATA_DIR or ./fairsynth_data)."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the new one, never half:
    a private temporary file in the same folder, flushed to disk, then renamed over the target."""
    import tempfile

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
