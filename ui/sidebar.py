"""The sidebar: which pair is active and what its roles are, on every page."""

from __future__ import annotations

import streamlit as st

from fairsynth.ui.persistence import RESTORED_KEY
from fairsynth.ui.registry_access import identity_line
from fairsynth.ui.state import KEEP_ERROR_KEY, RESTORE_ERROR_KEY, active_pair, pair_source


def render_sidebar() -> None:
    """Show the active pair (names, rows) and its roles, or how to load one."""
    with st.sidebar:
        st.markdown(identity_line())
        if error := st.session_state.pop(RESTORE_ERROR_KEY, None):
            st.warning(error)
        if error := st.session_state.get(KEEP_ERROR_KEY):
            st.warning(error)
        if error := st.session_state.pop("startup_error", None):
            st.warning(f"The default sample could not be loaded: {error}")
        pair = active_pair()
        if pair is None:
            st.caption("No pair loaded: open the Data page.")
            return
        st.markdown(f"**Active pair** · {pair_source()}")
        restored = st.session_state.get(RESTORED_KEY)
        if restored and restored[1] == pair_source():
            st.caption(restored[0])
        st.caption(
            f"Real: {pair.real_name} ({len(pair.real):,} rows)  \n"
            f"Synthetic: {pair.synthetic_name} ({len(pair.synthetic):,} rows)"
        )
        roles = pair.roles
        lines = [
            f"- Protected: {', '.join(roles.protected) or '—'}",
            f"- Target: {roles.target or '—'}"
            + (f" (favourable `{roles.favorable}`)" if roles.target else ""),
            f"- Prediction: {roles.prediction or '—'}",
            f"- Time: {roles.time or '—'}",
        ]
        if roles.ignored:
            lines.append(f"- Ignored: {', '.join(roles.ignored)}")
        st.markdown("\n".join(lines))
