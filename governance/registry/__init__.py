"""The governance registry: charters, dataset versions, audits, decisions by role, a hash-chained trail.

`open_registry()` gives a `Registry` (store.py) over SQLite under $FAIRSYNTH_DATA_DIR, or over
PostgreSQL when $FAIRSYNTH_REGISTRY_URL is set; the schema comes only from the Alembic migrations.
"""
