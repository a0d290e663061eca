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
