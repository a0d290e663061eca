"""Memory budgets for large loads: a per-session and a server-wide budget, and the ledger that
admits or refuses a load before it is parsed (pure Python, thread-safe, one ledger per process).

pandas holds a parsed CSV at several times its size and nothing else bounds the sum of what the
sessions of one server hold, so a large load first reserves its estimated cost here; a load that
would take the server over its budget is refused with one sentence instead of taking the server
down for everyone. A reservation is released when its holder lets go of the data: explicitly, or
when every object it was bound to (the pair's frames) has been garbage collected, which is what
happens when a session replaces its pair or when Streamlit discards a closed session's state.
"""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from dataclasses import dataclass

from fairsynth.foundation.errors import InvalidInputError

MB = 1024 * 1024
SESSION_BUDGET_ENV = "FAIRSYNTH_SESSION_MEMORY_MB"
SERVER_BUDGET_ENV = "FAIRSYNTH_SERVER_MEMORY_MB"
# Defaults for a 24 GiB machine: 16 GiB for the server leaves 8 GiB to the system, the browsers
# and anything else running; one session's load may take 4 GiB, which holds two 200 MB CSV files
# (the upload limit) at the CSV factor below. Five such loads fit the server at once.
DEFAULT_SESSION_MB = 4096
DEFAULT_SERVER_MB = 16384
# What the server holds before any upload (Python, pandas, plotly, the bundled samples and the
# small results caches): measured at about 600 MB resident after a walk of every page; rounded up.
SERVER_BASELINE_MB = 1024
# Loads under this many file bytes (both sides together) are not accounted: they fit in the
# baseline, and keep the shared parse cache. Above it a load is "large": reserved, parsed once
# for its session only, and counted in the busy sentence.
LARGE_LOAD_MB = 32
# A frame made in memory rather than parsed from a file (a generated synthetic side) is large
# above the resident size a large load's files reach once parsed, at the CSV factor below.
LARGE_FRAME_MB = 320
# Peak resident memory while generating, per byte of the table made (the plan's per-group draws
# and the assembled frame exist at once for a moment).
GENERATION_FACTOR = 2  # measured 1.6 on COMPAS (500,000 rows: +296 MB peak for 189 MB made)
# Peak resident memory while parsing, per byte of file (measured on the Adult sample resampled
# to 100 MB: +0.9 GB while foundation.loading reads the CSV, 0.6 GB held afterwards as text and
# integer columns). Parquet is compressed columnar data: its text columns expand more.
CSV_FACTOR = 10
PARQUET_FACTOR = 12
# A gzipped CSV is assumed to expand 5x (capped by the loader's decompression limit).
GZIP_EXPANSION = 5
# What to do instead, per refused action: (the short hint, the hint for a job over every budget).
HINTS = {
    "load": ("use the CLI with --engine duckdb",
             "use the CLI with --engine duckdb for files this large"),
    "generate": ("generate fewer rows",
                 "generate fewer rows, or use `fairsynth generate` for tables this large"),
}


class MemoryBudgetError(InvalidInputError):
    """A load was refused because it does not fit a memory budget (the message says which)."""


def budget_mb(env: str, default: int) -> int:
    """A budget in MB from the environment, or `default`; a bad value is one clear error."""
    text = os.environ.get(env, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise InvalidInputError(f"{env} must be a whole number of megabytes above 0, not '{text}'.")
    return value


def estimate_load_bytes(n_bytes: int, name: str, max_decompressed: int | None = None) -> int:
    """Resident bytes a file of `n_bytes` may take while it is parsed, from its size and format
    (told by its name: .parquet, .gz, else CSV), before any byte of it is read."""
    lowered = name.lower()
    if lowered.endswith(".parquet"):
        return n_bytes * PARQUET_FACTOR
    if lowered.endswith(".gz"):
        expanded = n_bytes * GZIP_EXPANSION
        if max_decompressed is not None:
            expanded = min(expanded, max_decompressed)
        return n_bytes + expanded * CSV_FACTOR
    return n_bytes * CSV_FACTOR


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / MB:,.0f} MB"


@dataclass(eq=False)
class Reservation:
    """Bytes held by one holder (a session) for one load; release it once, or bind it to the data."""

    ledger: MemoryLedger
    id: int
    holder: str
    label: str
    n_bytes: int

    def release(self) -> None:
        """Give the bytes back (idempotent)."""
        self.ledger._release(self.id)

    def resize(self, n_bytes: int) -> None:
        """Hold `n_bytes` from now on (the measured size once parsed, instead of the estimate)."""
        self.ledger._resize(self.id, n_bytes)

    @property
    def active(self) -> bool:
        return self.ledger._is_held(self.id)

    def bind(self, *objects: object) -> None:
        """Release when every one of `objects` has been garbage collected (whoever held them)."""
        alive = {"n": len(objects)}
        lock = threading.Lock()

        def one_gone() -> None:
            with lock:
                alive["n"] -= 1
                last = alive["n"] == 0
            if last:
                self.ledger._release(self.id)

        for obj in objects:
            weakref.finalize(obj, one_gone)


class MemoryLedger:
    """Who holds how many bytes of large loads, against a per-session and a server-wide budget."""

    def __init__(self, server_bytes: int, session_bytes: int, baseline_bytes: int = SERVER_BASELINE_MB * MB):
        self.server_bytes = server_bytes
        self.session_bytes = session_bytes
        self.baseline_bytes = baseline_bytes
        self._lock = threading.Lock()
        self._held: dict[int, tuple[str, str, int]] = {}
        self._ids = itertools.count(1)

    @classmethod
    def from_environment(cls) -> MemoryLedger:
        """The budgets of FAIRSYNTH_SERVER_MEMORY_MB and FAIRSYNTH_SESSION_MEMORY_MB (or the defaults)."""
        server = budget_mb(SERVER_BUDGET_ENV, DEFAULT_SERVER_MB)
        session = budget_mb(SESSION_BUDGET_ENV, DEFAULT_SESSION_MB)
        return cls(server * MB, min(session, server) * MB)

    def reserve(self, holder: str, n_bytes: int, label: str = "a dataset", action: str = "load"
                ) -> Reservation:
        """Reserve `n_bytes` for `holder`, or raise MemoryBudgetError with the one sentence to show
        (`label` needs about N MB of memory to `action`).

        The session budget bounds one load; the server budget bounds the sum of every held load
        (including the holder's previous pair, which stays until the new one is ready) plus the
        baseline of the server itself.
        """
        short, large = HINTS.get(action, HINTS["load"])
        if n_bytes > self.session_bytes:
            raise MemoryBudgetError(
                f"{label} needs about {_mb(n_bytes)} of memory to {action}, over the "
                f"{_mb(self.session_bytes)} a session may use ({SESSION_BUDGET_ENV}); {large}.")
        with self._lock:
            used = self.baseline_bytes + sum(b for _, _, b in self._held.values())
            if used + n_bytes > self.server_bytes:
                busy = len(self._held)
                if busy == 0:
                    raise MemoryBudgetError(
                        f"{label} needs about {_mb(n_bytes)} of memory to {action}, more than this "
                        f"server's budget leaves ({SERVER_BUDGET_ENV}); {large}.")
                noun = "dataset" if busy == 1 else "datasets"
                raise MemoryBudgetError(
                    f"The server is busy with {busy} large {noun}; try again in a minute, "
                    f"or {short}.")
            rid = next(self._ids)
            self._held[rid] = (holder, label, n_bytes)
        return Reservation(self, rid, holder, label, n_bytes)

    def _release(self, rid: int) -> None:
        with self._lock:
            self._held.pop(rid, None)

    def _resize(self, rid: int, n_bytes: int) -> None:
        with self._lock:
            if rid in self._held:
                holder, label, _ = self._held[rid]
                self._held[rid] = (holder, label, n_bytes)

    def _is_held(self, rid: int) -> bool:
        with self._lock:
            return rid in self._held

    @property
    def held_bytes(self) -> int:
        """Bytes reserved by all holders together (without the baseline)."""
        with self._lock:
            return sum(b for _, _, b in self._held.values())

    def held_by(self, holder: str) -> int:
        """Bytes reserved by one holder."""
        with self._lock:
            return sum(b for h, _, b in self._held.values() if h == holder)

    @property
    def large_loads(self) -> int:
        """How many large loads are held right now."""
        with self._lock:
            return len(self._held)


_LEDGER: MemoryLedger | None = None
_LEDGER_LOCK = threading.Lock()


def server_ledger() -> MemoryLedger:
    """The process-wide ledger every session of this server reserves in (made on first use)."""
    global _LEDGER
    with _LEDGER_LOCK:
        if _LEDGER is None:
            _LEDGER = MemoryLedger.from_environment()
        return _LEDGER
