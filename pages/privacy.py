"""Privacy page: copy/closeness/attack risks of the synthetic data, overall and per protected group."""

import math

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.governance.charts.privacy import distance_figure, group_risk_figure
from fairsynth.privacy.kanon import DEFAULT_K, default_quasi_identifiers
from fairsynth.privacy.measures import MEASURES, base_measure
from fairsynth.privacy.report import DEFAULT_SAMPLE_SIZE, privacy_risk
from fairsynth.privacy.view import closest_pairs_view
from fairsynth.ui.cache import cached_call
from fairsynth.ui.privacy_text import holdout_caveat, level_badge, measure_caption, zero_note
from fairsynth.ui.state import pair_source, require_pair

SUMMARY = ("exact_copy_rate", "dcr_closer_to_train_share", "dcr_median", "nndr_median",
           "singling_out_risk", "linkability_risk", "inference_risk", "k_anonymity", "k_share_below")
RESULT_KEY = "privacy_params"

st.title("Privacy")
pair = require_pair()
st.write("Does the synthetic data copy, or sit suspiciously close to, real people? Each measure "
         "is shown overall and per protected group, since members of small groups are the "
         "easiest to re-identify.")

columns = pair.analysis_columns
with st.expander("Assessment settings", expanded=False):
    qis = st.multiselect("Quasi-identifiers (k-anonymity, the attacker's demographic table)",
                         columns, default=default_quasi_identifiers(columns, pair.roles.protected),
                         help="Default: the protected attributes plus age-like and zip-like columns.")
    secrets = st.multiselect("Secrets for the inference attack", columns,
                             default=[c for c in pair.roles.protected if c in columns],
                             help="Default: the protected attributes, the attributes a person "
                                  "would least want inferred.")
    sample_size = int(st.number_input("Synthetic rows sampled", 200, 50_000, DEFAULT_SAMPLE_SIZE,
                                      step=500))
    attacks = st.checkbox("Run the anonymeter attacks (singling out, linkability, inference; "
                          "about half a minute on the bundled samples)", value=False)

params = {"quasi_identifiers": qis, "secrets": secrets, "sample_size": sample_size,
          "attacks": attacks, "k": DEFAULT_K}
if st.button("Run privacy assessment", type="primary"):
    st.session_state[RESULT_KEY] = {"pair": pair.content_hash, "params": params}

requested = st.session_state.get(RESULT_KEY)
if not requested or requested["pair"] != pair.content_hash:
    # Copies, distances and k-anonymity take seconds, so they are shown at once; the slow
    # anonymeter attacks wait for the user to ask for them.
    requested = {"pair": pair.content_hash, "params": {**params, "attacks": False}}
if not requested["params"]["attacks"]:
    st.caption("Attack risks (singling out, linkability, inference) are not run yet: tick them "
               "under **Assessment settings** and press **Run privacy assessment**.")

try:
    with st.spinner("Measuring distances and running the attacks..."):
        report = cached_call(privacy_risk, pair, **requested["params"])
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()

st.info(f"**Holdout.** {report.holdout_note} "
        + holdout_caveat(report.settings["holdout_source"], pair_source()))
st.caption(f"Distances on {report.settings['sampled_synthetic_rows']:,} synthetic rows against "
           f"{report.settings['sampled_train_rows']:,} training and "
           f"{report.settings['sampled_holdout_rows']:,} holdout rows (seed "
           f"{report.settings['random_state']}); intervals are 95%.")

st.subheader("Risk summary")
overall = report.overall.set_index("measure")
cols = st.columns(3)
for i, measure in enumerate(m for m in SUMMARY if m in overall.index):
    row = overall.loc[measure]
    spec = MEASURES[base_measure(measure)]
    level, color = level_badge(row["risk_level"])
    with cols[i % 3]:
        st.metric(spec.label, "n/a" if math.isnan(row["value"]) else f"{row['value']:.3g}",
                  level, delta_color=color, delta_arrow="off", help=spec.explanation)
        st.caption(measure_caption(spec, measure, row))

st.subheader("Risk per protected group")
choices = [m for m in SUMMARY if m in set(report.by_group["measure"])]
measure = st.selectbox("Measure", choices, format_func=lambda m: MEASURES[m].label)
if note := zero_note(report.by_group, measure, MEASURES[measure].label):
    # Zero-length bars look like a chart that failed to draw: say what they would show.
    st.success(note)
else:
    st.plotly_chart(group_risk_figure(report.by_group, measure, title=MEASURES[measure].label),
                    width="stretch")
    st.caption(f"Each bar is {MEASURES[measure].label.lower()} for one protected group, coloured by "
               "risk level, with its 95% interval; diamonds mark the same figure for real holdout rows.")

st.subheader("How close are synthetic rows to real ones?")
st.plotly_chart(distance_figure(report.distances), width="stretch")
st.caption("Distribution of each sampled synthetic row's distance to its closest training row and "
           "to its closest holdout row; a pile at 0 for training rows only means copied records.")

st.subheader("Closest synthetic/real pairs")
reveal = st.toggle("Reveal the real rows", value=False,
                   help="Masked by default: real cells only say whether they equal the synthetic cell.")
st.dataframe(closest_pairs_view(report.closest_pairs, pair, report.settings["columns"], reveal=reveal),
             hide_index=True, width="stretch")
st.caption("The ten synthetic rows closest to a real training row, each followed by that real row.")

if report.notes:
    with st.expander(f"Notes from the attacks ({len(report.notes)})"):
        for note in report.notes:
            st.write(f"- {note}")
