"""Data page: pick a bundled pair or upload two files, confirm the roles, compare the schemas."""

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.samples import SAMPLES
from fairsynth.foundation.schema import schema_comparison
from fairsynth.ui.cache import bundled_pair
from fairsynth.ui.govern import save_to_registry
from fairsynth.ui.roles_editor import role_changes, role_editor
from fairsynth.ui.state import active_pair, pair_source, set_pair
from fairsynth.ui.uploads import upload_section

st.title("Data")
st.caption("Load a real dataset and its synthetic counterpart, then confirm what each column means.")
# Always present, so widgets below keep their identity (and the open tab) across reruns.
flash_slot = st.container()
if flash := st.session_state.pop("data_flash", None):
    flash_slot.success(flash)

bundled, upload = st.tabs(["Bundled samples", "Upload your own"])
with bundled:
    names = list(SAMPLES)
    choice = st.selectbox("Sample pair", names, format_func=lambda n: SAMPLES[n].title,
                          key="sample_choice")
    st.caption(SAMPLES[choice].description)
    if st.button("Load sample", key="load_sample", type="primary"):
        try:
            set_pair(bundled_pair(choice), f"sample: {SAMPLES[choice].title}")
            st.session_state["data_flash"] = f"Loaded {SAMPLES[choice].title}."
            st.rerun()  # redraw the sidebar with the new pair
        except FairSynthError as exc:
            st.error(f"Could not load the sample: {exc}")

with upload:
    upload_section()

pair = active_pair()
if pair is None:
    st.info("No pair is loaded yet: pick a sample or upload two files.")
    st.stop()

st.subheader("Column roles")
st.caption("Guessed from names and values: correct them and apply. Every page uses these roles.")
new_roles = role_editor(pair)
if new_roles is not None:
    try:
        before = pair.roles
        pair = pair.with_roles(new_roles)
        set_pair(pair, pair_source())
        st.session_state["data_flash"] = f"Roles applied: {role_changes(before, pair.roles)}"
        st.rerun()
    except FairSynthError as exc:
        st.error(f"Roles not applied: {exc}")

for problem in pair.warnings:
    st.warning(problem.message)

with st.expander("Save to registry"):
    save_to_registry(pair, key="data")

st.subheader("Preview")
real_tab, synth_tab = st.tabs([f"Real · {pair.real_name}", f"Synthetic · {pair.synthetic_name}"])
real_tab.dataframe(pair.real.head(200), width="stretch", height=280)
synth_tab.dataframe(pair.synthetic.head(200), width="stretch", height=280)

st.subheader("Schema comparison")
st.caption("Each column side by side: type, share missing and number of distinct values.")
schema = schema_comparison(pair)
st.dataframe(
    schema, width="stretch", hide_index=True,
    column_config={
        "real_missing": st.column_config.NumberColumn("real missing", format="percent"),
        "synthetic_missing": st.column_config.NumberColumn("synthetic missing", format="percent"),
    },
)
