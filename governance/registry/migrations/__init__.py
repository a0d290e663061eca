"""Alembic migration scripts of the registry (run by database.migrate, never via an alembic.ini)."""
