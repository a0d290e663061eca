"""What the registry records about a file it registers: rows, columns, and its generation settings.

Settings are kept as the text the generator wrote (Parquet key-value metadata `fairsynth`, or
`<file>.fairsynth.toml` beside a CSV); the seed and privacy ledger are read from it with tomllib,
which parses data and never runs anything.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import load_table
from fairsynth.governance.registry.chain import canonical_json
from fairsynth.governance.settings_file import recorded_settings_text

LEDGER_KEYS = ("privacy", "privacy_ledger", "ledger")


@dataclass(frozen=True)
class FileFacts:
    """A table's shape and the generation settings recorded with it (all optional but the shape)."""

    rows: int
    columns: int
    settings: str | None = None
    seed: int | None = None
    privacy_ledger: str | None = None


def inspect_table(path: Path) -> FileFacts:
    """Rows, columns and recorded settings of a CSV or Parquet file (refused if it is not a table)."""
    if path.suffix.lower() == ".parquet":
        try:
            meta = pq.read_metadata(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InvalidInputError(f"{path.name}: not a readable Parquet file.") from exc
        rows, columns = meta.num_rows, meta.num_columns
    else:
        frame = load_table(path).frame
        rows, columns = int(frame.shape[0]), int(frame.shape[1])
    settings = recorded_settings_text(path)
    seed, ledger = _seed_and_ledger(settings)
    return FileFacts(rows, columns, settings, seed, ledger)


def _seed_and_ledger(settings: str | None) -> tuple[int | None, str | None]:
    if not settings:
        return None, None
    try:
        data = tomllib.loads(settings)
    except tomllib.TOMLDecodeError:
        return None, None  # kept as text; only the derived fields are left empty
    seed = data.get("seed")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    ledger = next((data[k] for k in LEDGER_KEYS if isinstance(data.get(k), dict)), None)
    return seed, None if ledger is None else canonical_json(ledger)

