"""Approved generation settings: the settings text, the dataset it was tried on, who approved it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

An approval of a configuration names the sha256 of the real data it was tried on, so a report
that cites the configuration can say whether it was approved for that very data.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approved_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id")),
        sa.Column("settings_toml", sa.Text, nullable=False),
        sa.Column("settings_sha256", sa.String(64), nullable=False),
        sa.Column("dataset_sha256", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=False),
        sa.Column("approved_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_approved_settings_name", "approved_settings", ["name"])


def downgrade() -> None:
    op.drop_index("ix_approved_settings_name", table_name="approved_settings")
    op.drop_table("approved_settings")
