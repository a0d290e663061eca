"""Reads of the registry: VERSION references, roles, charters, latest audits, waivers and the trail."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, RowMapping, select

from fairsynth.governance.registry.errors import UnknownVersionError
from fairsynth.governance.registry.files import file_sha256
from fairsynth.governance.registry.schema import (
    audits,
    concerns,
    decisions,
    events,
    grants,
    projects,
    versions,
)

MIN_PREFIX = 12
_ID = re.compile(r"v?(\d{1,11})")
_HEX = re.compile(r"[0-9a-f]{12,64}")


@dataclass(frozen=True)
class VersionRef:
    """What a VERSION argument names: a version id, or a sha256 (prefix); `text` is what was typed."""

    text: str
    version_id: int | None = None
    sha_prefix: str | None = None


def parse_ref(text: str | int) -> VersionRef:
    """Read a VERSION: a version id (`12`, `v12`, or an int), a file path (hashed now) or a hex
    sha256 prefix. The id form wins: a file named `12` in the current folder is `./12`."""
    if isinstance(text, int) and not isinstance(text, bool):
        return VersionRef(str(text), version_id=text)
    text = str(text).strip()
    if match := _ID.fullmatch(text):
        return VersionRef(text, version_id=int(match.group(1)))
    path = Path(text)
    if path.is_file():
        return VersionRef(text, sha_prefix=file_sha256(path))
    if _HEX.fullmatch(text.lower()):
        return VersionRef(text, sha_prefix=text.lower())
    raise UnknownVersionError(
        f"'{text}' is not a file, a version id or a sha256 prefix of {MIN_PREFIX}+ hex characters.")


def matching_versions(connection: Connection, ref: VersionRef) -> list[RowMapping]:
    """Every version the reference names (one sha256 may be registered in several projects)."""
    query = select(versions)
    if ref.version_id is not None:
        query = query.where(versions.c.id == ref.version_id)
    else:
        query = query.where(versions.c.sha256.startswith(ref.sha_prefix, autoescape=True))
    return list(connection.execute(query.order_by(versions.c.id)).mappings())


def resolve_version(connection: Connection, ref: VersionRef) -> RowMapping:
    """The one version a reference names; refused as bad input when it names none or several."""
    found = matching_versions(connection, ref)
    if not found:
        raise UnknownVersionError(f"No registered version matches '{ref.text}'.")
    if len({row["sha256"] for row in found}) > 1 or len(found) > 1:
        ids = ", ".join(str(row["id"]) for row in found)
        raise UnknownVersionError(
            f"'{ref.text}' matches versions {ids}; name one by its version id.")
    return found[0]


def version_by_id(connection: Connection, version_id: int) -> RowMapping | None:
    return connection.execute(select(versions).where(versions.c.id == version_id)).mappings().first()


def role_of(connection: Connection, user: str) -> str | None:
    """The user's granted role, or None."""
    return connection.execute(select(grants.c.role).where(grants.c.user == user)).scalar()


def has_grants(connection: Connection) -> bool:
    return connection.execute(select(grants.c.user).limit(1)).first() is not None


def project_by_name(connection: Connection, name: str) -> RowMapping | None:
    return connection.execute(select(projects).where(projects.c.name == name)).mappings().first()


def project_by_id(connection: Connection, project_id: int) -> RowMapping:
    return connection.execute(select(projects).where(projects.c.id == project_id)).mappings().one()


def latest_audit(connection: Connection, version: RowMapping) -> RowMapping | None:
    """The most recent audit run with this version on its side (synthetic, or real for a seed)."""
    side = audits.c.synthetic_version_id if version["kind"] == "synthetic" else audits.c.real_version_id
    return connection.execute(
        select(audits).where(side == version["id"]).order_by(audits.c.id.desc()).limit(1)
    ).mappings().first()


def waived_checks(connection: Connection, version_id: int, audit_id: int) -> set[str]:
    """Checks of that audit run an approver waived for this version."""
    return set(connection.execute(
        select(decisions.c.check_name).where(
            decisions.c.version_id == version_id, decisions.c.kind == "waive",
            decisions.c.audit_id == audit_id)).scalars())


def open_concerns(connection: Connection, version_id: int) -> list[RowMapping]:
    return list(connection.execute(
        select(concerns).where(concerns.c.version_id == version_id, concerns.c.status == "open")
        .order_by(concerns.c.id)).mappings())


def uri_in_use(connection: Connection, uri: str, *, besides: int) -> bool:
    """Whether another version that is not retired still points at this stored file."""
    return connection.execute(
        select(versions.c.id).where(versions.c.uri == uri, versions.c.id != besides,
                                    versions.c.state != "retired").limit(1)).first() is not None


def version_history(connection: Connection, version_id: int) -> list[dict]:
    """Every event whose subject is this version, in order, payloads decoded."""
    rows = connection.execute(
        select(events).where(events.c.subject == f"version:{version_id}").order_by(events.c.id)
    ).mappings()
    return [{**row, "payload": json.loads(row["payload"])} for row in rows]


def version_details(connection: Connection, version: RowMapping) -> dict:
    """A version with its charter name, latest audit headline, decisions and open concerns."""
    audit = latest_audit(connection, version)
    made = connection.execute(
        select(decisions).where(decisions.c.version_id == version["id"]).order_by(decisions.c.id)
    ).mappings()
    return {
        **{k: v for k, v in version.items()},
        "project": project_by_id(connection, version["project_id"])["name"],
        "latest_audit": None if audit is None else
        {**{k: v for k, v in audit.items() if k != "report_json"},
         "failed_checks": json.loads(audit["failed_checks"])},
        "decisions": [dict(d) for d in made],
        "open_concerns": [dict(c) for c in open_concerns(connection, version["id"])],
    }
