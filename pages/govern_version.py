"""Govern › Version: one dataset version's audits over time, decisions, concerns, notes, trail
and lineage, with the decisions the current user's role allows (the store checks them again)."""

import json

import pandas as pd
import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.governance.charts.registry import audits_over_time, lineage_figure
from fairsynth.governance.registry import views
from fairsynth.ui.govern import VERSION_KEY, attempt, badge, open_in_analysis, show_flash
from fairsynth.ui.registry_access import current_role, current_user, registry, registry_problem
from fairsynth.ui.text import md

PENDING_KEY = "govern_pending_action"
# Decisions, concerns and notes drawn one by one, newest first; beyond that a table holds them all.
SHOWN = 20
LABELS = {"approve": "Approve", "reject": "Reject", "waive": "Waive a check", "flag": "Flag",
          "retire": "Retire", "reopen": "Reopen", "concern": "File a concern"}

st.title("Version")
show_flash()
try:
    reg = registry()
    choices = dict(views.version_choices(reg))
    role = current_role(reg)
except FairSynthError as exc:
    st.error(registry_problem(exc))
    st.stop()
if not choices:
    st.info("No version is registered yet: use **Save to registry** on the Data or Notes page.")
    st.stop()
if VERSION_KEY not in st.session_state or st.session_state[VERSION_KEY] not in choices:
    st.session_state[VERSION_KEY] = next(iter(choices))
version_id = st.selectbox("Version", list(choices), format_func=choices.get, key=VERSION_KEY)
view = views.version_page(reg, int(version_id))
version, charter = view["version"], view["charter"]

st.markdown(f"### v{version['id']} · {md(version['source_name'] or '')} {badge(version['state'])}")
facts = st.columns(4)
facts[0].metric("Kind", version["kind"])
facts[1].metric("Rows", f"{version['rows']:,}" if version["rows"] is not None else "—")
facts[2].metric("Audit runs", len(view["audits"]))
facts[3].metric("Open concerns", sum(c["status"] == "open" for c in view["concerns"]))
parent = f" · seed v{view['parent']['id']}" if view["parent"] else ""
due = views.next_review(version["state"], version["state_changed_at"], charter["review_days"])
parent += f" · next review {due}" if due else ""
st.caption(f"Project **{md(charter['name'])}** · registered by {md(version['registered_by'])} on "
           f"{version['registered_at'][:16].replace('T', ' ')} UTC · sha256 "
           f"`{version['sha256'][:16]}…`{parent}")

if version["kind"] == "synthetic" and version["uri"]:
    if st.button("Open this pair in the analysis pages", key="govern_open_pair"):
        problem = open_in_analysis(int(version["id"]))
        if problem:
            st.error(problem)
        else:
            st.switch_page("pages/representativeness.py")

# ------------------------------------------------------------------ decisions this role may make
actions = views.allowed_actions(role, version, charter)
if actions:
    st.subheader("Decide")
    buttons = st.columns(len(actions))
    for col, action in zip(buttons, actions, strict=True):
        if col.button(LABELS[action], key=f"govern_btn_{action}", width="stretch"):
            st.session_state[PENDING_KEY] = action
    pending = st.session_state.get(PENDING_KEY)
    if pending in actions:
        failed = json.loads(view["audits"]["failed_checks"].iloc[-1]) if len(view["audits"]) else []
        with st.form(f"govern_form_{pending}"):
            check = (st.selectbox("Failed check to waive", failed or ["(no failed check)"],
                                  key="govern_check") if pending == "waive" else None)
            text = st.text_area("Concern" if pending == "concern" else "Reason (required)",
                                key=f"govern_reason_{pending}")
            blocking = (st.checkbox("Blocking (flags an approved version)", key="govern_blocking")
                        if pending == "concern" else False)
            go = st.form_submit_button(f"Confirm: {LABELS[pending].lower()}", type="primary")
        if go:
            user, ref = current_user() or "", str(version["id"])
            do = {"approve": lambda: reg.approve(user, ref, text),
                  "reject": lambda: reg.reject(user, ref, text),
                  "flag": lambda: reg.flag(user, ref, text),
                  "retire": lambda: reg.retire(user, ref, text),
                  "reopen": lambda: reg.reopen(user, ref, text),
                  "waive": lambda: reg.waive(user, ref, check or "", text),
                  "concern": lambda: reg.file_concern(user, ref, text, blocking=blocking)}[pending]
            if attempt(do, f"{LABELS[pending]}: recorded for v{version['id']}."):
                st.session_state.pop(PENDING_KEY, None)
                st.rerun()
else:
    st.caption(f"You are {role or 'not granted a role'}: no decision on this version is open to you.")

# ------------------------------------------------------------------ evidence
tabs = st.tabs(["Audits over time", "Decisions", "Concerns", "Notes", "Lineage", "Trail"])
with tabs[0]:
    runs = view["audits"]
    if runs.empty:
        st.info("No audit run of this version yet.")
    else:
        st.plotly_chart(audits_over_time(runs), key="govern_audits_chart")
        st.caption("Each audit run's lowest disparate impact and largest subgroup share gap "
                   "(synthetic side) and lowest column fidelity; squares: policy passed (green) "
                   "or failed (red).")
        st.dataframe(runs, hide_index=True, width="stretch")
with tabs[1]:
    if not view["decisions"]:
        st.info("No decision yet.")
    for d in reversed(view["decisions"][-SHOWN:]):
        check = f" check **{md(d['check_name'])}**" if d["check_name"] else ""
        st.markdown(f"**{d['decided_at'][:16].replace('T', ' ')}** · {d['kind']}{check} by "
                    f"{md(d['decided_by'])}: {md(d['reason'])}")
with tabs[2]:
    if not view["concerns"]:
        st.info("No concern filed.")
    for c in reversed(view["concerns"][-SHOWN:]):
        kind = ":red-badge[blocking]" if c["blocking"] else ":gray-badge[concern]"
        st.markdown(f"{kind} {c['status']} · {md(c['filed_by'])}, {c['filed_at'][:10]}: {md(c['text'])}")
    if len(view["concerns"]) > SHOWN:
        st.caption(f"The newest {SHOWN} of {len(view['concerns']):,} concerns; all of them:")
        st.dataframe(pd.DataFrame(view["concerns"]), hide_index=True, width="stretch")
with tabs[3]:
    if not view["notes"]:
        st.info("No note on this version.")
    for n in reversed(view["notes"][-SHOWN:]):
        st.markdown(f"**{md(n['written_by'])}**, {n['written_at'][:10]}: {md(n['text'])}")
    if len(view["notes"]) > SHOWN:
        st.caption(f"The newest {SHOWN} of {len(view['notes']):,} notes; all of them:")
        st.dataframe(pd.DataFrame(view["notes"]), hide_index=True, width="stretch")
with tabs[4]:
    st.plotly_chart(lineage_figure(view["lineage"]), key="govern_lineage_chart")
    st.caption("Real seed → generation settings and privacy budget → this version → its audit "
               "runs → the decisions made on their evidence.")
with tabs[5]:
    trail = pd.DataFrame([{"event": e["id"], "at": e["at"], "actor": e["actor"], "role": e["role"],
                           "action": e["action"], "details": json.dumps(e["payload"])[:200]}
                          for e in view["trail"]])
    st.dataframe(trail, hide_index=True, width="stretch")
    st.caption("Every event on this version in the tamper-evident trail (who, which role, what).")
