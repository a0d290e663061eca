"""Admission control for large uploads: reserve a load's memory in the server's ledger before it is
parsed, and tie what stays reserved to the lifetime of the pair's frames.

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
    frames = int(pair.real.memory_usage(deep=True).sum() + pair.synthetic.memory_usage(deep=True).sum())
    reservation.resize(frames + sum(u.size for u in uploads))
    reservation.bind(pair.real, pair.synthetic)
