"""A library of named, approved generation settings: TOML files with who approved them, why and when.

The folder is `approved_settings/` under the data folder (foundation.paths.data_dir), or the one named by the environment
variable FAIRSYNTH_SETTINGS_DIR. One file per configuration, `<name>.toml`: the settings at
the top level and an `[approval]` table, so `GenerationSettings.from_toml` reads it as is.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import tomli_w

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import atomic_write, data_dir
from fairsynth.generation.resolve import settings_as_used
from fairsynth.generation.settings import GenerationSettings

SETTINGS_DIR_ENV = "FAIRSYNTH_SETTINGS_DIR"
SETTINGS_SUBDIR = "approved_settings"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
LIBRARY_COLUMNS = ["name", "approved_by", "reason", "approved_at", "rows", "conditioning", "mode",
                   "seed", "path"]


@dataclass(frozen=True)
class ApprovedSettings:
    """One saved configuration and its approval record."""

    name: str
    settings: GenerationSettings
    approved_by: str
    reason: str
    approved_at: str
    path: Path


def settings_dir() -> Path:
    """The library folder: FAIRSYNTH_SETTINGS_DIR if set, else approved_settings/ in the data folder."""
    configured = os.environ.get(SETTINGS_DIR_ENV)
    return Path(configured) if configured else data_dir() / SETTINGS_SUBDIR


def save_approved(settings: GenerationSettings, *, name: str, approved_by: str, reason: str,
                  directory: Path | None = None, overwrite: bool = False,
                  now: datetime | None = None, plan: pd.DataFrame | None = None,
                  dataset_sha256: str | None = None) -> ApprovedSettings:
    """Write `settings` to the library under `name` with who approved them and why (both required).

    With the synthesizer's `plan` for these settings, the file holds the shares and rates used
    ("as in the real data" written out, generation.resolve); `dataset_sha256` names the real data
    they were tried on. The registry's approval (approver role) is governance.approvals'.
    """
    name, approved_by, reason = name.strip(), approved_by.strip(), reason.strip()
    if not NAME_PATTERN.match(name):
        raise InvalidInputError(
            "A configuration name is 1-64 letters, digits, spaces, '.', '_' or '-', starting "
            "with a letter or digit."
        )
    if not approved_by:
        raise InvalidInputError("Say who approves these settings.")
    if not reason:
        raise InvalidInputError("A reason is required: say why these settings are approved.")
    folder = directory or settings_dir()
    path = folder / f"{_file_stem(name)}.toml"
    if path.exists() and not overwrite:
        raise InvalidInputError(f"A configuration named '{name}' already exists; pick another name.")
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    if plan is not None and settings.conditioning:
        settings = settings_as_used(settings, plan)
    # An empty table would mean "as in the real data": left out once the values are written out.
    data = {k: v for k, v in settings.to_dict().items()
            if plan is None or not (isinstance(v, dict) and not v)}
    data["approval"] = {"name": name, "approved_by": approved_by, "reason": reason, "approved_at": when}
    if dataset_sha256:
        data["approval"]["dataset_sha256"] = dataset_sha256
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomli_w.dumps(data).encode("utf-8"), private=False)
    return ApprovedSettings(name, settings, approved_by, reason, when, path)


def load_approved(name: str, *, directory: Path | None = None) -> ApprovedSettings:
    """Read one configuration of the library by its name."""
    folder = directory or settings_dir()
    path = folder / f"{_file_stem(name.strip())}.toml"
    if not path.is_file():
        known = ", ".join(list_approved(directory=folder)["name"]) or "none yet"
        raise InvalidInputError(f"No approved configuration named '{name}'. Saved: {known}.")
    return _read(path)


def list_approved(*, directory: Path | None = None) -> pd.DataFrame:
    """Every configuration in the library, newest first; unreadable files are skipped."""
    folder = directory or settings_dir()
    rows = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            item = _read(path)
        except InvalidInputError:
            continue
        s = item.settings
        rows.append([item.name, item.approved_by, item.reason, item.approved_at, s.rows,
                     "&".join(s.conditioning), s.mode, s.seed, str(path)])
    frame = pd.DataFrame(rows, columns=LIBRARY_COLUMNS)
    return frame.sort_values("approved_at", ascending=False, kind="stable").reset_index(drop=True)


def _read(path: Path) -> ApprovedSettings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path.name} is not a readable settings file ({exc}).") from exc
    approval = data.get("approval")
    if not isinstance(approval, dict) or not approval.get("reason"):
        raise InvalidInputError(f"{path.name} has no approval record with a reason.")
    settings = GenerationSettings.from_dict(data)
    return ApprovedSettings(str(approval.get("name", path.stem)), settings,
                            str(approval.get("approved_by", "")), str(approval["reason"]),
                            str(approval.get("approved_at", "")), path)


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "settings"
