"""Fairness page: does the synthetic data keep, hide or invent disparate impact?"""

import streamlit as st

from fairsynth.fairness.impact import (
    change_from_impact,
    disparate_impact,
    error_rate_parity,
    group_metrics,
    impact_summary,
)
from fairsynth.fairness.subgroups import group_labels
from fairsynth.fairness.utility import MODELS, OVERALL, tstr, tstr_gaps
from fairsynth.foundation.constants import FOUR_FIFTHS, UPPER_FOUR_FIFTHS
from fairsynth.foundation.errors import FairSynthError
from fairsynth.governance.charts.fairness import impact_forest, tstr_bars
from fairsynth.ui.cache import cached_call, cached_figure
from fairsynth.ui.state import require_pair

pair = require_pair()
roles = pair.roles
st.title("Fairness")
st.caption(f"Selection rate of **{roles.target} = {roles.favorable}** per protected group, and its "
           "ratio to a reference group (disparate impact), in the real and the synthetic data.")

max_order = st.selectbox("Largest intersection (attributes per group)", [1, 2, 3], index=2,
                         key="fair_max_order", help="1: each attribute alone; 2: adds pairs such as race & sex.")
reference: dict[str, str] = {}
try:
    # From the pair's cached counts: no pass over the rows on a rerun.
    labels = cached_call(group_labels, pair) if roles.protected else {}
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()
with st.expander("Reference groups (default: the real data's highest-rate group with 30+ rows, "
                 "used for both sides)"):
    for attribute in roles.protected:
        values = labels.get(attribute, [])
        pick = st.selectbox(attribute, ["(highest rate)", *values], key=f"fair_ref_{attribute}")
        if pick != "(highest rate)":
            reference[attribute] = pick

try:
    with st.spinner("Counting selection rates per group..."):
        impact = cached_call(disparate_impact, pair, reference=reference or None,
                             max_order=max_order)
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()

summary = impact_summary(impact).set_index(["attribute", "dataset"])
change = change_from_impact(impact).set_index(["attribute", "group"])
references = impact.drop_duplicates("attribute").set_index("attribute")["reference_group"]


def _view(attribute: str, dataset: str) -> str:
    # One side's own four-fifths view: its lowest group rate over its highest.
    row = summary.loc[(attribute, dataset)] if (attribute, dataset) in summary.index else None
    if row is None or row["lowest_group"] is None or row["min_max_ratio"] != row["min_max_ratio"]:
        return "undefined"
    verdict = "passes" if row["passes_four_fifths"] else "fails"
    return (f"**{row['min_max_ratio']:.2f}** ({row['lowest_group']} over {row['highest_group']}, "
            f"{verdict} the four-fifths rule)")


for attribute in roles.protected:
    if (attribute, "real") not in summary.index or summary.loc[(attribute, "real"), "lowest_group"] is None:
        continue
    real = summary.loc[(attribute, "real")]
    text = (f"**{attribute}** — lowest over highest selection rate: real data {_view(attribute, 'real')}; "
            f"synthetic data {_view(attribute, 'synthetic')}.")
    ratios = change.loc[(attribute, real["lowest_group"])] if (attribute, real["lowest_group"]) in change.index else None
    if ratios is not None and real["lowest_group"] != references[attribute]:
        synth = "undefined" if ratios["synthetic_ratio"] != ratios["synthetic_ratio"] else f"{ratios['synthetic_ratio']:.2f}"
        text += (f" Against one reference ({references[attribute]}), {real['lowest_group']}'s ratio is "
                 f"{ratios['real_ratio']:.2f} in the real data and {synth} in the synthetic data.")
    (st.success if real["passes_four_fifths"] else st.warning)(text)

st.plotly_chart(cached_figure(impact_forest, impact, title="Disparate impact ratio, real vs synthetic"))
st.caption("Each point is a group's selection rate divided by its reference group's, with a 95% "
           f"interval (Katz log method); dashed lines mark the four-fifths band {FOUR_FIFTHS} to "
           f"{UPPER_FOUR_FIFTHS}.")

for reason in impact["undefined_reason"].dropna().unique():
    st.info(f"Undefined ratios: {reason}.")

with st.expander("Disparate impact table"):
    st.dataframe(change.reset_index().sort_values("change", key=abs, ascending=False), hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.3f")
                                for c in ("real_ratio", "synthetic_ratio", "change")})
    st.dataframe(impact, hide_index=True)

if roles.prediction:
    st.subheader(f"Prediction '{roles.prediction}' by group")
    try:
        with st.spinner("Counting prediction outcomes per group..."):
            metrics = cached_call(group_metrics, pair, max_order=max_order)
            parity = cached_call(error_rate_parity, pair, max_order=max_order)
    except FairSynthError as exc:
        st.error(str(exc))
    else:
        st.caption("MetricFrame-style table: selection rate, true/false positive and false "
                   "negative rates and accuracy per group, with the favourable value as positive.")
        table = metrics.pivot_table(index=["dataset", "attribute", "group"], columns="metric",
                                    values="value", sort=False).reset_index()
        st.dataframe(table, hide_index=True)
        st.caption("Demographic parity and equalized odds between groups (fairlearn definitions).")
        st.dataframe(parity, hide_index=True)
else:
    st.caption("No prediction column is set, so error-rate metrics (TPR, FPR) are not shown.")

st.subheader("Train on synthetic, test on real")
st.caption("Trains each model on the synthetic data and on a real training split, then scores "
           "both on the same held-out real rows, per group.")
models = st.multiselect("Models", list(MODELS), default=list(MODELS), key="fair_models")
run_key = f"tstr_ran_{pair.content_hash}"
if st.button("Train and compare", key="fair_tstr", disabled=not models):
    st.session_state[run_key] = list(models)
if st.session_state.get(run_key):
    try:
        with st.spinner("Training models..."):
            result = cached_call(tstr, pair, models=st.session_state[run_key])
    except FairSynthError as exc:
        st.error(str(exc))
    else:
        c1, c2, c3 = st.columns(3)
        model = c1.selectbox("Model", sorted(result["model"].unique()), key="fair_tstr_model")
        attributes = [a for a in result["attribute"].unique() if a != OVERALL]
        attribute = c2.selectbox("Attribute", attributes, key="fair_tstr_attr")
        metric = c3.selectbox("Metric", ["selection_rate", "accuracy", "tpr", "fpr"],
                              key="fair_tstr_metric")
        st.plotly_chart(tstr_bars(result, model=model, attribute=attribute, metric=metric,
                                  title=f"{metric} by {attribute} ({model})"))
        st.caption(f"{metric} of each {attribute} group on real held-out rows, for the model "
                   "trained on real data and the one trained on synthetic data.")
        st.dataframe(tstr_gaps(result), hide_index=True)
        st.caption("Disparity across groups (max - min, min / max; groups under 30 rows left out).")
