"""Session state in one place: the active dataset pair, its source label, the session token and notes."""

from __future__ import annotations

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.memory_budget import MemoryBudgetError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.samples import DEFAULT_SAMPLE, SAMPLES
from fairsynth.governance.notes import MitigationNote
from fairsynth.governance.notes_store import (
    is_valid_token,
    load_session_notes,
    new_token,
    save_session_notes,
)
from fairsynth.ui.cache import bundled_pair
from fairsynth.ui.persistence import RESTORED_KEY, remember_pair, restore_pair
from fairsynth.ui.registry_access import open_version_table

PAIR_KEY = "pair"
SOURCE_KEY = "pair_source"
TOKEN_KEY = "session_token"
TOKEN_PARAM = "s"
NOTES_KEY = "notes"
NOTES_ERROR_KEY = "notes_store_error"
KEEP_ERROR_KEY = "pair_keep_error"
RESTORE_ERROR_KEY = "pair_restore_error"


def init_state() -> None:
    """Keep the session token in the URL; load the default pair on a session's first run."""
    _keep_token_in_url()
    if PAIR_KEY in st.session_state:
        return
    st.session_state[PAIR_KEY] = None
    st.session_state[SOURCE_KEY] = None
    if _restore():
        return
    try:
        # Not set_pair: the default needs no pointer, so a bare visit writes no file.
        st.session_state[PAIR_KEY] = bundled_pair(DEFAULT_SAMPLE)
        st.session_state[SOURCE_KEY] = f"sample: {SAMPLES[DEFAULT_SAMPLE].title}"
    except FairSynthError as exc:
        st.session_state["startup_error"] = str(exc)


def _restore() -> bool:
    """Bring back the pair and roles saved under this URL's token (a reload, a restart)."""
    try:
        restored = restore_pair(st.session_state[TOKEN_KEY], open_version_table)
    except MemoryBudgetError as exc:  # kept for later: the pointer is not touched
        st.session_state[RESTORE_ERROR_KEY] = (
            f"The pair saved for this link was not restored yet: {exc} Reload the page to try "
            "again; the default sample is active until then.")
        return False
    except FairSynthError as exc:
        st.session_state[RESTORE_ERROR_KEY] = f"The pair saved for this link could not be restored: {exc}"
        return False
    if restored is None:
        return False
    pair, source, line = restored
    st.session_state[PAIR_KEY], st.session_state[SOURCE_KEY] = pair, source
    st.session_state[RESTORED_KEY] = (line, source)
    return True


def active_pair() -> DatasetPair | None:
    """The pair every page works on, or None before one is loaded."""
    return st.session_state.get(PAIR_KEY)


def set_pair(pair: DatasetPair, source: str) -> None:
    """Make `pair` the active pair (only called with a validated pair, so a bad upload keeps the old one)."""
    st.session_state[PAIR_KEY] = pair
    st.session_state[SOURCE_KEY] = source
    st.session_state[KEEP_ERROR_KEY] = remember_pair(session_token(), pair, source)


def pair_source() -> str | None:
    """Where the active pair came from, for the sidebar."""
    return st.session_state.get(SOURCE_KEY)


def require_pair() -> DatasetPair:
    """The active pair, or a pointer to the Data page and a stop of this page's run."""
    pair = active_pair()
    if pair is None:
        st.info("No dataset pair is loaded yet. Open the **Data** page to pick a sample or upload files.")
        st.stop()
    return pair


def _keep_token_in_url() -> None:
    # The token names this session's autosave; a valid one in the URL (a reload, a restarted
    # server, a bookmark) is adopted, anything else is replaced by a fresh random one. Page
    # switches may drop the query string, so it is written back on every run.
    if TOKEN_KEY not in st.session_state:
        given = st.query_params.get(TOKEN_PARAM)
        st.session_state[TOKEN_KEY] = given if is_valid_token(given) else new_token()
    if st.query_params.get(TOKEN_PARAM) != st.session_state[TOKEN_KEY]:
        st.query_params[TOKEN_PARAM] = st.session_state[TOKEN_KEY]


def session_token() -> str:
    """This browser session's token (also in the URL as ?s=...)."""
    _keep_token_in_url()
    return st.session_state[TOKEN_KEY]


def session_notes() -> list[MitigationNote]:
    """The session's notes; on the first call, those autosaved under the URL's token."""
    if NOTES_KEY not in st.session_state:
        try:
            st.session_state[NOTES_KEY] = list(load_session_notes(session_token()))
        except FairSynthError as exc:
            st.session_state[NOTES_KEY] = []
            st.session_state[NOTES_ERROR_KEY] = f"Saved notes could not be restored: {exc}"
    notes = st.session_state[NOTES_KEY]
    return [n if isinstance(n, MitigationNote) else MitigationNote(**n) for n in notes]


def store_session_notes(notes: list[MitigationNote]) -> None:
    """Keep the notes in the session and autosave them under the session token."""
    st.session_state[NOTES_KEY] = list(notes)
    try:
        save_session_notes(session_token(), notes)
        st.session_state.pop(NOTES_ERROR_KEY, None)
    except OSError as exc:
        st.session_state[NOTES_ERROR_KEY] = (
            f"Notes are kept in this session but could not be saved to disk ({exc.strerror}); "
            "download them from the Export tab.")
