"""Representativeness page: does the synthetic data represent every protected subgroup and column?"""

import streamlit as st

from fairsynth.fairness.fidelity import association_difference, column_distribution, column_fidelity
from fairsynth.fairness.gap_ranking import ALPHA, CORRECTION, headline_gap, too_small
from fairsynth.fairness.subgroups import homogeneity_tests, share_intervals, subgroup_gaps
from fairsynth.foundation.errors import FairSynthError
from fairsynth.governance.charts.fairness import (
    association_heatmap,
    distribution_overlay,
    gap_heatmap,
    share_bars,
)
from fairsynth.governance.options import AuditOptions
from fairsynth.ui.cache import cached_call, cached_figure
from fairsynth.ui.state import require_pair

pair = require_pair()
st.title("Representativeness")
st.caption("Does the synthetic data keep the share of every protected group and intersection, "
           "and the distribution of every column within each group?")

min_count = st.number_input("Minimum rows per subgroup (smaller groups are flagged)", 1, 10_000,
                            AuditOptions.min_count,
                            key="repr_min_count")
try:
    with st.spinner("Counting rows per group and intersection..."):
        gaps = cached_call(subgroup_gaps, pair, min_count=int(min_count))
        tests = cached_call(homogeneity_tests, pair)
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()


def _label(attrs) -> str:
    return " & ".join(attrs)


# Headline: the most important significant under-representation (fairness.gap_ranking), in numbers.
dropped = gaps[gaps["missing_side"] == "synthetic"]
small = gaps[too_small(gaps, int(min_count))]
worst = headline_gap(gaps, min_count=int(min_count))
if worst is None:
    st.success(f"No subgroup with {int(min_count)}+ rows has a significantly smaller share in "
               f"the synthetic data ({CORRECTION} at {ALPHA:.0%} across {len(gaps) - len(small):,} "
               "subgroups).")
elif worst["missing_side"] == "synthetic":
    st.error(f"**{worst['group']}** ({_label(worst['attributes'])}) is **absent from the synthetic "
             f"data**: {worst['real_count']:,} real rows ({worst['real_share']:.2%}) have no "
             "synthetic counterpart.")
else:
    st.warning(
        f"Most under-represented: **{worst['group']}** ({_label(worst['attributes'])}) makes up "
        f"{worst['real_share']:.2%} of the real rows but {worst['synthetic_share']:.2%} of the "
        f"synthetic rows ({worst['gap'] * 100:+.2f} pp, 95% interval {worst['ci_low'] * 100:+.2f} "
        f"to {worst['ci_high'] * 100:+.2f} pp).")
st.caption(f"Ranked by severity, then the gap in share points, among subgroups with {int(min_count)}+ "
           f"rows on a side whose gap is significant after a {CORRECTION} correction across all "
           f"{len(gaps) - len(small):,} of them (false discovery rate {ALPHA:.0%}); the findings "
           "and the Notes page use the same ranking.")
if len(small):
    lost = small[small["missing_side"] == "synthetic"]
    st.info(f"{len(small):,} subgroup(s) have fewer than {int(min_count)} rows on both sides: too "
            "small to judge" + (f" ({len(lost):,} of them absent from the synthetic data)" if len(lost) else "")
            + "; they are flagged in the table below, not ranked.")
c1, c2, c3 = st.columns(3)
c1.metric("Subgroups compared", f"{len(gaps):,}")
c2.metric("Dropped by the generator", f"{len(dropped):,}")
c3.metric(f"Too small to judge (< {int(min_count)} rows)", f"{len(small):,}")

st.subheader("Group shares")
sets = list(dict.fromkeys(tuple(a) for a in gaps["attributes"]))
chosen = st.selectbox("Attributes", sets, format_func=_label, key="repr_attrs")
block = gaps[gaps["attributes"].map(tuple) == chosen]
st.plotly_chart(cached_figure(share_bars, share_intervals(block), title=f"Share of rows by {_label(chosen)}"))
st.caption("Bars show each group's share of the real and of the synthetic rows; whiskers are "
           "95% Wilson intervals.")
test = tests[tests["attributes"].map(tuple) == chosen]
if len(test):
    t = test.iloc[0]
    st.caption(f"Chi-square test of homogeneity for {_label(chosen)}: statistic {t['statistic']:.1f}, "
               f"{t['dof']} degrees of freedom, p = {t['p_value']:.3g}.")

pairs = [s for s in sets if len(s) == 2]
if pairs:
    st.subheader("Intersection gaps")
    pick = st.selectbox("Intersection", pairs, format_func=_label, key="repr_pair") if len(pairs) > 1 \
        else pairs[0]
    st.plotly_chart(cached_figure(gap_heatmap, gaps, pick, title=f"Share gap by {_label(pick)}"))
    st.caption("Each cell is synthetic share minus real share in percentage points: red groups "
               "are under-represented, blue over-represented; '(dropped)' marks groups missing "
               "from the synthetic data.")

with st.expander("All subgroups (table)"):
    table = gaps.assign(attributes=gaps["attributes"].map(_label),
                        gap_pp=gaps["gap"] * 100, ci_low_pp=gaps["ci_low"] * 100,
                        ci_high_pp=gaps["ci_high"] * 100).drop(
        columns=["group_values", "gap", "ci_low", "ci_high"])
    st.dataframe(table, hide_index=True,
                 column_config={"real_share": st.column_config.NumberColumn(format="percent"),
                                "synthetic_share": st.column_config.NumberColumn(format="percent"),
                                "gap_pp": st.column_config.NumberColumn(format="%+.2f"),
                                "ci_low_pp": st.column_config.NumberColumn(format="%+.2f"),
                                "ci_high_pp": st.column_config.NumberColumn(format="%+.2f")})

st.subheader("Column fidelity")
st.caption("Score = 1 - distance: Kolmogorov-Smirnov for numeric columns, total variation for "
           "categorical ones (as SDMetrics' KSComplement / TVComplement); 1.0 is a perfect match.")
try:
    with st.spinner("Comparing every column's distribution, overall and per group..."):
        fidelity = cached_call(column_fidelity, pair)
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()
view = st.radio("Sort by", ["worst column", "worst subgroup"], horizontal=True, key="repr_fid_view")
if view == "worst column":
    shown = fidelity[fidelity["attribute"].isna()].drop(columns=["attribute", "group"])
else:
    shown = fidelity[fidelity["attribute"].notna()]
st.dataframe(shown.sort_values("score", na_position="first"), hide_index=True,
             column_config={"score": st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                     format="%.3f")})

columns = list(dict.fromkeys(fidelity.sort_values("score")["column"]))
left, mid, right = st.columns(3)
column = left.selectbox("Column", columns, key="repr_column")
attribute = mid.selectbox("Within group of", ["(everyone)", *pair.roles.protected], key="repr_within")
group = None
if attribute != "(everyone)":
    groups = fidelity[(fidelity["attribute"] == attribute)]["group"].dropna().unique().tolist()
    group = right.selectbox("Group", groups, key="repr_group")
try:
    # Cached per (pair, column, group): a rerun for another widget does not histogram again.
    dist = cached_call(column_distribution, pair, column=column,
                       attribute=None if group is None else attribute, group=group)
    where = "" if group is None else f" for {attribute} = {group}"
    st.plotly_chart(cached_figure(distribution_overlay, dist, column=column, title=f"{column}{where}"))
    st.caption(f"Overlaid shares of {column} in the real and synthetic rows{where}; where the "
               "colours differ, the generator changed the distribution.")
except FairSynthError as exc:
    st.error(str(exc))

# Measured only once the expander is opened (it reruns the page): on a 1M-row pair the association
# of every column pair is the costliest part of this page's first visit, and most visits never
# open it.
association = st.expander("Association differences between columns", key="repr_assoc",
                          on_change="rerun")
with association:
    if not association.open:
        st.caption("Open to measure the association of every column pair.")
    else:
        try:
            with st.spinner("Measuring the association of every column pair..."):
                assoc = cached_call(association_difference, pair)
            st.plotly_chart(cached_figure(association_heatmap, assoc, title="Association: synthetic - real"))
            st.caption("Difference in association per column pair (Pearson for two numbers, Cramér's V "
                       "for two categories, correlation ratio for a mixed pair); 0 means kept.")
        except FairSynthError as exc:
            st.error(str(exc))
