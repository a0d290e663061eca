"""FairSynth dashboard: the router and picture frame (sidebar shows the active pair)."""

import streamlit as st

from fairsynth.ui.run_log import timed_run
from fairsynth.ui.sidebar import render_sidebar
from fairsynth.ui.state import init_state

st.set_page_config(page_title="FairSynth", page_icon=":material/balance:", layout="wide")
init_state()

PAGES = {
    "Dataset": [
        st.Page("pages/data.py", title="Data", icon=":material/table:", default=True),
    ],
    "Audit": [
        st.Page("pages/representativeness.py", title="Representativeness", icon=":material/groups:"),
        st.Page("pages/fairness.py", title="Fairness", icon=":material/balance:"),
        st.Page("pages/drift.py", title="Drift", icon=":material/timeline:"),
        st.Page("pages/privacy.py", title="Privacy", icon=":material/shield:"),
    ],
    "Act": [
        st.Page("pages/generation.py", title="Generation", icon=":material/tune:"),
        st.Page("pages/notes.py", title="Notes & export", icon=":material/edit_note:"),
    ],
    "Govern": [
        st.Page("pages/govern_projects.py", title="Projects", icon=":material/folder_shared:"),
        st.Page("pages/govern_datasets.py", title="Datasets", icon=":material/dataset:"),
        st.Page("pages/govern_version.py", title="Version", icon=":material/verified:"),
    ],
}

navigation = st.navigation(PAGES)


def _run() -> None:
    render_sidebar()
    navigation.run()


timed_run(navigation.title, _run)
