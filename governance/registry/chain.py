"""The append-only event log as a hash chain: append under the write lock, verify from the start.

hash = sha256(prev_hash + canonical JSON of the event's fields), prev_hash of the first event is
GENESIS. An event's id is its position (1, 2, 3, ...), so a removed event shows as a gap even
when the hashes around it were recomputed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select

from fairsynth.governance.registry.schema import events

GENESIS = "0" * 64
HASHED_FIELDS = ("id", "at", "actor", "role", "action", "subject", "payload")


def canonical_json(value: object) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept, NaN refused."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def now_utc() -> str:
    """The current time as ISO 8601 UTC text (microseconds), the registry's one time format."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, fields: dict) -> str:
    """The chain hash of one event given its predecessor's hash."""
    body = canonical_json({name: fields[name] for name in HASHED_FIELDS})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append_event(connection: Connection, *, actor: str, role: str, action: str, subject: str,
                 payload: dict, at: str | None = None) -> dict:
    """Append one event after the chain head; the caller holds the write lock (database.lock_for_write)."""
    head = connection.execute(
        select(events.c.id, events.c.hash).order_by(events.c.id.desc()).limit(1)).first()
    fields = {"id": 1 if head is None else head.id + 1, "at": at or now_utc(), "actor": actor,
              "role": role, "action": action, "subject": subject,
              "payload": canonical_json(payload)}
    prev_hash = GENESIS if head is None else head.hash
    row = {**fields, "prev_hash": prev_hash, "hash": event_hash(prev_hash, fields)}
    connection.execute(insert(events).values(**row))
    return row


@dataclass(frozen=True)
class ChainReport:
    """The result of verify: how many events were checked, the head, and the first bad event or row.

    A deleted tail leaves a valid chain, so the head (id, hash) is reported for comparison with
    one recorded elsewhere (`verify --expect-head`); `bad_row` names a table row the replayed log
    disagrees with (an entity edited behind the log's back).
    """

    checked: int
    bad_event: int | None = None
    problem: str = ""
    head_id: int = 0
    head_hash: str = GENESIS
    bad_row: str | None = None

    @property
    def valid(self) -> bool:
        """Whether every event checked out and every checked table row agrees with the log."""
        return self.bad_event is None and self.bad_row is None

    def sentence(self) -> str:
        """The verdict as one sentence."""
        if self.bad_event is not None:
            return f"The trail is broken at event {self.bad_event}: {self.problem}."
        if self.bad_row is not None:
            return f"The tables disagree with the trail at {self.bad_row}: {self.problem}."
        return (f"The trail is intact: {self.checked} event(s), every hash recomputed, the tables "
                f"agree with it; head event {self.head_id}, hash {self.head_hash}.")


def verify_chain(connection: Connection) -> ChainReport:
    """Recompute the hash chain, then replay it against the tables (see replay.first_mismatch)."""
    from fairsynth.governance.registry.replay import first_mismatch

    report = verify_hashes(connection)
    if not report.valid:
        return report
    mismatch = first_mismatch(connection)
    if mismatch is None:
        return report
    row, problem = mismatch
    return replace(report, bad_row=row, problem=problem)


def verify_hashes(connection: Connection) -> ChainReport:
    """Recompute every hash in id order; name the first event altered, missing or out of place."""
    expected_id, prev_hash, checked = 1, GENESIS, 0
    rows = connection.execute(select(events).order_by(events.c.id)).mappings()
    for row in rows:
        if row["id"] != expected_id:
            return ChainReport(checked, expected_id,
                               f"it is missing (the next event present is {row['id']})")
        if row["prev_hash"] != prev_hash:
            return ChainReport(checked, row["id"],
                               f"its previous-hash does not match event {expected_id - 1}'s hash "
                               "(one of the two was altered)")
        if event_hash(prev_hash, dict(row)) != row["hash"]:
            return ChainReport(checked, row["id"],
                               "its content was altered (the recomputed hash differs)")
        expected_id, prev_hash, checked = expected_id + 1, row["hash"], checked + 1
    return ChainReport(checked, head_id=expected_id - 1, head_hash=prev_hash)


def event_count(connection: Connection) -> int:
    """How many events the log holds."""
    return int(connection.execute(select(func.count()).select_from(events)).scalar_one())
