"""`registry export`: every table as JSON and the trail as JSON lines, plus the verify verdict."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select

from fairsynth.foundation.paths import atomic_write
from fairsynth.governance.registry.chain import verify_chain
from fairsynth.governance.registry.schema import metadata

# Table -> the JSON text columns decoded in the export (they are stored as canonical JSON text).
JSON_COLUMNS = {"projects": ("uses", "audiences", "triggers"), "audits": ("report_json", "failed_checks"),
                "events": ("payload",)}


def export_registry(engine: Engine, out: Path) -> list[Path]:
    """Write one <table>.json per table (events.jsonl for the trail) and verify.json into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = [dict(r) for r in connection.execute(select(table).order_by(*table.primary_key))
                    .mappings()]
            for row in rows:
                for column in JSON_COLUMNS.get(table.name, ()):
                    if row.get(column) is not None:
                        row[column] = json.loads(row[column])
            if table.name == "events":
                path = out / "events.jsonl"
                text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            else:
                path = out / f"{table.name}.json"
                text = json.dumps(rows, indent=2, ensure_ascii=False)
            atomic_write(path, text.encode("utf-8"), private=False)
            written.append(path)
        report = verify_chain(connection)
    path = out / "verify.json"
    verdict = {"valid": report.valid, "checked": report.checked, "bad_event": report.bad_event,
               "bad_row": report.bad_row, "head": {"id": report.head_id, "hash": report.head_hash},
               "sentence": report.sentence()}
    atomic_write(path, json.dumps(verdict, indent=2).encode("utf-8"), private=False)
    return [*written, path]
