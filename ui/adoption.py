"""Adopting a generated table as the synthetic side, with a confirmation that survives the rerun."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fairsynth.foundation.pair import DatasetPair
from fairsynth.ui.focus import FOCUS_KEY
from fairsynth.ui.state import set_pair

FLASH_KEY = "gen_flash"
# The Notes page reads this to put the generator settings and seed into the lineage.
SETTINGS_KEY = "generated_settings"


def adopt_generated(pair: DatasetPair, after: DatasetPair, settings, table: pd.DataFrame) -> None:
    """Make `after` the active pair and leave a confirmation for the next run to show."""
    st.session_state.setdefault(SETTINGS_KEY, {})[after.synthetic_sha256] = settings
    set_pair(after, f"generated from {pair.real_name}: {after.synthetic_name}")
    st.session_state.pop(FOCUS_KEY, None)  # that finding's request is answered
    gaps = table[["before_gap", "after_gap"]].abs().max()
    change = ("" if gaps.isna().any() else
              f" The largest subgroup share gap went from {gaps['before_gap'] * 100:.1f} pp to "
              f"{gaps['after_gap'] * 100:.1f} pp.")
    st.session_state[FLASH_KEY] = (
        f"Adopted: **{after.synthetic_name}** is now the synthetic side of the active pair "
        f"(it replaced {pair.synthetic_name}).{change} Every audit page now reads it; on "
        "**Notes & export**, a note whose finding no longer appears is kept with its finding "
        "code and shown as resolved.")


def show_adoption_flash() -> None:
    """The confirmation of the last adoption, once (st.rerun would otherwise swallow it)."""
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message, icon=":material/check_circle:")
