"""Work that survives a reload or a restart: each session's active pair, kept server-side.

Uploaded files are kept by content hash under $FAIRSYNTH_DATA_DIR/uploads/<sha256>/<name> (each
within the upload cap, since nothing larger can be loaded); a generated synthetic side, which has
no file, is written there as Parquet. A small JSON pointer per session token
($FAIRSYNTH_DATA_DIR/sessions/<token>.json) names what the pair is made of (a bundled sample file,
a kept file, or a registry version), its roles, where it came from and when it was saved. Only a
sha256 or a bundled sample's file name ever becomes a path, so a pointer cannot reach outside the
data folder or the samples.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, LoadedTable, load_table
from fairsynth.foundation.paths import atomic_write, data_dir, is_temp_name
from fairsynth.foundation.samples import SAMPLE_DIR, SAMPLES
from fairsynth.governance.notes import utc_now
from fairsynth.governance.notes_store import is_valid_token
from fairsynth.governance.registry.files import file_sha256

UPLOADS_SUBDIR = "uploads"
SESSIONS_SUBDIR = "sessions"
POINTER_FORMAT = "fairsynth-session-pair"
_SHA = re.compile(r"[0-9a-f]{64}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
SIDES = ("real", "synthetic")


@dataclass(frozen=True)
class SavedPair:
    """What a pointer says: per side a source spec, the roles, the sidebar label and the time saved."""

    sides: dict[str, dict]
    roles: dict
    source: str
    saved_at: str


def safe_name(name: str) -> str:
    """A file name reduced to letters, digits, dot, dash and underscore (never a path)."""
    cleaned = _UNSAFE.sub("_", Path(str(name)).name).strip("._") or "table"
    return cleaned[-120:]


def _upload_folder(sha256: str, root: Path | None = None) -> Path:
    if not _SHA.fullmatch(sha256 or ""):
        raise InvalidInputError("A kept file is named by a sha256 of 64 lowercase hex characters.")
    return (root or data_dir()) / UPLOADS_SUBDIR / sha256


def kept_file(sha256: str, *, root: Path | None = None) -> Path | None:
    """The file kept under this content hash, or None."""
    folder = _upload_folder(sha256, root)
    found = sorted(p for p in folder.glob("*") if p.is_file() and not is_temp_name(p.name)) \
        if folder.is_dir() else []
    return found[0] if found else None


def keep_bytes(data: bytes, name: str, *, sha256: str, root: Path | None = None,
               fault_point: str = "upload") -> Path:
    """Keep an upload's bytes under its sha256 (once; a second upload of the same bytes is free)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInputError(f"{name}: over the {MAX_UPLOAD_MB} MB upload limit, so not kept.")
    existing = kept_file(sha256, root=root)
    if existing is not None:
        return existing
    path = _upload_folder(sha256, root) / safe_name(name)
    atomic_write(path, data, fault_point=fault_point)
    return path


def keep_frame(frame: pd.DataFrame, name: str, *, root: Path | None = None) -> tuple[str, Path]:
    """Write a table that has no file (a generated side) as Parquet; (its file's sha256, path)."""
    # Written in memory, not to a scratch file, so a killed server leaves nothing half-written.
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    stem = safe_name(name).removesuffix(".parquet")
    return sha, keep_bytes(data, f"{stem}.parquet", sha256=sha, root=root,
                           fault_point="generation")


@cache
def sample_files() -> dict[str, str]:
    """sha256 -> file name of every bundled sample file (hashed once per process)."""
    names = {name for s in SAMPLES.values() for name in (s.real, s.synthetic)}
    return {file_sha256(SAMPLE_DIR / name): name for name in sorted(names)}


def side_spec(sha256: str, name: str, frame: pd.DataFrame, *, root: Path | None = None) -> dict:
    """How to find one side again: a bundled sample file, or a kept file (written now if needed)."""
    if sha256 in sample_files():
        return {"sample_file": sample_files()[sha256], "name": name}
    if _SHA.fullmatch(sha256 or "") and kept_file(sha256, root=root) is not None:
        return {"sha256": sha256, "name": name}
    kept_sha, _ = keep_frame(frame, name, root=root)
    return {"sha256": kept_sha, "name": name}


def pointer_path(token: str, *, root: Path | None = None) -> Path:
    if not is_valid_token(token):
        raise InvalidInputError("The session token must be 32 lowercase hex characters.")
    return (root or data_dir()) / SESSIONS_SUBDIR / f"{token}.json"


def save_pointer(token: str, sides: dict[str, dict], roles: dict, source: str, *,
                 root: Path | None = None, now: str | None = None) -> SavedPair:
    """Write the session's pointer atomically; returns what was saved."""
    saved = SavedPair(sides=sides, roles=roles, source=source, saved_at=now or utc_now())
    body = {"format": POINTER_FORMAT, "version": 1, "saved_at": saved.saved_at,
            "source": source, "roles": roles, "sides": sides}
    atomic_write(pointer_path(token, root=root), json.dumps(body, indent=1).encode("utf-8"),
                 fault_point="pointer")
    return saved


def load_pointer(token: str, *, root: Path | None = None) -> SavedPair | None:
    """The session's pointer, or None when nothing was saved; refused if it is not one."""
    path = pointer_path(token, root=root)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InvalidInputError("The saved pair of this session could not be read.") from exc
    if not isinstance(body, dict) or body.get("format") != POINTER_FORMAT:
        raise InvalidInputError("The saved pair of this session is not a FairSynth session file.")
    sides = body.get("sides")
    if not isinstance(sides, dict) or set(sides) != set(SIDES):
        raise InvalidInputError("The saved pair of this session names no real and synthetic side.")
    return SavedPair(sides=sides, roles=dict(body.get("roles") or {}),
                     source=str(body.get("source") or "saved pair"),
                     saved_at=str(body.get("saved_at") or ""))


def side_file(spec: dict, *, root: Path | None = None) -> Path:
    """The file one side a pointer names is read from (sample file or kept file); registry sides
    are found elsewhere."""
    if "sample_file" in spec:
        if spec["sample_file"] not in sample_files().values():
            raise InvalidInputError("The saved pair names a sample file that is not bundled.")
        return SAMPLE_DIR / spec["sample_file"]
    path = kept_file(str(spec.get("sha256") or ""), root=root)
    if path is None:
        raise InvalidInputError(f"The kept copy of {spec.get('name') or 'table'} is gone from the data folder.")
    return path


def load_side(spec: dict, *, root: Path | None = None) -> LoadedTable:
    """Read one side a pointer names (sample file or kept file); registry sides are read elsewhere."""
    return load_table(side_file(spec, root=root), name=str(spec.get("name") or "table"))
