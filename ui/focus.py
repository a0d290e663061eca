"""From a finding to the Generation page, opened on the attributes that finding is about."""

from __future__ import annotations

import streamlit as st

FOCUS_KEY = "gen_focus"
# Finding codes "<prefix>:<attributes joined by &>:<group>" whose gap generation can close.
FIXABLE = ("gap", "missing", "impact")


def finding_attributes(code: str) -> str | None:
    """'gap:race&sex:Black&Female' -> 'race&sex'; None for a finding generation does not target."""
    parts = code.split(":", 2)
    if len(parts) == 3 and parts[0] in FIXABLE and parts[1]:
        return parts[1]
    return None


def fix_in_generation_button(code: str) -> None:
    """A button that opens the Generation page on this finding's attributes (none if not fixable)."""
    attributes = finding_attributes(code)
    if attributes is None:
        return
    if st.button("Fix in Generation", key=f"fix_{code}", icon=":material/tune:", type="tertiary",
                 help=f"Open the Generation page on {attributes.replace('&', ' & ')}."):
        st.session_state[FOCUS_KEY] = attributes
        st.session_state.pop("gen_focus_shown", None)
        st.switch_page("pages/generation.py")


def requested_focus() -> str | None:
    """The attributes a finding asked the Generation page to open on, if any."""
    return st.session_state.get(FOCUS_KEY)
