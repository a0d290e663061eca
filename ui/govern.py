"""Widgets the Govern pages and the analysis pages share: state badges, refusals as one sentence,
opening a registered pair in the analysis pages, and "Save to registry"."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import DatasetPair, make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.foundation.samples import SAMPLE_DIR
from fairsynth.governance import session_store as store
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.governance.registry import views
from fairsynth.governance.registry.pair_save import save_pair_run
from fairsynth.ui.cache import cached_call
from fairsynth.ui.persistence import REGISTRY_SIDES_KEY
from fairsynth.ui.registry_access import (
    current_user,
    open_version_table,
    registry,
    registry_problem,
)
from fairsynth.ui.state import session_notes, set_pair

STATE_COLORS = {"draft": "gray", "in_review": "blue", "approved": "green", "review_due": "orange",
                "flagged": "red", "retired": "violet"}
VERSION_KEY = "govern_version"
SAVED_KEY = "registry_saved"


def badge(state: str) -> str:
    """A lifecycle state as a coloured Markdown badge."""
    return f":{STATE_COLORS.get(state, 'gray')}-badge[{state.replace('_', ' ')}]"


def attempt(action, success: str) -> bool:
    """Run a registry write; a refusal or bad input is shown as its one sentence, never a traceback."""
    try:
        action()
    except FairSynthError as exc:
        st.error(str(exc))
        return False
    st.session_state["govern_flash"] = success
    return True


def show_flash() -> None:
    if flash := st.session_state.pop("govern_flash", None):
        st.success(flash)


def open_in_analysis(synthetic_id: int) -> str | None:
    """Make a registered pair the active pair of every analysis page; None, or why it cannot."""
    try:
        found = views.pair_of(registry(), synthetic_id)
        if found is None:
            return f"Version {synthetic_id} has no real side to compare it with (no audit, no parent)."
        real = open_version_table(found["real"]["id"])
        synthetic = open_version_table(synthetic_id)
        pair = make_pair(real, synthetic, Roles.from_dict(found["roles"]) if found["roles"] else None)
    except FairSynthError as exc:
        return str(exc)
    st.session_state[REGISTRY_SIDES_KEY] = {"real": found["real"], "synthetic": found["synthetic"]}
    set_pair(pair, f"registry: v{found['real']['id']} + v{synthetic_id}")
    return None


def _side_path(pair: DatasetPair, side: str) -> Path:
    """The file behind one side of the active pair (a sample, a kept upload, a registry copy)."""
    sha = pair.real_sha256 if side == "real" else pair.synthetic_sha256
    name = pair.real_name if side == "real" else pair.synthetic_name
    frame = pair.real if side == "real" else pair.synthetic
    version = (st.session_state.get(REGISTRY_SIDES_KEY) or {}).get(side)
    if version is not None and version.get("sha256") == sha and version.get("uri"):
        return Path(version["uri"])
    spec = store.side_spec(sha, name, frame)
    if "sample_file" in spec:
        return SAMPLE_DIR / spec["sample_file"]
    return store.kept_file(spec["sha256"])


def save_to_registry(pair: DatasetPair, *, key: str) -> None:
    """A project picker and a button that registers the pair, its audit run and the notes."""
    try:
        projects = [p["name"] for p in views.projects_list(registry())]
    except FairSynthError as exc:
        st.warning(registry_problem(exc))
        return
    if not projects:
        st.caption("No project in the registry yet: an admin creates one on **Govern › Projects**.")
        return
    if current_user() is None:
        st.caption("Saving needs a signed-in user with the analyst role or above.")
        return
    with st.form(f"save_registry_{key}", border=True):
        project = st.selectbox("Project", projects, key=f"save_project_{key}")
        clicked = st.form_submit_button("Save to registry", type="primary")
    if clicked:
        try:
            # The audit runs on the files as stored, so its sha256s are those the registry keeps.
            tables = {s: load_table(_side_path(pair, s), name=n)
                      for s, n in (("real", pair.real_name), ("synthetic", pair.synthetic_name))}
            stored = make_pair(tables["real"], tables["synthetic"], pair.roles)
            with st.spinner("Auditing and registering…"):
                report = cached_call(run_audit, stored, options=AuditOptions().to_dict())
                saved = save_pair_run(registry(), current_user() or "", project=project,
                                      real=_side_path(pair, "real"),
                                      synthetic=_side_path(pair, "synthetic"),
                                      report=report.with_notes(session_notes()),
                                      session_notes=session_notes())
        except FairSynthError as exc:
            st.error(str(exc))
            return
        verdict = {True: "passed", False: "failed", None: "ran without a policy"}[saved["policy_passed"]]
        st.session_state[SAVED_KEY] = saved
        st.success(f"Saved to {project}: real v{saved['real']}, synthetic v{saved['synthetic']}, "
                   f"audit {saved['audit']} ({verdict}), {saved['notes']} new note(s).")
