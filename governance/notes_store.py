"""Autosave of a session's notes to one JSON file per session token, so a reload or restart loses none.

The token is a random hex string kept in the app's URL (`?s=...`); it is the only name a file
gets, and it is checked against a fixed pattern so it can never point outside the data folder.
The folder is $FAIRSYNTH_DATA_DIR, or ./fairsynth_data/ (git-ignored) when that is unset.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import atomic_write, data_dir
from fairsynth.governance.notes import MitigationNote, notes_from_json, notes_to_json

TOKEN_BYTES = 16
TOKEN_PATTERN = re.compile(rf"[0-9a-f]{{{2 * TOKEN_BYTES}}}")
NOTES_SUBDIR = "notes"


def new_token() -> str:
    """A fresh session token: 128 random bits as 32 lowercase hex characters."""
    return secrets.token_hex(TOKEN_BYTES)


def is_valid_token(token: object) -> bool:
    """True for a string of exactly 32 lowercase hex characters (nothing else can name a file)."""
    return isinstance(token, str) and TOKEN_PATTERN.fullmatch(token) is not None


def notes_path(token: str, *, root: Path | None = None) -> Path:
    """The autosave file of a session token; refuses anything but a valid token."""
    if not is_valid_token(token):
        raise InvalidInputError("The session token must be 32 lowercase hex characters.")
    return (root or data_dir()) / NOTES_SUBDIR / f"{token}.json"


def save_session_notes(token: str, notes: Iterable[MitigationNote], *, root: Path | None = None) -> Path:
    """Write the session's notes atomically (a crash mid-write leaves the previous file intact)."""
    path = notes_path(token, root=root)
    atomic_write(path, notes_to_json(notes).encode("utf-8"), fault_point="notes")
    return path


def load_session_notes(token: str, *, root: Path | None = None) -> tuple[MitigationNote, ...]:
    """The notes saved for a token; none when nothing was saved yet."""
    path = notes_path(token, root=root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise InvalidInputError(f"The saved notes could not be read ({exc.strerror}).") from exc
    return notes_from_json(text)
