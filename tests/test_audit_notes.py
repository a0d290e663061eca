"""Mitigation notes: JSON round trip keeps every field; imports are validated with clear errors."""

from __future__ import annotations

import json

import pytest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance.notes import (
    STATUSES,
    MitigationNote,
    merge_notes,
    new_note,
    notes_from_json,
    notes_to_json,
)


def _notes() -> list[MitigationNote]:
    return [
        new_note(action="Regenerate with Black & Female share 4.7%", finding_code="gap:race&sex:Black&Female",
                 owner="Aïcha <data team>", status="in progress",
                 rationale='Under-represented; "quotes", new\nline and =SUM(A1)', now="2025-01-02T03:04:05+00:00"),
        new_note(action="Free note: reviewed with legal", status="done"),
        new_note(action="Accept", finding_code="drift:age", status="won't fix", rationale="seasonal"),
    ]


def test_round_trip_keeps_every_field():
    notes = _notes()
    back = notes_from_json(notes_to_json(notes))
    assert list(back) == notes
    assert back[0].rationale == notes[0].rationale and back[1].finding_code is None


def test_report_json_notes_can_be_imported():
    notes = _notes()
    report_like = {"schema_version": 1, "notes": [n.to_dict() for n in notes]}
    assert list(notes_from_json(json.dumps(report_like))) == notes


def test_update_changes_updated_only():
    note = _notes()[0]
    later = note.updated_with(status="done", now="2025-02-01T00:00:00+00:00")
    assert later.status == "done" and later.created == note.created and later.id == note.id
    assert later.updated == "2025-02-01T00:00:00+00:00"
    merged = merge_notes([note], [later, _notes()[1]])
    assert [n.status for n in merged][:1] == ["done"] and len(merged) == 2


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["notes"][0].update(status="closed"), "is not one of: " + ", ".join(STATUSES)),
    (lambda d: d["notes"][0].update(colour="red"), "unknown field(s) colour"),
    (lambda d: d["notes"][0].pop("action"), "missing field(s) action"),
    (lambda d: d["notes"][0].update(created="yesterday"), "not an ISO 8601 time"),
    (lambda d: d["notes"][0].update(owner=7), "must be text"),
    (lambda d: d["notes"].append(dict(d["notes"][0])), "same id"),
    (lambda d: d.update(version=9), "not supported"),
    (lambda d: d.update(format="other"), "neither a FairSynth notes export"),
    (lambda d: d.update(notes={"a": 1}), "must be a list"),
])
def test_bad_imports_say_what_is_wrong(mutate, message):
    data = json.loads(notes_to_json(_notes()))
    mutate(data)
    with pytest.raises(InvalidInputError) as info:
        notes_from_json(json.dumps(data))
    assert message in str(info.value)


def test_not_json_is_refused():
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        notes_from_json(b"\xff\xfe not json")
    with pytest.raises(InvalidInputError, match="status"):
        new_note(action="x", status="maybe")
