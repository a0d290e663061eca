"""Approved generation settings in the registry: the settings as used, the data they were tried on.

One row per approval (a name approved again with other settings is a new row); the event's
payload carries the sha256 of the settings text and of the dataset, so `verify` can replay it.
Only the approver role (or admin) approves; the check is the store's, in the write transaction.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import Connection, RowMapping, insert, select

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.chain import now_utc
from fairsynth.governance.registry.schema import approved_settings

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
_SHA = re.compile(r"[0-9a-f]{64}")


def text_sha256(text: str) -> str:
    """The sha256 of a settings TOML text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def record_approval(tx, *, name: str, settings_toml: str, dataset_sha256: str, reason: str,
                    project: str | None = None) -> dict:
    """Insert the approval and its event in the caller's write transaction; returns the row."""
    name, reason = name.strip(), reason.strip()
    if not NAME_PATTERN.match(name):
        raise InvalidInputError("A configuration name is 1-64 letters, digits, spaces, '.', '_' "
                                "or '-', starting with a letter or digit.")
    if not reason:
        raise InvalidInputError("A reason is required: say why these settings are approved.")
    if not _SHA.fullmatch(dataset_sha256 or ""):
        raise InvalidInputError("The approval needs the sha256 of the real data the settings were "
                                "tried on (64 hex characters).")
    project_id = None
    if project is not None:
        charter = q.project_by_name(tx.connection, project)
        if charter is None:
            raise InvalidInputError(f"No project named {project}.")
        project_id = charter["id"]
    row = {"name": name, "project_id": project_id, "settings_toml": settings_toml,
           "settings_sha256": text_sha256(settings_toml), "dataset_sha256": dataset_sha256,
           "reason": reason, "approved_by": tx.user, "approved_at": now_utc()}
    row["id"] = int(tx.connection.execute(insert(approved_settings).values(**row))
                    .inserted_primary_key[0])
    event = tx.event("approve_settings", f"settings:{row['id']}", {
        "name": name, "project": project, "settings_sha256": row["settings_sha256"],
        "dataset_sha256": dataset_sha256, "reason": reason})
    return {**row, "event_hash": event["hash"]}


def latest_approval(connection: Connection, name: str) -> RowMapping | None:
    """The most recent approval of a configuration name, or None."""
    return connection.execute(select(approved_settings).where(approved_settings.c.name == name)
                              .order_by(approved_settings.c.id.desc()).limit(1)).mappings().first()


def approval_by_sha(connection: Connection, settings_sha256: str) -> RowMapping | None:
    """The latest approval of exactly this settings text, or None."""
    return connection.execute(select(approved_settings)
                              .where(approved_settings.c.settings_sha256 == settings_sha256)
                              .order_by(approved_settings.c.id.desc()).limit(1)).mappings().first()
