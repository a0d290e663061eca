"""The dashboard's door to the registry: one open registry per database URL, who the user is and
which role they hold (shown in the sidebar), and reading a registered version's file."""

from __future__ import annotations

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.loading import LoadedTable, load_table
from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.database import registry_url
from fairsynth.governance.registry.errors import (
    RefusedError,
    RegistryOutageError,
    RegistryUnavailableError,
)
from fairsynth.governance.registry.identity import (
    acting_user,
    auth_mode,
    identity_header,
    user_from_headers,
)
from fairsynth.governance.registry.store import Registry
from fairsynth.ui.text import md


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(url: str, local_user: str | None) -> Registry:
    registry = Registry.open(url)
    if local_user is not None:
        registry.init(local_user)  # local mode: the OS user is the first admin (no-op afterwards)
    return registry


def registry() -> Registry:
    """The registry at $FAIRSYNTH_REGISTRY_URL or $FAIRSYNTH_DATA_DIR/registry.db, migrated."""
    local = acting_user() if auth_mode() == "local" else None
    return _open(registry_url(), local)


def registry_problem(exc: FairSynthError) -> str:
    """The one sentence a page shows when the registry cannot answer: an outage says so itself
    (and that it is temporary), anything else is prefixed."""
    if isinstance(exc, RegistryUnavailableError):
        return str(exc)
    return f"The registry is unavailable: {exc}"


def current_user() -> str | None:
    """Local mode: $FAIRSYNTH_USER or the OS user; header mode: the trusted proxy's header."""
    if auth_mode() == "local":
        return acting_user()
    return user_from_headers(st.context.headers)


def current_role(reg: Registry | None = None) -> str | None:
    """The current user's granted role, or None (no identity, or no grant)."""
    user = current_user()
    if user is None:
        return None
    with (reg or registry()).engine.connect() as connection:
        return q.role_of(connection, user)


def identity_line() -> str:
    """Who the dashboard acts as, for the sidebar."""
    try:
        user = current_user()
        if user is None:
            return f"Not signed in: the proxy sent no {identity_header()} header (read-only)."
        role = current_role()
    except RegistryOutageError:
        return "Registry offline: its database does not answer; try again in a moment."
    except FairSynthError as exc:
        return f"Registry unavailable: {exc}"
    mode = "local mode" if auth_mode() == "local" else f"via {identity_header()}"
    return f"Signed in as **{md(user)}** · {role or 'no role'} ({mode})"


def open_version_table(version_id: int) -> LoadedTable:
    """A registered version's stored file, if the current user may view the registry."""
    reg = registry()
    user = current_user()
    if current_role(reg) is None:
        raise RefusedError(f"{user or 'An anonymous user'} has no role in the registry, so cannot "
                           f"open version {version_id}.")
    with reg.engine.connect() as connection:
        version = q.version_by_id(connection, version_id)
    if version is None or not version["uri"]:
        raise RefusedError(f"Version {version_id} has no stored file (it is unknown or retired).")
    return load_table(version["uri"], name=version["source_name"] or f"v{version_id}")
