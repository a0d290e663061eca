"""The record `generate` leaves with its output (settings, seed, privacy ledger) and `audit` reads back.

Parquet: the file's key-value metadata under the key `fairsynth`; CSV: `<out>.fairsynth.toml`
beside it. Both hold the same TOML text, so one reader serves both.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import tomli_w

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.generation.settings import GenerationSettings

METADATA_KEY = b"fairsynth"
SIDECAR_SUFFIX = ".fairsynth.toml"


def sidecar(path: Path) -> Path:
    """Where a CSV's record lives: `<out>.fairsynth.toml`."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def generation_record(settings: GenerationSettings, ledger: dict | None = None) -> dict:
    """The settings used, plus the privacy ledger when the output is differentially private."""
    record = settings.to_dict()
    if ledger:
        record["privacy_ledger"] = ledger
    return record


def write_output(frame: pd.DataFrame, out: Path, record: dict) -> None:
    """Write `frame` to `out` (.csv or .parquet) with its generation record."""
    text = tomli_w.dumps(record)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
        sidecar(out).write_text(text, encoding="utf-8")
        return
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = text.encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), out)


def parse_record(text: str, *, source: str) -> dict:
    """A record from its TOML text; the settings part is validated, the ledger kept as written."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{source}: the generation record is not valid TOML ({exc}).") from exc
    GenerationSettings.from_dict(data)
    return data


def read_record(path: Path) -> dict | None:
    """The record stored with a generated file, or None when there is none (not made by `generate`)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet" and path.is_file():
        try:
            meta = pq.read_schema(path).metadata or {}
        except (pa.ArrowInvalid, OSError):
            return None
        if METADATA_KEY in meta:
            return parse_record(meta[METADATA_KEY].decode("utf-8"), source=path.name)
        return None
    side = sidecar(path)
    if side.is_file():
        return parse_record(side.read_text(encoding="utf-8"), source=side.name)
    return None


def load_settings_file(path: Path) -> dict:
    """A `--generator-settings` TOML as a record (settings, and a ledger if it has one)."""
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such generation settings file.")
    return parse_record(path.read_text(encoding="utf-8"), source=path.name)
