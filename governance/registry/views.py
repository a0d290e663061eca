"""What the Govern pages read from the registry, as plain dicts and DataFrames (no Streamlit here).

Each view is a handful of set-based queries (no query per row), so the Datasets page stays fast
on thousands of versions and tens of thousands of events.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import func, select

from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.rules import REQUIRED_ROLE, TRANSITIONS, role_allows
from fairsynth.governance.registry.schema import (
    audits,
    concerns,
    decisions,
    events,
    notes,
    projects,
    versions,
)
from fairsynth.governance.registry.store import Registry

HEADLINE = ("lowest_disparate_impact", "largest_share_gap", "lowest_fidelity",
            "highest_privacy_risk")
# The figures a reviewer scans first come right after the state; provenance last.
DATASET_COLUMNS = ["id", "project", "kind", "name", "state", "lowest_disparate_impact",
                   "largest_share_gap", "policy_passed", "open_concerns", "next_review", "audits",
                   "lowest_fidelity", "highest_privacy_risk", "rows", "registered_by",
                   "registered_at"]
# Which buttons the Version page shows, in order; the store checks each again when clicked.
ACTIONS = ("approve", "reject", "waive", "flag", "retire", "reopen", "concern")


def _charter(row) -> dict:
    data = dict(row)
    for key in ("uses", "audiences", "triggers"):
        data[key] = json.loads(data[key])
    return data


def projects_list(registry: Registry) -> list[dict]:
    """Every project's current charter, by name."""
    with registry.engine.connect() as connection:
        rows = connection.execute(select(projects).order_by(projects.c.name)).mappings()
        return [_charter(r) for r in rows]


def charter_versions(registry: Registry, name: str) -> pd.DataFrame:
    """Every version of a project's charter, oldest first (from the trail: each is an event)."""
    with registry.engine.connect() as connection:
        rows = connection.execute(
            select(events.c.id, events.c.at, events.c.actor, events.c.payload)
            .where(events.c.subject == f"project:{name}").order_by(events.c.id)).mappings().all()
    out = []
    for number, row in enumerate(rows, start=1):
        payload = json.loads(row["payload"])
        out.append({"charter_version": number, "at": row["at"], "by": row["actor"],
                    "purpose": payload.get("purpose"), "uses": ", ".join(payload.get("uses") or []),
                    "policy_version": payload.get("policy_version"),
                    "review_days": payload.get("review_days")})
    return pd.DataFrame(out, columns=["charter_version", "at", "by", "purpose", "uses",
                                      "policy_version", "review_days"])


def next_review(state: str, changed_at: str, review_days: int | None) -> str | None:
    """When an approved version falls due for review (its charter's cadence), as a date."""
    if review_days is None or state not in ("approved", "review_due"):
        return None
    return (datetime.fromisoformat(changed_at) + timedelta(days=int(review_days))).date().isoformat()


def datasets(registry: Registry, *, project: str | None = None,
             states: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every version (filtered by project and states) with its latest audit's headline figures,
    its open concerns and its next review date; newest first."""
    latest = (select(audits.c.synthetic_version_id.label("vid"), func.max(audits.c.id).label("aid"),
                     func.count().label("n")).group_by(audits.c.synthetic_version_id).subquery())
    open_count = (select(concerns.c.version_id.label("vid"), func.count().label("n"))
                  .where(concerns.c.status == "open").group_by(concerns.c.version_id).subquery())
    query = (
        select(versions.c.id, projects.c.name.label("project"), versions.c.kind,
               versions.c.source_name.label("name"), versions.c.state, versions.c.rows,
               versions.c.registered_by, versions.c.registered_at, versions.c.state_changed_at,
               projects.c.review_days, latest.c.n.label("audits"), audits.c.policy_passed,
               *[audits.c[h] for h in HEADLINE], open_count.c.n.label("open_concerns"))
        .join(projects, projects.c.id == versions.c.project_id)
        .outerjoin(latest, latest.c.vid == versions.c.id)
        .outerjoin(audits, audits.c.id == latest.c.aid)
        .outerjoin(open_count, open_count.c.vid == versions.c.id)
        .order_by(versions.c.id.desc()))
    if project:
        query = query.where(projects.c.name == project)
    if states:
        query = query.where(versions.c.state.in_(states))
    with registry.engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).mappings().all())
    if frame.empty:
        return pd.DataFrame(columns=DATASET_COLUMNS)
    for column in ("audits", "open_concerns"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    frame["next_review"] = [next_review(s, c, d) for s, c, d in
                            zip(frame["state"], frame["state_changed_at"],
                                frame["review_days"].astype(object).where(frame["review_days"].notna(), None),
                                strict=True)]
    return frame[DATASET_COLUMNS]


def version_page(registry: Registry, version_id: int) -> dict:
    """Everything a version's page shows: facts, audits over time, decisions, concerns, notes,
    the trail and the lineage graph's nodes and edges."""
    with registry.engine.connect() as connection:
        version = q.version_by_id(connection, version_id)
        if version is None:
            return {}
        charter = _charter(q.project_by_id(connection, version["project_id"]))
        side = (audits.c.synthetic_version_id if version["kind"] == "synthetic"
                else audits.c.real_version_id)
        runs = pd.DataFrame(connection.execute(
            select(audits.c.id, audits.c.run_at, audits.c.run_by, audits.c.policy_passed,
                   audits.c.failed_checks, audits.c.real_version_id, *[audits.c[h] for h in HEADLINE])
            .where(side == version_id).order_by(audits.c.id)).mappings().all(),
            columns=["id", "run_at", "run_by", "policy_passed", "failed_checks", "real_version_id",
                     *HEADLINE])
        made = [dict(r) for r in connection.execute(
            select(decisions).where(decisions.c.version_id == version_id)
            .order_by(decisions.c.id)).mappings()]
        filed = [dict(r) for r in connection.execute(
            select(concerns).where(concerns.c.version_id == version_id)
            .order_by(concerns.c.id)).mappings()]
        written = [dict(r) for r in connection.execute(
            select(notes).where(notes.c.version_id == version_id).order_by(notes.c.id)).mappings()]
        trail = q.version_history(connection, version_id)
        parent = (None if version["parent_id"] is None
                  else q.version_by_id(connection, version["parent_id"]))
    return {"version": dict(version), "charter": charter, "audits": runs, "decisions": made,
            "concerns": filed, "notes": written, "trail": trail,
            "parent": None if parent is None else dict(parent),
            "lineage": lineage(dict(version), None if parent is None else dict(parent), runs, made)}


def lineage(version: dict, parent: dict | None, runs: pd.DataFrame, made: list[dict]) -> dict:
    """The lineage graph: real seed -> settings and privacy budget -> this version -> audits ->
    decisions, as nodes (id, layer, label) and edges (from, to)."""
    nodes, edges = [], []
    me = f"v{version['id']}"
    if parent is not None:
        nodes.append({"id": f"v{parent['id']}", "layer": 0, "kind": "real",
                      "label": f"real seed v{parent['id']}<br>{parent['source_name'] or ''}"})
    settings_label = "settings: none recorded"
    if version.get("settings") or version.get("seed") is not None:
        settings_label = f"settings<br>seed {version.get('seed')}"
    budget = _budget(version.get("privacy_ledger"))
    nodes.append({"id": "settings", "layer": 1, "kind": "settings",
                  "label": f"{settings_label}<br>{budget}"})
    if parent is not None:
        edges.append((f"v{parent['id']}", "settings"))
    nodes.append({"id": me, "layer": 2, "kind": version["kind"],
                  "label": f"{version['kind']} v{version['id']}<br>{version['source_name'] or ''}"
                           f"<br>{version['state']}"})
    edges.append(("settings", me))
    for run in runs.itertuples():
        verdict = {True: "passed", False: "failed"}.get(run.policy_passed, "no policy")
        nodes.append({"id": f"a{run.id}", "layer": 3, "kind": "audit",
                      "label": f"audit {run.id}<br>{verdict}<br>{str(run.run_at)[:10]}"})
        edges.append((me, f"a{run.id}"))
    for decision in made:
        source = f"a{decision['audit_id']}" if decision.get("audit_id") else me
        nodes.append({"id": f"d{decision['id']}", "layer": 4, "kind": "decision",
                      "label": f"{decision['kind']}<br>{decision['decided_by']}"
                               f"<br>{decision['decided_at'][:10]}"})
        edges.append((source, f"d{decision['id']}"))
    return {"nodes": nodes, "edges": edges}


def _budget(ledger: str | None) -> str:
    if not ledger:
        return "privacy: no formal guarantee"
    try:
        data = json.loads(ledger)
    except ValueError:
        return "privacy ledger recorded"
    epsilon = data.get("epsilon") if isinstance(data, dict) else None
    return f"privacy budget ε={epsilon}" if epsilon is not None else "privacy ledger recorded"


def allowed_actions(role: str | None, version: dict, charter: dict) -> list[str]:
    """The actions a user with `role` may try on this version now (role and state); the store
    still checks every rule (separation of duties, evidence) when one is used."""
    shown = []
    for action in ACTIONS:
        needed = REQUIRED_ROLE[action]
        if action != "concern" and role_allows(charter["approver_role"], needed):
            needed = charter["approver_role"]
        if not role_allows(role, needed):
            continue
        if action in TRANSITIONS and version["state"] not in TRANSITIONS[action][0]:
            continue
        if action == "waive" and version["state"] == "retired":
            continue
        shown.append(action)
    return shown


def version_choices(registry: Registry, *, limit: int = 5000) -> list[tuple[int, str]]:
    """(id, label) of versions for a picker, newest first."""
    with registry.engine.connect() as connection:
        rows = connection.execute(
            select(versions.c.id, versions.c.kind, versions.c.source_name, versions.c.state,
                   projects.c.name).join(projects, projects.c.id == versions.c.project_id)
            .order_by(versions.c.id.desc()).limit(limit)).all()
    return [(r[0], f"v{r[0]} · {r[4]} · {r[1]} · {r[2] or ''} · {r[3]}") for r in rows]


def pair_of(registry: Registry, synthetic_id: int) -> dict | None:
    """The real and synthetic versions and roles to reopen a registered pair: the latest audit's
    real side (else the parent seed) and that audit's roles; None if it has no real side."""
    with registry.engine.connect() as connection:
        version = q.version_by_id(connection, synthetic_id)
        if version is None or version["kind"] != "synthetic":
            return None
        audit = q.latest_audit(connection, version)
        real_id = audit["real_version_id"] if audit is not None else version["parent_id"]
        if real_id is None:
            return None
        real = q.version_by_id(connection, real_id)
        roles = {}
        if audit is not None:
            roles = json.loads(audit["report_json"]).get("roles") or {}
    return {"real": dict(real), "synthetic": dict(version), "roles": roles}
