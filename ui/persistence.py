"""The active pair and its roles kept under the session token, so a reload or a restart restores them.

Streamlit has no session id that survives a reload, and `st.context.cookies` is read-only, so the
token already in the URL (`?s=...`, also naming the notes' autosave) names the pointer file
(governance/session_store.py). A pair opened from the registry is remembered by its version ids
and read back only if the current user may still view it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.pair import DatasetPair, make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.governance import session_store as store
from fairsynth.ui.memory_guard import hold_for_pair, reserve_files

RESTORED_KEY = "restored_line"
# Set by the registry's "open" action: version ids of the pair it made active, by side.
REGISTRY_SIDES_KEY = "pair_registry_sides"
# Content hash of a side -> how it is found again, for this session.
KEPT_KEY = "pair_kept_sides"


def keep_upload(data: bytes, name: str, sha256: str) -> None:
    """Keep an upload's bytes server-side (by content hash) so the pair can be rebuilt later."""
    try:
        store.keep_bytes(data, name, sha256=sha256)
    except (OSError, FairSynthError):
        pass  # the pair still works in this session; remember_pair says it cannot be kept


def remember_pair(token: str, pair: DatasetPair, source: str) -> str | None:
    """Write the pointer for this session; None when done, else one sentence on what failed."""
    registry_sides = st.session_state.get(REGISTRY_SIDES_KEY) or {}
    try:
        sides = {}
        for side, sha, name, frame in (("real", pair.real_sha256, pair.real_name, pair.real),
                                       ("synthetic", pair.synthetic_sha256, pair.synthetic_name,
                                        pair.synthetic)):
            version = registry_sides.get(side)
            if version is not None and version.get("sha256") == sha:
                sides[side] = {"version": int(version["id"]), "name": name}
            else:
                # A generated side is written as Parquet once, not again on every roles change.
                kept = st.session_state.setdefault(KEPT_KEY, {})
                if sha not in kept:
                    kept[sha] = store.side_spec(sha, name, frame)
                sides[side] = {**kept[sha], "name": name}
        store.save_pointer(token, sides, pair.roles.to_dict(), source)
        return None
    except (OSError, FairSynthError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return f"This pair works in this session but could not be kept for a reload ({reason})."


def restore_pair(token: str, open_version) -> tuple[DatasetPair, str, str] | None:
    """(pair, source label, the one line saying what was restored and when) or None.

    `open_version(version_id)` reads a registry version's file as a LoadedTable (checking the
    current user may view it); it is passed in so this module needs no registry connection.
    """
    saved = store.load_pointer(token)
    if saved is None:
        return None
    # Large kept files are admitted against the server's memory budget before they are read, as
    # an upload is (a registry version's file is read by the registry, and counted once read).
    files = [store.side_file(spec) for spec in saved.sides.values() if "version" not in spec]
    reservation = reserve_files(token, files)
    try:
        tables = {}
        for side in store.SIDES:
            spec = saved.sides[side]
            tables[side] = open_version(int(spec["version"])) if "version" in spec else store.load_side(spec)
            if spec.get("name"):
                tables[side] = dataclasses.replace(tables[side], name=str(spec["name"]))
        pair = make_pair(tables["real"], tables["synthetic"], Roles.from_dict(saved.roles))
    except BaseException:
        if reservation is not None:
            reservation.release()
        raise
    if reservation is not None:
        hold_for_pair(reservation, pair, ())
    return pair, saved.source, f"Restored {saved.source} with its roles, saved {_when(saved.saved_at)}."


def _when(iso: str) -> str:
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return "earlier"
    return at.strftime("%d %b %Y, %H:%M UTC").lstrip("0")
