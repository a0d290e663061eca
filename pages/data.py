"""Data page: pick a bundled pair or upload two files, confirm the roles, compare the schemas."""

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.loading import MAX_UPLOAD_MB, SUPPORTED_FORMATS
from fairsynth.foundation.samples import SAMPLES
from fairsynth.foundation.schema import schema_comparison
from fairsynth.ui.cache import bundled_pair
from fairsynth.ui.govern import save_to_registry
from fairsynth.ui.roles_editor import role_editor
from fairsynth.ui.state import active_pair, pair_source, set_pair
from fairsynth.ui.uploads import pair_from_uploads

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
    st.caption(f"{SUPPORTED_FORMATS}; up to {MAX_UPLOAD_MB} MB each. Files are only read, never run.")
    left, right = st.columns(2)
    real_file = left.file_uploader("Real data", type=["csv", "tsv", "txt", "gz", "parquet"], key="real")
    synth_file = right.file_uploader("Synthetic data", type=["csv", "tsv", "txt", "gz", "parquet"],
                                     key="synthetic")
    if real_file is not None and synth_file is not None:
        label = f"upload: {real_file.name} + {synth_file.name}"
        if st.session_state.get("last_upload") != (real_file.file_id, synth_file.file_id):
            pair, error = pair_from_uploads(real_file, synth_file)
            st.session_state["last_upload"] = (real_file.file_id, synth_file.file_id)
            st.session_state["upload_error"] = error
            if pair is not None:
                set_pair(pair, label)
                st.rerun()
        if error := st.session_state.get("upload_error"):
            kept = f" The pair loaded before ({pair_source()}) is still active." if active_pair() else ""
            st.error(f"{error}{kept}")
        elif pair_source() == label:
            st.success("Uploaded pair loaded. Check the guessed roles below.")

pair = active_pair()
if pair is None:
    st.info("No pair is loaded yet: pick a sample or upload two files.")
    st.stop()

st.subheader("Column roles")
st.caption("Guessed from names and values: correct them and apply. Every page uses these roles.")
new_roles = role_editor(pair)
if new_roles is not None:
    try:
        pair = pair.with_roles(new_roles)
        set_pair(pair, pair_source())
        st.session_state["data_flash"] = "Roles applied."
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
