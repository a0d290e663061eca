"""Mitigation notes: what was done about a finding (or a free note), exported and imported as JSON."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from fairsynth.foundation.errors import InvalidInputError

STATUSES = ("open", "in progress", "done", "won't fix")
NOTES_FORMAT = "fairsynth-notes"
NOTES_VERSION = 1
MAX_TEXT = 5_000
TEXT_FIELDS = ("action", "owner", "rationale")


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class MitigationNote:
    """What is done about one finding (`finding_code`) or a free note (`finding_code` None)."""

    id: str
    finding_code: str | None
    action: str
    owner: str = ""
    status: str = "open"
    rationale: str = ""
    created: str = ""
    updated: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise InvalidInputError(
                f"Note status '{self.status}' is not one of: {', '.join(STATUSES)}.")
        for name in TEXT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidInputError(f"Note field '{name}' must be text, not {type(value).__name__}.")
            if len(value) > MAX_TEXT:
                raise InvalidInputError(f"Note field '{name}' is longer than {MAX_TEXT} characters.")
        if self.finding_code is not None and not isinstance(self.finding_code, str):
            raise InvalidInputError("Note field 'finding_code' must be text or null.")

    def to_dict(self) -> dict:
        """JSON-ready form with every field."""
        return asdict(self)

    def updated_with(self, *, now: str | None = None, **changes) -> MitigationNote:
        """A copy with some fields changed and `updated` set to now."""
        return replace(self, **changes, updated=now or utc_now())


def new_note(
    *,
    action: str,
    finding_code: str | None = None,
    owner: str = "",
    status: str = "open",
    rationale: str = "",
    now: str | None = None,
) -> MitigationNote:
    """A new note with a fresh id and created = updated = now."""
    stamp = now or utc_now()
    return MitigationNote(id=uuid.uuid4().hex[:12], finding_code=finding_code, action=action,
                          owner=owner, status=status, rationale=rationale, created=stamp,
                          updated=stamp)


def note_from_dict(data: object, *, where: str = "note") -> MitigationNote:
    """Validate one note record (as written by `to_dict`) into a MitigationNote."""
    if not isinstance(data, dict):
        raise InvalidInputError(f"{where}: expected an object with note fields, got {type(data).__name__}.")
    fields = list(MitigationNote.__dataclass_fields__)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidInputError(f"{where}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(fields)}.")
    missing = [f for f in ("id", "action", "status", "created", "updated") if f not in data]
    if missing:
        raise InvalidInputError(f"{where}: missing field(s) {', '.join(missing)}.")
    for stamp in ("created", "updated"):
        try:
            datetime.fromisoformat(str(data[stamp]))
        except ValueError as exc:
            raise InvalidInputError(f"{where}: '{stamp}' is not an ISO 8601 time: {data[stamp]!r}.") from exc
    if not isinstance(data["id"], str) or not data["id"]:
        raise InvalidInputError(f"{where}: 'id' must be non-empty text.")
    try:
        return MitigationNote(**{f: data.get(f, "" if f in TEXT_FIELDS else None) for f in fields})
    except InvalidInputError as exc:
        raise InvalidInputError(f"{where}: {exc}") from exc


def notes_to_json(notes: Iterable[MitigationNote]) -> str:
    """Export notes as JSON text that `notes_from_json` reads back unchanged."""
    payload = {"format": NOTES_FORMAT, "version": NOTES_VERSION,
               "notes": [n.to_dict() for n in notes]}
    return json.dumps(payload, indent=2, ensure_ascii=False)


def notes_from_json(text: str | bytes) -> tuple[MitigationNote, ...]:
    """Import notes from a notes export (or a FairSynth report JSON, whose `notes` are read)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"The notes file is not valid JSON ({exc}).") from exc
    if isinstance(data, dict) and "schema_version" in data and "notes" in data:
        records = data["notes"]  # a whole report: continue from its notes
    elif isinstance(data, dict) and data.get("format") == NOTES_FORMAT:
        if data.get("version") != NOTES_VERSION:
            raise InvalidInputError(
                f"Notes version {data.get('version')!r} is not supported (expected {NOTES_VERSION}).")
        records = data.get("notes")
    else:
        raise InvalidInputError(
            "The file is neither a FairSynth notes export nor a FairSynth report JSON.")
    if not isinstance(records, list):
        raise InvalidInputError("The notes file's 'notes' must be a list.")
    notes = tuple(note_from_dict(r, where=f"note {i + 1}") for i, r in enumerate(records))
    ids = [n.id for n in notes]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("The notes file has two notes with the same id.")
    return notes


def merge_notes(current: Iterable[MitigationNote], imported: Iterable[MitigationNote]) -> list[MitigationNote]:
    """Notes of both lists by id; for an id in both the most recently updated one wins."""
    merged = {n.id: n for n in current}
    for note in imported:
        old = merged.get(note.id)
        if old is None or note.updated >= old.updated:
            merged[note.id] = note
    return list(merged.values())


def resolved_notes(notes: Iterable[MitigationNote], finding_codes: Iterable[str]) -> list[MitigationNote]:
    """Notes attached to a finding the current audit no longer raises: resolved, not orphaned.

    A note keeps its finding code when the data changes (a regenerated synthetic side that
    closes the gap), so it is shown as the record of how that finding was resolved.
    """
    current = set(finding_codes)
    return [n for n in notes if n.finding_code is not None and n.finding_code not in current]
