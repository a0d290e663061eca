"""Drift page: when and where the real population moved away from a reference, and how stale the synthetic data is."""

import streamlit as st
import streamlit.components.v1 as components

from fairsynth.drift import (
    NoTimeRoleError,
    dataset_drift,
    drift_over_time,
    fairness_over_time,
    timeline_sentences,
)
from fairsynth.drift.evidently_report import evidently_window_html
from fairsynth.drift.timeline import window_starts
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.windows import DEFAULT_FREQ, FREQS
from fairsynth.governance.charts.drift import dataset_drift_bars, drift_heatmap
from fairsynth.governance.charts.over_time import window_impact_figure, window_share_figure
from fairsynth.governance.findings_over_time import undefined_impact_sentence, what_changed
from fairsynth.governance.options import AuditOptions
from fairsynth.ui.cache import cached_call, cached_figure
from fairsynth.ui.embed import fit_to_frame
from fairsynth.ui.state import require_pair

FREQ_NAMES = {name.capitalize(): code for code, name in FREQS.items()}
REFERENCES = {
    "First window": "first",
    "A window I choose": "window",
    "Previous window (rolling)": "previous",
    "Synthetic data": "synthetic",
}

pair = require_pair()
roles = pair.roles
st.title("Drift over time")

if not roles.time:
    st.warning(str(NoTimeRoleError()))
    st.info("On the **Data** page, mark a date column (e.g. a screening or application date) "
            "as the time role; this page then buckets the real data by it.")
    st.stop()

st.caption(f"The real data is split into windows by **{roles.time}**; each window's columns are "
           "tested against a reference with the tests evidently's DataDriftPreset chooses.")

left, middle, right, last = st.columns([1, 1.4, 1, 1])
freq_name = left.selectbox("Window", list(FREQ_NAMES), index=list(FREQS).index(DEFAULT_FREQ),
                           key="drift_freq")
freq = FREQ_NAMES[freq_name]
reference_name = middle.selectbox("Compare each window with", list(REFERENCES), key="drift_reference")
reference = REFERENCES[reference_name]
min_rows = last.number_input("Minimum rows per window", min_value=1, value=AuditOptions.min_count, step=10,
                             key="drift_min_rows")
options = {"freq": freq, "min_rows": int(min_rows)}

try:
    with st.spinner("Bucketing the real data into windows..."):
        windows = cached_call(window_starts, pair, **options)
    reference_window = None
    if reference == "window":
        reference_window = right.selectbox("Reference window", windows, key="drift_ref_window")
    with st.spinner("Counting every column per window and testing drift..."):
        drift = cached_call(drift_over_time, pair, reference=reference,
                            reference_window=reference_window, **options)
        summary = cached_call(timeline_sentences, pair, **options)
    over = None
    if roles.protected:
        with st.spinner("Counting group shares and selection rates per window..."):
            # The report's own over-time tables (same function, same options as `fairsynth audit`).
            over = cached_call(fairness_over_time, pair, freq=freq, min_rows=int(min_rows),
                               min_count=int(min_rows))
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("What changed")
if over is not None:
    summary = summary + what_changed(over, min_count=int(min_rows), freq=freq)
# The most severe first; a long tail of findings goes in an expander so the charts stay in view.
SHOWN = 6
st.markdown("\n".join(f"- {sentence}" for sentence in summary[:SHOWN]))
if len(summary) > SHOWN:
    with st.expander(f"{len(summary) - SHOWN} more"):
        st.markdown("\n".join(f"- {sentence}" for sentence in summary[SHOWN:]))

if drift.empty:
    st.info("There is only one window, so there is nothing to compare it with. Pick a shorter window.")
    st.stop()

per_window = dataset_drift(drift)
st.plotly_chart(cached_figure(drift_heatmap, drift, title=f"Drift per {freq_name.lower()} and column "
                                            f"({drift['reference'].iloc[0]})"))
st.caption("Each cell is one column in one window: colour is the drift score divided by its test's "
           "threshold (1 = the threshold; p-values on a log scale), and a cross marks detected drift.")
st.plotly_chart(cached_figure(dataset_drift_bars, per_window))
st.caption("Share of columns that drifted in each window; red bars reach evidently's dataset-drift "
           "share of 50%.")

small = drift.attrs.get("small_windows", 0)
if small:
    st.info(f"{small} window(s) have fewer than {int(min_rows)} rows; their tests have little power.")

if over is not None:
    st.subheader("Protected groups over time")
    overall = None
    if not (over.shares["dataset"] == "synthetic").any():
        overall = cached_call(subgroup_gaps, pair, min_count=int(min_rows), max_order=1)
        st.caption(f"The synthetic data has no usable '{roles.time}' column, so it has no windows; "
                   "its whole-table share is drawn dotted.")
    # Tabs that rerun on a switch draw only the open tab's chart: drawing a plotly chart costs
    # the browser more CPU than the server spends on this whole page (CDP profile, COMPAS).
    share_tabs = st.tabs(list(roles.protected), key="drift_share_tab", on_change="rerun")
    for tab, attribute in zip(share_tabs, roles.protected, strict=True):
        with tab:
            if not tab.open:
                continue
            st.plotly_chart(cached_figure(window_share_figure, over.shares, attribute, overall),
                            key=f"drift_share_{attribute}")
            st.caption(f"Share of each {attribute} group in every real window (solid) and in the "
                       "synthetic data (same colour), as in the exported report.")

    if over.impact is not None:
        st.subheader("Disparate impact over time")
        impact_tabs = st.tabs(list(roles.protected), key="drift_impact_tab", on_change="rerun")
        for tab, attribute in zip(impact_tabs, roles.protected, strict=True):
            with tab:
                if not tab.open:
                    continue
                note = undefined_impact_sentence(over.impact, attribute, freq=freq)
                if note:
                    st.info(note)
                st.plotly_chart(cached_figure(window_impact_figure, over.impact, attribute),
                                key=f"drift_impact_{attribute}")
                st.caption(f"Selection rate of {roles.target} = {roles.favorable} for each {attribute} "
                           "group divided by the reference group's (held steady across windows), "
                           "per window; under the dotted 0.8 line the four-fifths rule fails; "
                           "dashed lines are the synthetic data's windows.")

with st.expander("Drift results as a table"):
    st.dataframe(drift, hide_index=True)

with st.expander("evidently's data drift report for one window"):
    choices = list(dict.fromkeys(drift["window"]))
    chosen = st.selectbox("Window", choices, index=len(choices) - 1, key="drift_ev_window")
    st.caption("evidently 0.7's own report (DataDriftPreset) on the same reference and window; it takes "
               "a few seconds to build.")
    if st.toggle("Build evidently's report", key="drift_ev_show"):
        try:
            with st.spinner("Running evidently..."):
                html = cached_call(evidently_window_html, pair, window=chosen, reference=reference,
                                   reference_window=reference_window, **options)
        except FairSynthError as exc:
            st.error(str(exc))
        else:
            components.html(fit_to_frame(html), height=900, scrolling=True)
