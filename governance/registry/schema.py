"""The registry's tables as SQLAlchemy Core objects (the schema itself is made by the migrations).

Times are ISO 8601 UTC text and JSON fields are canonical JSON text, so an event hashes to the
same bytes on SQLite and PostgreSQL (DateTime and JSON types round-trip differently per backend).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

projects = Table(
    "projects", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("purpose", Text, nullable=False),
    Column("uses", Text, nullable=False),           # JSON list of intended uses
    Column("audiences", Text, nullable=False),      # JSON list
    Column("owner", String(200), nullable=False),
    Column("policy_toml", Text),                    # a copy of the policy file's text, never a path
    Column("policy_version", Integer, nullable=False),
    Column("approver_role", String(20), nullable=False),
    Column("review_days", Integer),
    Column("triggers", Text, nullable=False),       # JSON list of enabled review triggers
    Column("created_by", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("rows", Integer),
    Column("columns", Integer),
    Column("uri", Text),                            # the copy in the data folder's store
    Column("source_name", Text),                    # the file name it was registered from
    Column("parent_id", Integer, ForeignKey("versions.id")),
    Column("settings", Text),                       # generation settings text, as recorded
    Column("seed", BigInteger),
    Column("privacy_ledger", Text),
    Column("state", String(20), nullable=False),
    Column("state_changed_at", String(40), nullable=False),
    Column("registered_by", String(200), nullable=False),
    Column("registered_at", String(40), nullable=False),
    UniqueConstraint("project_id", "sha256", name="uq_versions_project_sha256"),
)

audits = Table(
    "audits", metadata,
    Column("id", Integer, primary_key=True),
    Column("real_version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("synthetic_version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("report_json", Text, nullable=False),
    Column("policy_passed", Boolean),
    Column("policy_source", Text),
    Column("policy_sha256", String(64)),            # sha256 of the policy TOML text checked against
    Column("failed_checks", Text, nullable=False),  # JSON list of check names
    Column("lowest_disparate_impact", Float),
    Column("largest_share_gap", Float),
    Column("lowest_fidelity", Float),
    Column("highest_privacy_risk", Float),
    Column("run_by", String(200), nullable=False),
    Column("run_at", String(40), nullable=False),
    Column("fairsynth_version", String(40)),
)

decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("check_name", String(100)),
    Column("audit_id", Integer, ForeignKey("audits.id")),
    Column("replacement_id", Integer, ForeignKey("versions.id")),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", String(40), nullable=False),
)

concerns = Table(
    "concerns", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("blocking", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", String(40), nullable=False),
)

notes = Table(
    "notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("written_by", String(200), nullable=False),
    Column("written_at", String(40), nullable=False),
)

# A configuration may be approved again (new settings under one name): each approval is a row.
approved_settings = Table(
    "approved_settings", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, index=True),
    Column("project_id", Integer, ForeignKey("projects.id")),
    Column("settings_toml", Text, nullable=False),  # the settings as used: shares and rates written out
    Column("settings_sha256", String(64), nullable=False),
    Column("dataset_sha256", String(64), nullable=False),  # the real data the settings were tried on
    Column("reason", Text, nullable=False),
    Column("approved_by", String(200), nullable=False),
    Column("approved_at", String(40), nullable=False),
)

grants = Table(
    "grants", metadata,
    Column("user", String(200), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("granted_by", String(200), nullable=False),
    Column("granted_at", String(40), nullable=False),
)

# Append-only: the migrations add the triggers that refuse UPDATE and DELETE. The id is assigned
# by the writer under the append lock (head + 1), not by a sequence: a rolled-back PostgreSQL
# sequence value would leave a gap that verify could not tell from a deleted event.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
