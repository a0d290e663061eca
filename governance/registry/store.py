"""The registry store: one method per write, each one transaction that checks the actor's role in
the database, changes the entity and appends its event together. A refusal raises RefusedError
before anything is written, so the trail holds only what happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, RowMapping, insert, select, update

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import clean_stale_temps
from fairsynth.governance.policy import parse_policy
from fairsynth.governance.registry import decisions as decide
from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.chain import (
    ChainReport,
    append_event,
    canonical_json,
    now_utc,
    verify_chain,
)
from fairsynth.governance.registry.database import (
    after_commit_actions,
    make_engine,
    migrate,
    write_transaction,
)
from fairsynth.governance.registry.errors import RefusedError, UnknownVersionError
from fairsynth.governance.registry.files import store_copy, store_root
from fairsynth.governance.registry.headline import headline
from fairsynth.governance.registry.inspect_file import inspect_table
from fairsynth.governance.registry.replay import report_sha256
from fairsynth.governance.registry.rules import (
    KINDS,
    REQUIRED_ROLE,
    REVIEW_TRIGGERS,
    ROLE_RANK,
    ROLES,
    role_allows,
)
from fairsynth.governance.registry.schema import (
    audits,
    concerns,
    grants,
    notes,
    projects,
    versions,
)
from fairsynth.governance.registry.settings_approvals import record_approval

# Who the trail names for what a rule did by itself (review triggers, the review cadence).
SYSTEM_ACTOR, SYSTEM_ROLE = "fairsynth", "system"


@dataclass
class Tx:
    """One write transaction: its connection, and who acts with which role."""

    connection: Connection
    user: str
    role: str
    # What to do once the transaction has committed (erasing a retired file), in order.
    after_commit: list[Callable[[], object]] = field(default_factory=list)

    def event(self, action: str, subject: str, payload: dict) -> dict:
        return append_event(self.connection, actor=self.user, role=self.role, action=action,
                            subject=subject, payload=payload)

    def set_state(self, version: RowMapping, state: str) -> None:
        self.connection.execute(update(versions).where(versions.c.id == version["id"])
                                .values(state=state, state_changed_at=now_utc()))

    def system_event(self, action: str, subject: str, payload: dict) -> dict:
        return append_event(self.connection, actor=SYSTEM_ACTOR, role=SYSTEM_ROLE, action=action,
                            subject=subject, payload=payload)


def _role_refusal(user: str, role: str | None, action: str, needed: str) -> str:
    if role is None:
        return (f"{user} has no role in the registry, so cannot {action}; an admin can grant one "
                f"with `fairsynth registry grant {user} ROLE`.")
    return f"{user} is {_article(role)} {role}, and {action} needs the {needed} role or above."


def _policy_version(existing: RowMapping | None, policy_toml: str | None) -> int:
    """1 for a first policy, the same number for the same text, one more for a changed text."""
    if existing is None:
        return 1 if policy_toml else 0
    version = int(existing["policy_version"])
    return version if policy_toml == existing["policy_toml"] else version + 1


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _text(value: str, what: str) -> str:
    if not value or not value.strip():
        raise InvalidInputError(f"Give a non-empty {what}.")
    return value.strip()


class Registry:
    """The system of record over one database (see DESIGN.md, "Governance registry")."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> Registry:
        """Open the registry at `url` (default: $FAIRSYNTH_REGISTRY_URL or the SQLite file), migrated."""
        engine = make_engine(url)
        migrate(engine)
        clean_stale_temps(store_root())  # copies a killed CLI run or server left half-done
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self, user: str, action: str) -> Iterator[Tx]:
        with write_transaction(self.engine, fault_point="registry") as connection:
            role = q.role_of(connection, user)
            needed = REQUIRED_ROLE[action]
            if not role_allows(role, needed):
                raise RefusedError(_role_refusal(user, role, action, needed))
            yield Tx(connection, user, role, after_commit_actions(connection))

    def transaction(self) -> AbstractContextManager[Connection]:
        """One transaction around several writes (each still checks its actor's role): all of them
        are committed together, or none if any is refused or the process dies first."""
        return write_transaction(self.engine, fault_point="registry")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    # -- users and charters -------------------------------------------------------------------
    def init(self, user: str) -> bool:
        """Make `user` the first admin; False (nothing written) when the registry already has users."""
        with write_transaction(self.engine) as connection:
            if q.has_grants(connection):
                return False
            connection.execute(insert(grants).values(user=user, role="admin", granted_by=user,
                                                     granted_at=now_utc()))
            Tx(connection, user, "admin").event("init", f"user:{user}", {"role": "admin"})
            return True

    def grant(self, user: str, grantee: str, role: str) -> None:
        """Give `grantee` a role (admin only); the last admin cannot be demoted."""
        if role not in ROLE_RANK:
            raise InvalidInputError(f"Unknown role '{role}'; roles: {', '.join(ROLES)}.")
        grantee = _text(grantee, "user name")
        with self._write(user, "grant") as tx:
            before = q.role_of(tx.connection, grantee)
            if before == "admin" and role != "admin":
                admins = tx.connection.execute(
                    select(grants.c.user).where(grants.c.role == "admin")).scalars().all()
                if len(admins) == 1:
                    raise RefusedError(f"{grantee} is the only admin; grant admin to another user first.")
            values = {"role": role, "granted_by": user, "granted_at": now_utc()}
            if before is None:
                tx.connection.execute(insert(grants).values(user=grantee, **values))
            else:
                tx.connection.execute(update(grants).where(grants.c.user == grantee).values(**values))
            tx.event("grant", f"user:{grantee}", {"role": role, "previous_role": before})

    def create_project(self, user: str, name: str, *, purpose: str, uses: Sequence[str] = (),
                       audiences: Sequence[str] = (), policy_toml: str | None = None,
                       review_days: int | None = None, approver_role: str = "approver",
                       triggers: Sequence[str] = REVIEW_TRIGGERS) -> int:
        """Create a project and its charter, or write a new version of an existing charter (admin only).

        The policy text is validated and copied; its version goes up whenever the text changes.
        """
        name, purpose = _text(name, "project name"), _text(purpose, "purpose")
        if policy_toml is not None:
            parse_policy(policy_toml, source=f"policy of project {name}")
        if review_days is not None and review_days < 1:
            raise InvalidInputError("--review-days must be at least 1.")
        if approver_role not in ("approver", "admin"):
            raise InvalidInputError("The approver role of a charter is approver or admin.")
        unknown = sorted(set(triggers) - set(REVIEW_TRIGGERS))
        if unknown:
            raise InvalidInputError(f"Unknown review trigger(s) {', '.join(unknown)}; "
                                    f"triggers: {', '.join(REVIEW_TRIGGERS)}.")
        with self._write(user, "project") as tx:
            existing = q.project_by_name(tx.connection, name)
            charter = {"purpose": purpose, "uses": list(uses), "audiences": list(audiences),
                       "owner": user if existing is None else existing["owner"],
                       "policy_version": _policy_version(existing, policy_toml),
                       "approver_role": approver_role, "review_days": review_days,
                       "triggers": list(triggers)}
            columns = {**charter, "policy_toml": policy_toml, "uses": canonical_json(list(uses)),
                       "audiences": canonical_json(list(audiences)),
                       "triggers": canonical_json(list(triggers))}
            if existing is not None:
                # A new charter version: the row holds the current one, the trail every one, and an
                # audit checked against an older policy text no longer counts as evidence.
                tx.connection.execute(update(projects).where(projects.c.id == existing["id"])
                                      .values(**columns))
                tx.event("charter", f"project:{name}", {**charter, "policy_toml": policy_toml})
                return int(existing["id"])
            project_id = tx.connection.execute(insert(projects).values(
                name=name, created_by=user, created_at=now_utc(), **columns)).inserted_primary_key[0]
            tx.event("project", f"project:{name}", {**charter, "policy_toml": policy_toml})
            return int(project_id)

    # -- versions, audits, notes, concerns ----------------------------------------------------
    def register(self, user: str, path: str | Path, *, project: str, kind: str,
                 parent: str | int | None = None) -> tuple[int, bool]:
        """Register a file as a version (copied into the store); (id, False) if already registered."""
        if kind not in KINDS:
            raise InvalidInputError(f"Unknown kind '{kind}'; kinds: {', '.join(KINDS)}.")
        path = Path(path)
        # Hashed while copied into the store, then read from the copy: what is recorded is what is
        # stored, even if the source file changes meanwhile.
        sha256, stored = store_copy(path)
        facts = inspect_table(stored)
        parent_ref = None if parent is None else q.parse_ref(parent)
        with self._write(user, "register") as tx:
            charter = q.project_by_name(tx.connection, project)
            if charter is None:
                raise InvalidInputError(f"No project named {project}; an admin creates it with "
                                        "`fairsynth registry project`.")
            existing = tx.connection.execute(select(versions.c.id).where(
                versions.c.project_id == charter["id"], versions.c.sha256 == sha256)).scalar()
            if existing is not None:
                return int(existing), False
            parent_id = None
            if parent_ref is not None:
                parent_row = q.resolve_version(tx.connection, parent_ref)
                if parent_row["kind"] != "real" or parent_row["project_id"] != charter["id"]:
                    raise RefusedError(f"The parent of a version must be a real seed of project "
                                       f"{project}, and version {parent_row['id']} is not.")
                parent_id = parent_row["id"]
            at = now_utc()
            row = {"project_id": charter["id"], "kind": kind, "sha256": sha256,
                   "rows": facts.rows, "columns": facts.columns,
                   "uri": str(stored), "source_name": path.name,
                   "parent_id": parent_id, "settings": facts.settings, "seed": facts.seed,
                   "privacy_ledger": facts.privacy_ledger, "state": "draft",
                   "state_changed_at": at, "registered_by": user, "registered_at": at}
            version_id = int(tx.connection.execute(insert(versions).values(**row))
                             .inserted_primary_key[0])
            tx.event("register", f"version:{version_id}",
                     {k: row[k] for k in ("kind", "sha256", "rows", "columns", "source_name",
                                          "parent_id", "seed")} | {"project": project})
            return version_id, True

    def record_audit(self, user: str, *, real_version: int, synthetic_version: int, report: dict,
                     policy_sha256: str | None = None, fairsynth_version: str | None = None) -> int:
        """Store an audit run of a (real, synthetic) pair and fire the charter's review triggers.

        `policy_sha256` is that of the policy TOML text the run was checked against
        (policy_text_sha256); approval needs it to be the charter's.
        """
        figures = headline(report)
        with self._write(user, "audit") as tx:
            real = q.version_by_id(tx.connection, real_version)
            synthetic = q.version_by_id(tx.connection, synthetic_version)
            decide.check_audit_pair(real, synthetic, report)
            policy = report.get("policy") or {}
            report_json = json.dumps(report, ensure_ascii=False, allow_nan=False)
            audit_id = int(tx.connection.execute(insert(audits).values(
                real_version_id=real["id"], synthetic_version_id=synthetic["id"],
                report_json=report_json,
                policy_passed=figures.policy_passed, policy_source=policy.get("source"),
                policy_sha256=policy_sha256 if report.get("policy") else None,
                failed_checks=canonical_json(list(figures.failed_checks)),
                lowest_disparate_impact=figures.lowest_disparate_impact,
                largest_share_gap=figures.largest_share_gap,
                lowest_fidelity=figures.lowest_fidelity,
                highest_privacy_risk=figures.highest_privacy_risk,
                run_by=user, run_at=now_utc(), fairsynth_version=fairsynth_version,
            )).inserted_primary_key[0])
            payload = {"audit_id": audit_id, "real_version": real["id"],
                       "policy_passed": figures.policy_passed,
                       "failed_checks": list(figures.failed_checks),
                       "report_sha256": report_sha256(report_json),
                       "policy_sha256": policy_sha256 if report.get("policy") else None}
            if synthetic["state"] == "draft":
                tx.set_state(synthetic, "in_review")
                payload |= {"from": "draft", "to": "in_review"}
            tx.event("audit", f"version:{synthetic['id']}", payload)
            decide.audit_triggers(tx, synthetic, figures, audit_id)
            return audit_id

    def add_note(self, user: str, ref: str, text: str) -> int:
        """Write a note on a version (analyst and above)."""
        text, parsed = _text(text, "note"), q.parse_ref(ref)
        with self._write(user, "note") as tx:
            version = q.resolve_version(tx.connection, parsed)
            note_id = int(tx.connection.execute(insert(notes).values(
                version_id=version["id"], text=text, written_by=user, written_at=now_utc()
            )).inserted_primary_key[0])
            tx.event("note", f"version:{version['id']}", {"note_id": note_id, "text": text})
            return note_id

    def file_concern(self, user: str, ref: str, text: str, *, blocking: bool = False) -> int:
        """File a concern against a version (any role); a blocking one flags an approved version."""
        text, parsed = _text(text, "concern"), q.parse_ref(ref)
        with self._write(user, "concern") as tx:
            version = q.resolve_version(tx.connection, parsed)
            concern_id = int(tx.connection.execute(insert(concerns).values(
                version_id=version["id"], text=text, blocking=blocking, status="open",
                filed_by=user, filed_at=now_utc())).inserted_primary_key[0])
            tx.event("concern", f"version:{version['id']}",
                     {"concern_id": concern_id, "text": text, "blocking": blocking})
            if blocking:
                decide.concern_trigger(tx, version, concern_id)
            return concern_id

    def approve_settings(self, user: str, *, name: str, settings_toml: str, dataset_sha256: str,
                         reason: str, project: str | None = None) -> dict:
        """Record approved generation settings with the sha256 of the data tried on (approver)."""
        with self._write(user, "approve_settings") as tx:
            return record_approval(tx, name=name, settings_toml=settings_toml, reason=reason,
                                   dataset_sha256=dataset_sha256, project=project)

    # -- decisions (rules in decisions.py) ----------------------------------------------------
    def approve(self, user: str, ref: str, reason: str) -> None:
        self._decide(user, "approve", ref, reason)

    def reject(self, user: str, ref: str, reason: str) -> None:
        self._decide(user, "reject", ref, reason)

    def flag(self, user: str, ref: str, reason: str) -> None:
        self._decide(user, "flag", ref, reason)

    def reopen(self, user: str, ref: str, reason: str) -> None:
        self._decide(user, "reopen", ref, reason)

    def retire(self, user: str, ref: str, reason: str, *, replacement: str | None = None) -> None:
        self._decide(user, "retire", ref, reason, replacement=replacement)

    def waive(self, user: str, ref: str, check: str, reason: str) -> None:
        self._decide(user, "waive", ref, reason, check=_text(check, "check name"))

    def _decide(self, user: str, kind: str, ref: str, reason: str, **options) -> None:
        reason, parsed = _text(reason, "reason"), q.parse_ref(ref)
        replacement = options.pop("replacement", None)
        replacement_ref = None if replacement is None else q.parse_ref(replacement)
        with self._write(user, kind) as tx:
            version = q.resolve_version(tx.connection, parsed)
            decide.check_charter_role(tx, version, kind)
            if replacement_ref is not None:
                options["replacement"] = q.resolve_version(tx.connection, replacement_ref)
            decide.DECISIONS[kind](tx, version, reason, **options)

    # -- the review cadence, reads, verify ----------------------------------------------------
    def apply_review_cadence(self, now: datetime | None = None) -> list[int]:
        """Move approved versions past their charter's review cadence to review_due."""
        moved = []
        with write_transaction(self.engine) as connection:
            tx = Tx(connection, SYSTEM_ACTOR, SYSTEM_ROLE)
            due = connection.execute(
                select(versions, projects.c.review_days).join(projects)
                .where(versions.c.state == "approved", projects.c.review_days.is_not(None))
            ).mappings().all()
            now = now or datetime.fromisoformat(now_utc())
            for version in due:
                since = datetime.fromisoformat(version["state_changed_at"])
                if now - since >= timedelta(days=version["review_days"]):
                    tx.set_state(version, "review_due")
                    tx.system_event("review_due", f"version:{version['id']}", {
                        "from": "approved", "to": "review_due",
                        "reason": f"approved {version['review_days']} or more days ago"})
                    moved.append(int(version["id"]))
        return moved

    def project(self, name: str) -> dict | None:
        """A project's current charter row, or None."""
        with self._read() as connection:
            row = q.project_by_name(connection, name)
        return None if row is None else dict(row)

    def versions_for(self, ref: str, *, project: str | None = None) -> list[dict]:
        """Every version a reference names (a file registered in two projects is two versions),
        with its project's name; only those of `project` when given. A sha256 prefix that matches
        two different files is refused as ambiguous (bad input)."""
        parsed = q.parse_ref(ref)
        with self._read() as connection:
            found = q.matching_versions(connection, parsed)
            if len({v["sha256"] for v in found}) > 1:
                raise UnknownVersionError(
                    f"'{parsed.text}' is the start of {len({v['sha256'] for v in found})} different "
                    "sha256; give more of it or a version id.")
            names = {}
            if project is not None:
                charter = q.project_by_name(connection, project)
                if charter is None:
                    raise InvalidInputError(f"No project named {project}.")
                names[charter["id"]] = project
                found = [v for v in found if v["project_id"] == charter["id"]]
            for v in found:
                if v["project_id"] not in names:
                    names[v["project_id"]] = q.project_by_id(connection, v["project_id"])["name"]
            return [{**dict(v), "project": names[v["project_id"]]} for v in found]

    def details(self, ref: str) -> dict:
        parsed = q.parse_ref(ref)
        with self._read() as connection:
            return q.version_details(connection, q.resolve_version(connection, parsed))

    def history(self, ref: str) -> list[dict]:
        parsed = q.parse_ref(ref)
        with self._read() as connection:
            return q.version_history(connection, q.resolve_version(connection, parsed)["id"])

    def verify(self) -> ChainReport:
        """Recompute the trail's hash chain; the report names the first bad event."""
        with self._read() as connection:
            return verify_chain(connection)
