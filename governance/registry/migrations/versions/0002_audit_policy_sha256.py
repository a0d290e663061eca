"""Record the sha256 of the policy TOML each audit run was checked against.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Approval compares it with the sha256 of the charter's policy: a run under another (laxer) policy
is not evidence. Runs recorded before this revision have none, so they do not count as evidence.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch:
        batch.add_column(sa.Column("policy_sha256", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("audits") as batch:
        batch.drop_column("policy_sha256")
