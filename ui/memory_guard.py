"""Admission control for large data in a session: reserve a load's memory in the server's ledger
before it is parsed (an upload, a pair restored from its link) or made (a generated table), and tie
what stays reserved to the lifetime of the frames.

The reservation is bound to the pair's DataFrames (foundation.memory_budget.Reservation.bind), not
to a session event: Streamlit has no reliable "session ended" hook (a browser tab that just
disappears only closes a websocket; the session's state is discarded later, when its entry in the
server's session storage expires). Whatever drops the last reference to the frames (a replaced
pair, a discarded session state) gives the memory back, so no path can leak a reservation.
Streamlit keeps the state a run started with until the next run begins, so a replaced pair is
let go at the session's next run (any click), not at once.
"""

from __future__ import annotations

from fairsynth.foundation.loading import MAX_DECOMPRESSED_BYTES
from fairsynth.foundation.memory_budget import (
    GENERATION_FACTOR,
    LARGE_FRAME_MB,
    LARGE_LOAD_MB,
    MB,
    Reservation,
    estimate_load_bytes,
    server_ledger,
)
from fairsynth.foundation.pair import DatasetPair


def is_large(uploads) -> bool:
    """Whether these uploads together are a large load (accounted, parsed outside the shared cache)."""
    return sum(u.size for u in uploads) > LARGE_LOAD_MB * MB


def _frames_bytes(*frames) -> int:
    return int(sum(f.memory_usage(deep=True).sum() for f in frames))


def reserve_uploads(holder: str, uploads) -> Reservation | None:
    """A reservation for parsing these uploads, None for a small load; raises MemoryBudgetError
    (one sentence) when the load does not fit."""
    if not is_large(uploads):
        return None
    cost = sum(estimate_load_bytes(u.size, u.name, MAX_DECOMPRESSED_BYTES) for u in uploads)
    names = " + ".join(u.name for u in uploads)
    return server_ledger().reserve(holder, cost, label=f"{names} ({sum(u.size for u in uploads) / MB:,.0f} MB)")


def hold_for_pair(reservation: Reservation, pair: DatasetPair, uploads) -> None:
    """Keep reserved what the pair really holds (its frames, and the upload bytes Streamlit keeps
    while the uploaders show the files), released once the frames are gone: the session replaced
    the pair by another, or Streamlit discarded the session's state."""
    reservation.resize(_frames_bytes(pair.real, pair.synthetic) + sum(u.size for u in uploads))
    reservation.bind(pair.real, pair.synthetic)


def reserve_files(holder: str, files) -> Reservation | None:
    """A reservation for reading these saved files again (a pair restored from its link; the
    session store has found each of them), None when they are small; raises MemoryBudgetError
    when they do not fit."""
    sizes = [(f.name, f.stat().st_size) for f in files]
    if sum(size for _, size in sizes) <= LARGE_LOAD_MB * MB:
        return None
    cost = sum(estimate_load_bytes(size, name, MAX_DECOMPRESSED_BYTES) for name, size in sizes)
    total = sum(size for _, size in sizes) / MB
    return server_ledger().reserve(holder, cost, label=f"The saved pair ({total:,.0f} MB of files)")


def reserve_generation(holder: str, template, rows: int) -> Reservation | None:
    """A reservation for generating `rows` rows shaped like `template` (a DataFrame), None for a
    small table; raises MemoryBudgetError (one sentence) when it does not fit."""
    per_row = _frames_bytes(template) / max(len(template), 1)
    made = int(per_row * rows)
    if made <= LARGE_FRAME_MB * MB:
        return None
    return server_ledger().reserve(holder, made * GENERATION_FACTOR,
                                   label=f"A synthetic table of {rows:,} rows", action="generate")


def hold_for_frame(reservation: Reservation | None, frame) -> None:
    """Keep reserved what a made table really holds, released once the frame is gone."""
    if reservation is not None:
        reservation.resize(_frames_bytes(frame))
        reservation.bind(frame)
