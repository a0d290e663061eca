"""The registry's file store under the data folder: content-addressed copies, hashed and erased safely.

Only files inside the store are ever erased: the path recorded in the database is text anyone
with database access could change, so erase() resolves it and refuses anything outside the store
(or a symbolic link) instead of trusting it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.faults import pause
from fairsynth.foundation.paths import data_dir, fsync_dir, temp_path
from fairsynth.governance.registry.errors import RefusedError

STORE_FOLDER = "store"
CHUNK = 1 << 20


def store_root() -> Path:
    """The folder registered files are copied into ($FAIRSYNTH_DATA_DIR/store)."""
    return data_dir() / STORE_FOLDER


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in chunks (files may be larger than memory)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file.")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store_copy(path: Path) -> tuple[str, Path]:
    """Copy a file into the store, hashing the bytes as they are copied; (sha256, the copy's path).

    The copy is written to a temporary file in the store (foundation.paths.temp_path), flushed to
    disk and renamed to `<sha256><suffixes>` once its hash is known, so the name always matches
    the bytes under it even if the source changes meanwhile, and a killed copy is never taken
    for a stored file (its leftover is removed at the next server start).
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file.")
    root = store_root()
    root.mkdir(parents=True, exist_ok=True)
    partial = temp_path(root, ".partial")
    digest = hashlib.sha256()
    try:
        with path.open("rb") as source, partial.open("xb") as copy:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
            copy.flush()
            os.fsync(copy.fileno())
        sha256 = digest.hexdigest()
        target = root / sha256[:2] / f"{sha256}{''.join(path.suffixes[-2:])}"
        target.parent.mkdir(parents=True, exist_ok=True)
        pause("registry-file")
        # Another writer may have stored the same bytes meanwhile: replace is atomic and equivalent.
        os.replace(partial, target)
        fsync_dir(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return sha256, target.resolve()


def erasable(uri: str) -> Path | None:
    """The stored file `uri` names, checked to be inside the store and not a symbolic link (refused
    otherwise); None if it is already gone. Checked inside a transaction, erased after its commit."""
    root = store_root().resolve()
    path = Path(uri)
    if path.is_symlink():
        raise RefusedError(f"The stored file {uri} is a symbolic link, so it is not erased.")
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise RefusedError(f"The file {uri} is outside the registry's store {root}, so it is not erased.")
    return resolved if resolved.is_file() else None


def erase(uri: str) -> bool:
    """Overwrite a stored file with zeros, flush it, then delete it; False if it was already gone.

    The file is opened with O_NOFOLLOW and checked to be a regular file through its descriptor, so
    a symbolic link swapped in after erasable()'s checks is refused, never followed.
    """
    resolved = erasable(uri)
    if resolved is None:
        return False
    try:
        fd = os.open(resolved, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RefusedError(f"The stored file {uri} is a symbolic link, so it is not erased.") from exc
        raise
    with os.fdopen(fd, "r+b") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RefusedError(f"The stored file {uri} is not a regular file, so it is not erased.")
        size = info.st_size
        zeros = bytes(min(CHUNK, max(size, 1)))
        written = 0
        while written < size:
            written += handle.write(zeros[: min(CHUNK, size - written)])
        handle.flush()
        os.fsync(handle.fileno())
    resolved.unlink()
    return True
