"""Replay the event log against the entity tables: what the log says must be what the tables hold.

The hash chain proves the log was not edited; this proves the tables were not edited behind it.
Checked: each version's state is the `to` of its latest state-changing event (draft after its
register event), each user's role is that of their latest init/grant event, and each audit run's
report JSON hashes to the sha256 its audit event recorded, each approved configuration's settings
text and dataset are those its event recorded; every row has its event and vice versa.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Connection, select

from fairsynth.governance.registry.schema import (
    approved_settings,
    audits,
    events,
    grants,
    versions,
)


def policy_text_sha256(policy_toml: str) -> str:
    """The sha256 of a policy TOML text (UTF-8): what an audit run and a charter are compared by."""
    return hashlib.sha256(policy_toml.encode("utf-8", "surrogateescape")).hexdigest()


def report_sha256(report_json: str) -> str:
    """The sha256 of an audit run's stored report JSON text (UTF-8)."""
    return hashlib.sha256(report_json.encode("utf-8", "surrogateescape")).hexdigest()


def _replayed(connection: Connection) -> tuple[dict[int, tuple[str, int]], dict[str, tuple[str, int]],
                                               dict[int, tuple[str | None, int]]]:
    states: dict[int, tuple[str, int]] = {}
    roles: dict[str, tuple[str, int]] = {}
    reports: dict[int, tuple[str | None, int]] = {}
    rows = connection.execute(select(events.c.id, events.c.action, events.c.subject,
                                     events.c.payload).order_by(events.c.id))
    for event_id, action, subject, payload_text in rows:
        payload = json.loads(payload_text)
        kind, _, key = subject.partition(":")
        if kind == "version":
            version_id = int(key)
            if action == "register":
                states[version_id] = ("draft", event_id)
            elif "to" in payload:
                states[version_id] = (payload["to"], event_id)
            if action == "audit":
                reports[int(payload["audit_id"])] = (payload.get("report_sha256"), event_id)
        elif kind == "user" and action in ("init", "grant"):
            roles[key] = (payload["role"], event_id)
    return states, roles, reports


def first_mismatch(connection: Connection) -> tuple[str, str] | None:
    """(the first row the log disagrees with, why), or None when the tables agree with the log."""
    states, roles, reports = _replayed(connection)
    for version_id, state in connection.execute(
            select(versions.c.id, versions.c.state).order_by(versions.c.id)):
        logged = states.pop(version_id, None)
        if logged is None:
            return f"version {version_id}", "no event registered it"
        if logged[0] != state:
            return (f"version {version_id}", f"its state is {state} but event {logged[1]} "
                    f"left it {logged[0]}")
    if states:
        version_id, (_, event_id) = min(states.items())
        return f"version {version_id}", f"event {event_id} names it but the versions table has no such row"
    for user, role in connection.execute(select(grants.c.user, grants.c.role).order_by(grants.c.user)):
        logged = roles.pop(user, None)
        if logged is None:
            return f"the grant of {user}", "no event granted it"
        if logged[0] != role:
            return (f"the grant of {user}", f"the role is {role} but event {logged[1]} "
                    f"granted {logged[0]}")
    if roles:
        user, (_, event_id) = min(roles.items(), key=lambda item: item[1][1])
        return f"the grant of {user}", f"event {event_id} granted a role but the grants table has none"
    for audit_id, report_json in connection.execute(
            select(audits.c.id, audits.c.report_json).order_by(audits.c.id)):
        logged = reports.pop(audit_id, None)
        if logged is None:
            return f"audit run {audit_id}", "no event recorded it"
        # Events written before the sha256 was recorded carry none; their run cannot be checked.
        if logged[0] is not None and logged[0] != report_sha256(report_json):
            return (f"audit run {audit_id}", f"its report JSON does not hash to the sha256 event "
                    f"{logged[1]} recorded")
    if reports:
        audit_id, (_, event_id) = min(reports.items())
        return f"audit run {audit_id}", f"event {event_id} recorded it but the audits table has no such row"
    return _settings_mismatch(connection)


def _settings_mismatch(connection: Connection) -> tuple[str, str] | None:
    """Each approved configuration against its approve_settings event."""
    logged: dict[int, tuple[tuple, int]] = {}
    for event_id, subject, payload in connection.execute(
            select(events.c.id, events.c.subject, events.c.payload)
            .where(events.c.action == "approve_settings").order_by(events.c.id)):
        data = json.loads(payload)
        logged[int(subject.partition(":")[2])] = (
            (data.get("name"), data.get("settings_sha256"), data.get("dataset_sha256")), event_id)
    for row in connection.execute(select(approved_settings).order_by(approved_settings.c.id)).mappings():
        found = logged.pop(row["id"], None)
        if found is None:
            return f"approved settings {row['id']}", "no event approved them"
        settings_sha = hashlib.sha256(row["settings_toml"].encode("utf-8", "surrogateescape")).hexdigest()
        if found[0] != (row["name"], settings_sha, row["dataset_sha256"]):
            return (f"approved settings {row['id']}", f"its name, settings or dataset differ from "
                    f"what event {found[1]} recorded")
    if logged:
        approval_id, (_, event_id) = min(logged.items())
        return (f"approved settings {approval_id}",
                f"event {event_id} approved them but the approved_settings table has no such row")
    return None
