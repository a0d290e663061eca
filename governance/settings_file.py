"""Where `generate` records the settings it used with its output, and how to read them back.

In a Parquet file's key-value metadata under SETTINGS_KEY, or beside a CSV as
`<file>.fairsynth.toml` (DESIGN.md, "CLI and exit codes"). Reading them opens only the metadata or
the side-car, never the table, and imports nothing heavy: the audit reads them on every run.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

SETTINGS_KEY = b"fairsynth"
SIDE_CAR_SUFFIX = ".fairsynth.toml"


def recorded_settings_text(path: Path) -> str | None:
    """The settings text recorded with a file (Parquet metadata or CSV side-car); None when none."""
    if path.suffix.lower() == ".parquet" and path.is_file():
        try:
            raw = (pq.read_metadata(path).metadata or {}).get(SETTINGS_KEY)
        except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
            return None
        return raw.decode("utf-8", errors="replace") if raw else None
    sidecar = path.with_name(path.name + SIDE_CAR_SUFFIX)
    return sidecar.read_text(encoding="utf-8", errors="replace") if sidecar.is_file() else None
