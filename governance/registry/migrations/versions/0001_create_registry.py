"""Create the registry: charters, versions, audits, decisions, concerns, notes, grants, events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

The tables are written out here rather than read from schema.py: a migration is frozen at the
schema it created, while schema.py follows the latest revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "events are append-only: UPDATE and DELETE are refused"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
]

POSTGRES_TRIGGERS = [
    "CREATE FUNCTION fairsynth_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION fairsynth_events_append_only()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION fairsynth_events_append_only()",
    # Other roles of a shared server get no way to rewrite the log either (the owner is held
    # back by the triggers above).
    "REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC",
]


def _time(name: str) -> sa.Column:
    return sa.Column(name, sa.String(40), nullable=False)


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.String(200), nullable=False)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("uses", sa.Text, nullable=False),
        sa.Column("audiences", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("policy_toml", sa.Text),
        sa.Column("policy_version", sa.Integer, nullable=False),
        sa.Column("approver_role", sa.String(20), nullable=False),
        sa.Column("review_days", sa.Integer),
        sa.Column("triggers", sa.Text, nullable=False),
        _user("created_by"), _time("created_at"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer),
        sa.Column("columns", sa.Integer),
        sa.Column("uri", sa.Text),
        sa.Column("source_name", sa.Text),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("versions.id")),
        sa.Column("settings", sa.Text),
        sa.Column("seed", sa.BigInteger),
        sa.Column("privacy_ledger", sa.Text),
        sa.Column("state", sa.String(20), nullable=False),
        _time("state_changed_at"), _user("registered_by"), _time("registered_at"),
        sa.UniqueConstraint("project_id", "sha256", name="uq_versions_project_sha256"),
    )
    op.create_index("ix_versions_sha256", "versions", ["sha256"])
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("real_version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("synthetic_version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("policy_passed", sa.Boolean),
        sa.Column("policy_source", sa.Text),
        sa.Column("failed_checks", sa.Text, nullable=False),
        sa.Column("lowest_disparate_impact", sa.Float),
        sa.Column("largest_share_gap", sa.Float),
        sa.Column("lowest_fidelity", sa.Float),
        sa.Column("highest_privacy_risk", sa.Float),
        _user("run_by"), _time("run_at"),
        sa.Column("fairsynth_version", sa.String(40)),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("check_name", sa.String(100)),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audits.id")),
        sa.Column("replacement_id", sa.Integer, sa.ForeignKey("versions.id")),
        _user("decided_by"), _time("decided_at"),
    )
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("blocking", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _user("filed_by"), _time("filed_at"),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        _user("written_by"), _time("written_at"),
    )
    op.create_table(
        "grants",
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        _user("granted_by"), _time("granted_at"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        _time("at"), _user("actor"),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    # The trail is the point of the registry: dropping it is never done by a migration.
    raise NotImplementedError("The registry's first revision cannot be downgraded.")
