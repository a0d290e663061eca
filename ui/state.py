"""Session state in one place: the active dataset pair, its source label and the notes."""

from __future__ import annotations

import streamlit as st

from governance.data import DatasetPair
from governance.errors import FairSynthError
from governance.samples import DEFAULT_SAMPLE, SAMPLES, load_sample

PAIR_KEY = "pair"
SOURCE_KEY = "pair_source"


def init_state() -> None:
    """Load the default bundled pair on a session's first run, so the demo needs no set-up."""
    if PAIR_KEY in st.session_state:
        return
    st.session_state[PAIR_KEY] = None
    st.session_state[SOURCE_KEY] = None
    try:
        set_pair(load_sample(DEFAULT_SAMPLE), f"sample: {SAMPLES[DEFAULT_SAMPLE].title}")
    except FairSynthError as exc:
        st.session_state["startup_error"] = str(exc)


def active_pair() -> DatasetPair | None:
    """The pair every page works on, or None before one is loaded."""
    return st.session_state.get(PAIR_KEY)


def set_pair(pair: DatasetPair, source: str) -> None:
    """Make `pair` the active pair (only called with a validated pair, so a bad upload keeps the old one)."""
    st.session_state[PAIR_KEY] = pair
    st.session_state[SOURCE_KEY] = source


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
