"""The role editor: the guessed roles shown as widgets the user confirms or corrects."""

from __future__ import annotations

import streamlit as st

from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import Roles, guess_favorable

NONE = "(none)"


def _pick(label: str, options: list[str], current: str | None, key: str, help_text: str) -> str | None:
    choices = [NONE, *options]
    index = choices.index(current) if current in choices else 0
    choice = st.selectbox(label, choices, index=index, key=key, help=help_text)
    return None if choice == NONE else choice


def role_editor(pair: DatasetPair) -> Roles | None:
    """Widgets for every role; returns the edited Roles when the user applies them, else None."""
    roles = pair.roles
    columns = [str(c) for c in pair.shared_columns]
    with st.form("roles_form", border=True):
        protected = st.multiselect(
            "Protected attributes", columns, default=[c for c in roles.protected if c in columns],
            help="Groups to compare (e.g. sex, race). Intersections are their cross product.",
        )
        left, right = st.columns(2)
        with left:
            target = _pick("Target (observed outcome)", columns, roles.target, "role_target",
                           "The outcome whose favourable value defines the selection rate.")
        with right:
            favorable = st.text_input(
                "Favourable target value", value=roles.favorable or "", key="role_favorable",
                help="The value of the target that counts as a good outcome (e.g. >50K, 1).",
            )
        left, right = st.columns(2)
        with left:
            prediction = _pick("Prediction (optional)", columns, roles.prediction, "role_prediction",
                               "A model's output with the same values as the target; enables error rates.")
        with right:
            time = _pick("Time (optional)", columns, roles.time, "role_time",
                         "A date column; enables drift over time.")
        ignored = st.multiselect("Ignored columns", columns,
                                 default=[c for c in roles.ignored if c in columns],
                                 help="Identifiers and free text that should not be compared.")
        applied = st.form_submit_button("Apply roles", type="primary")
    if not applied:
        return None
    if target and not favorable.strip():
        favorable = guess_favorable(pair.real[target], target) or ""
    return Roles(protected=tuple(protected), target=target,
                 favorable=favorable.strip() or None, prediction=prediction, time=time,
                 ignored=tuple(ignored))
