"""Govern › Datasets: every registered version with its state, its latest audit's headline
figures, open concerns and next review date; filters by project and state."""

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.governance.registry import views
from fairsynth.governance.registry.rules import STATES
from fairsynth.ui.govern import STATE_COLORS, VERSION_KEY
from fairsynth.ui.registry_access import registry, registry_problem

st.title("Datasets")
st.caption("Every dataset version in the registry. A synthetic version's figures are those of "
           "its latest audit run: lowest disparate impact and largest share gap (synthetic side).")
try:
    reg = registry()
    projects = [p["name"] for p in views.projects_list(reg)]
except FairSynthError as exc:
    st.error(registry_problem(exc))
    st.stop()

left, right = st.columns([1, 2])
project = left.selectbox("Project", ["(all)", *projects], key="datasets_project")
states = right.multiselect("States", list(STATES), key="datasets_states",
                           format_func=lambda s: s.replace("_", " "))
table = views.datasets(reg, project=None if project == "(all)" else project, states=tuple(states))
if table.empty:
    st.info("No version matches: register one with **Save to registry** on the Data or Notes "
            "page, or `fairsynth audit ... --register PROJECT`.")
    st.stop()

counts = table["state"].value_counts()
st.markdown("  ".join(f":{STATE_COLORS[s]}-badge[{s.replace('_', ' ')}: {counts[s]}]"
                      for s in STATES if s in counts))
shown = table.assign(state=table["state"].map(lambda s: [s]))
st.dataframe(
    shown, hide_index=True, width="stretch", height=min(38 * (len(shown) + 1), 560),
    column_config={
        "id": st.column_config.NumberColumn("version", format="v%d"),
        "state": st.column_config.MultiselectColumn(
            "state", options=list(STATES), color=[STATE_COLORS[s] for s in STATES]),
        "lowest_disparate_impact": st.column_config.NumberColumn("lowest DI", format="%.3f"),
        "largest_share_gap": st.column_config.NumberColumn("largest gap", format="%.3f"),
        "lowest_fidelity": st.column_config.NumberColumn("lowest fidelity", format="%.3f"),
        "highest_privacy_risk": st.column_config.NumberColumn("top privacy risk", format="%.3f"),
        "policy_passed": st.column_config.CheckboxColumn("policy passed"),
        "open_concerns": st.column_config.NumberColumn("open concerns"),
        "next_review": st.column_config.TextColumn("next review"),
    },
)
st.caption(f"{len(table):,} version(s). Open one to see its audits, decisions and lineage.")
pick = st.selectbox("Open version", table["id"].tolist(), format_func=lambda i: f"v{i}",
                    key="datasets_open")
if st.button("Open its page", type="primary", key="datasets_go"):
    st.session_state[VERSION_KEY] = int(pick)
    st.switch_page("pages/govern_version.py")
