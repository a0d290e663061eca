"""Govern › Projects: each project's charter (purpose, uses, audiences, owner, policy, approvers,
cadence, triggers), its versions over time, and the admin's form to write a new version."""

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.governance.registry import views
from fairsynth.governance.registry.rules import REVIEW_TRIGGERS
from fairsynth.ui.govern import attempt, show_flash
from fairsynth.ui.registry_access import current_role, current_user, registry, registry_problem
from fairsynth.ui.text import md

st.title("Projects")
st.caption("A project's charter says what its synthetic data is for, who may approve it and "
           "under which policy; every edit is a new charter version in the trail.")
show_flash()
try:
    reg = registry()
    charters = views.projects_list(reg)
    role = current_role(reg)
except FairSynthError as exc:
    st.error(registry_problem(exc))
    st.stop()
is_admin = role == "admin"

NEW = "(new project)"
names = [c["name"] for c in charters]
if not names and not is_admin:
    st.info("No project yet: an admin creates the first one here.")
    st.stop()
if (wanted := st.session_state.pop("govern_project_next", None)) in names:
    st.session_state["govern_project"] = wanted
choice = st.selectbox("Project", names + ([NEW] if is_admin else []), key="govern_project")
charter = next((c for c in charters if c["name"] == choice), None)

if charter is not None:
    left, right = st.columns(2)
    left.markdown(f"**Purpose** · {md(charter['purpose'])}")
    left.markdown(f"**Intended uses** · {md(', '.join(charter['uses'])) or '—'}")
    left.markdown(f"**Audiences** · {md(', '.join(charter['audiences'])) or '—'}")
    left.markdown(f"**Owner** · {md(charter['owner'])}")
    right.markdown(f"**Approvers** · the {charter['approver_role']} role (and above)")
    cadence = f"every {charter['review_days']} days" if charter["review_days"] else "none"
    right.markdown(f"**Review cadence** · {cadence}")
    right.markdown(f"**Review triggers** · {', '.join(charter['triggers']) or 'none'}")
    right.markdown(f"**Policy** · version {charter['policy_version']}"
                   if charter["policy_toml"] else "**Policy** · none (no audit can pass it)")
    if charter["policy_toml"]:
        with st.expander("Policy TOML"):
            st.code(charter["policy_toml"], language="toml")
    st.subheader("Charter versions")
    st.dataframe(views.charter_versions(reg, charter["name"]), hide_index=True, width="stretch")

if not is_admin:
    st.caption(f"Charters are edited by admins; you are {role or 'not granted a role'}.")
    st.stop()

st.subheader("New charter version" if charter else "New project")
with st.form("charter_form"):
    name = st.text_input("Name", value=charter["name"] if charter else "", disabled=charter is not None,
                         key="charter_name")
    purpose = st.text_area("Purpose", value=charter["purpose"] if charter else "", key="charter_purpose")
    uses = st.text_input("Intended uses (comma-separated)",
                         value=", ".join(charter["uses"]) if charter else "", key="charter_uses")
    audiences = st.text_input("Audiences (comma-separated)",
                              value=", ".join(charter["audiences"]) if charter else "",
                              key="charter_audiences")
    left, right = st.columns(2)
    review = left.number_input("Review cadence (days, 0 = none)", min_value=0, step=30,
                               value=int(charter["review_days"] or 0) if charter else 90,
                               key="charter_review")
    approver = right.selectbox("Approver role", ["approver", "admin"],
                               index=["approver", "admin"].index(charter["approver_role"]) if charter else 0,
                               key="charter_approver")
    triggers = st.multiselect("Review triggers", list(REVIEW_TRIGGERS),
                              default=charter["triggers"] if charter else list(REVIEW_TRIGGERS),
                              key="charter_triggers")
    policy = st.text_area("Policy TOML (see policy.example.toml)", height=180,
                          value=(charter["policy_toml"] or "") if charter else "", key="charter_policy")
    submitted = st.form_submit_button("Save charter", type="primary")
if submitted:
    target = charter["name"] if charter else name

    def write() -> None:
        reg.create_project(current_user() or "", target, purpose=purpose,
                           uses=[u.strip() for u in uses.split(",") if u.strip()],
                           audiences=[a.strip() for a in audiences.split(",") if a.strip()],
                           policy_toml=policy.strip() + "\n" if policy.strip() else None,
                           review_days=int(review) or None, approver_role=approver,
                           triggers=triggers)

    if attempt(write, f"Charter of {target} saved."):
        st.session_state["govern_project_next"] = target  # selected on the next run
        st.rerun()
