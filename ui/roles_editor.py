"""The role editor: the active pair's roles shown as widgets the user confirms or corrects."""

from __future__ import annotations

import streamlit as st

from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import Roles, guess_favorable

NONE = "(none)"
# Which pair (content and roles) the widgets were last filled from.
SHOWN_KEY = "roles_form_shown"
KEYS = {"protected": "role_protected", "target": "role_target", "favorable": "role_favorable",
        "prediction": "role_prediction", "time": "role_time", "ignored": "role_ignored"}
SINGLE = ("target", "prediction", "time")


def _fill_from(pair: DatasetPair) -> None:
    """Put the pair's roles into the widgets whenever the pair or its roles change.

    Streamlit keeps a keyed widget's value across reruns and ignores its default once it has
    one, so without this the form kept showing the previous pair's roles after a switch, and
    Apply then wrote those stale values back (or cleared roles the user never touched).
    Streamlit also drops a widget's value after a run that did not draw it (another page), so
    the widgets are filled again when any of them has lost its value.
    """
    if (st.session_state.get(SHOWN_KEY) == pair.content_hash
            and all(key in st.session_state for key in KEYS.values())):
        return
    roles, columns = pair.roles, {str(c) for c in pair.shared_columns}
    st.session_state[KEYS["protected"]] = [c for c in roles.protected if c in columns]
    st.session_state[KEYS["ignored"]] = [c for c in roles.ignored if c in columns]
    for name in SINGLE:
        value = getattr(roles, name)
        st.session_state[KEYS[name]] = value if value in columns else NONE
    st.session_state[KEYS["favorable"]] = roles.favorable or ""
    st.session_state[SHOWN_KEY] = pair.content_hash


def _pick(label: str, choices: list[str], name: str, help_text: str) -> str | None:
    choice = st.selectbox(label, choices, key=KEYS[name], help=help_text)
    return None if choice == NONE else choice


def role_editor(pair: DatasetPair) -> Roles | None:
    """Widgets for every role, showing the active pair's; returns the edited Roles on Apply, else None."""
    _fill_from(pair)
    columns = [str(c) for c in pair.shared_columns]
    choices = [NONE, *columns]
    with st.form("roles_form", border=True):
        protected = st.multiselect(
            "Protected attributes", columns, key=KEYS["protected"],
            help="Groups to compare (e.g. sex, race). Intersections are their cross product.",
        )
        left, right = st.columns(2)
        with left:
            target = _pick("Target (observed outcome)", choices, "target",
                           "The outcome whose favourable value defines the selection rate.")
        with right:
            favorable = st.text_input(
                "Favourable target value", key=KEYS["favorable"],
                help="The value of the target that counts as a good outcome (e.g. >50K, 1).",
            )
        left, right = st.columns(2)
        with left:
            prediction = _pick("Prediction (optional)", choices, "prediction",
                               "A model's output with the same values as the target; enables error rates.")
        with right:
            time = _pick("Time (optional)", choices, "time", "A date column; enables drift over time.")
        ignored = st.multiselect("Ignored columns", columns, key=KEYS["ignored"],
                                 help="Identifiers and free text that should not be compared.")
        applied = st.form_submit_button("Apply roles", type="primary")
    if not applied:
        return None
    if target and not favorable.strip():
        favorable = guess_favorable(pair.real[target], target) or ""
    return Roles(protected=tuple(protected), target=target,
                 favorable=favorable.strip() or None, prediction=prediction, time=time,
                 ignored=tuple(ignored))


def role_changes(before: Roles, after: Roles) -> str:
    """One sentence naming every role Apply changed, so a cleared role is never silent."""
    parts = []
    for name, label in (("protected", "protected"), ("target", "target"), ("favorable", "favourable value"),
                        ("prediction", "prediction"), ("time", "time"), ("ignored", "ignored")):
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        if isinstance(old, tuple):
            old, new = ", ".join(old) or None, ", ".join(new) or None
        if new is None:
            parts.append(f"{label} cleared (was {old})")
        elif old is None:
            parts.append(f"{label} set to {new}")
        else:
            parts.append(f"{label} {old} → {new}")
    return "; ".join(parts) + "." if parts else "nothing changed."
