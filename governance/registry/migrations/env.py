"""Alembic environment: migrate the connection database.migrate hands over (no ini, no logging set-up)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
