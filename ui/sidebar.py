"""The sidebar: which pair is active and what its roles are, on every page."""

from __future__ import annotations

import streamlit as st

from fairsynth.ui.state import active_pair, pair_source


def render_sidebar() -> None:
    """Show the active pair (names, rows) and its roles, or how to load one."""
    with st.sidebar:
        if error := st.session_state.pop("startup_error", None):
            st.warning(f"The default sample could not be loaded: {error}")
        pair = active_pair()
        if pair is None:
            st.caption("No pair loaded: open the Data page.")
            return
        st.markdown(f"**Active pair** · {pair_source()}")
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
