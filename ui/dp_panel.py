"""Generation page widgets for differential privacy: the budget, and the fairness cost of privacy sweep."""

from __future__ import annotations

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.generation.dp_budget import ENABLE_HINT, opendp_version
from fairsynth.generation.privacy_sweep import privacy_sweep
from fairsynth.governance.charts.privacy_sweep import METRIC_TITLES, sweep_figure

SWEEP_EPSILONS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


def dp_budget_widgets() -> dict | None:
    """The (epsilon, delta, public) a DP generation should use, or None when DP is off (or unavailable)."""
    on = st.toggle("Differential privacy (OpenDP)", key="gen_dp_on",
                   help="Every statistic the synthesizer reads is released through OpenDP under the budget; "
                        "the ledger travels with the output.")
    if not on:
        return None
    if opendp_version() is None:
        st.info(f"Differentially private generation needs OpenDP: {ENABLE_HINT}.")
        return None
    left, mid, right = st.columns(3)
    epsilon = left.number_input("epsilon", min_value=0.01, max_value=100.0, value=1.0, step=0.25,
                                key="gen_dp_epsilon")
    delta = mid.number_input("delta", min_value=0.0, max_value=0.01, value=0.0, format="%.1e",
                             key="gen_dp_delta", help="Needed to discover category domains privately.")
    public = right.checkbox("Column domains and ranges are public", value=True, key="gen_dp_public",
                            help="Declared public: not budgeted, and the ledger says so. Off: they cost "
                                 "budget (category domains then need delta > 0).")
    return {"epsilon": float(epsilon), "delta": float(delta), "public": ("*",) if public else ()}


@st.cache_data(show_spinner="Sweeping epsilon (several generations per budget)…", max_entries=4)
def _sweep(pair_hash: str, epsilons: tuple[float, ...], seeds: int, _pair: DatasetPair):
    return privacy_sweep(_pair.real, _pair.roles, epsilons=list(epsilons), seeds=seeds)


def sweep_panel(pair: DatasetPair) -> None:
    """Run the privacy sweep on demand and draw what each group pays as epsilon falls."""
    with st.expander("The fairness cost of privacy (sweep over epsilon)"):
        if opendp_version() is None:
            st.info(f"The sweep needs OpenDP: {ENABLE_HINT}.")
            return
        epsilons = st.multiselect("Budgets", SWEEP_EPSILONS, default=[0.5, 2.0, 8.0], key="gen_sweep_eps")
        seeds = st.number_input("Seeds per budget", min_value=1, max_value=10, value=2, key="gen_sweep_seeds")
        if st.button("Run the sweep", key="gen_sweep_run"):
            st.session_state["gen_sweep_args"] = (tuple(sorted(epsilons)), int(seeds))
        args = st.session_state.get("gen_sweep_args")
        if not args:
            return
        try:
            result = _sweep(pair.content_hash, *args, pair)
        except FairSynthError as exc:
            st.error(str(exc))
            return
        st.write(result.sentence)
        metric = st.selectbox("Measure", list(METRIC_TITLES), format_func=METRIC_TITLES.get, key="gen_sweep_metric")
        st.plotly_chart(sweep_figure(result.table, metric=metric))
        st.caption("One line per intersection with enough real rows; bars: 95% interval across seeds. "
                   "Domains and ranges declared public in every run.")
