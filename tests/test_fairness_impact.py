"""Disparate impact and group metrics: cross-checks against fairlearn and statsmodels, and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score
from statsmodels.stats.proportion import confint_proportions_2indep

from fairsynth.fairness.impact import (
    CHANGE_COLUMNS,
    METRIC_COLUMNS,
    PARITY_COLUMNS,
    disparate_impact,
    error_rate_parity,
    group_metrics,
    impact_change,
    impact_summary,
)
from fairsynth.fairness.ratios import IMPACT_COLUMNS
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.fairness.utility import OVERALL, tstr
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles

ADULT = Roles(protected=("race", "sex"), target="income", favorable=">50K")
COMPAS = Roles(protected=("race", "sex"), target="two_year_recid", favorable="0",
               prediction="predicted_recid")


def real_impact(frame: pd.DataFrame, roles: Roles, **options) -> pd.DataFrame:
    """The real side of `disparate_impact` on a pair whose synthetic side is a copy of the frame."""
    di = disparate_impact(make_pair(frame, frame.copy(), roles), **options)
    return di[di["dataset"] == "real"].reset_index(drop=True)


def test_adult_sex_disparate_impact_from_data_matches_fairlearn(adult_real):
    di = real_impact(adult_real, ADULT)
    assert list(di.columns) == IMPACT_COLUMNS
    female = di[(di["attribute"] == "sex") & (di["group"] == "Female")].iloc[0]
    y = (adult_real["income"] == ">50K").to_numpy()
    reference = demographic_parity_ratio(y, y, sensitive_features=adult_real["sex"])
    assert female["ratio"] == pytest.approx(reference, abs=1e-9)
    assert 0.3 < female["ratio"] < 0.4
    assert female["reference_group"] == "Male" and not female["passes_four_fifths"]


def test_selection_rates_match_metricframe(adult_real):
    di = real_impact(adult_real, ADULT)
    y = (adult_real["income"] == ">50K").to_numpy()
    for attribute, features in (("race", adult_real["race"]),
                                ("race&sex", adult_real[["race", "sex"]])):
        mf = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=features)
        ours = di[di["attribute"] == attribute].set_index("group")["selection_rate"]
        for key, value in mf.by_group.items():
            label = "&".join(key) if isinstance(key, tuple) else key
            assert ours[label] == pytest.approx(value, abs=1e-12)
        # The lowest ratio is fairlearn's min/max ratio over the groups.
        assert di[di["attribute"] == attribute]["ratio"].min() == pytest.approx(mf.ratio(), abs=1e-12)


def test_katz_interval_matches_statsmodels(adult_real):
    di = real_impact(adult_real, ADULT)
    for _, row in di[di["group"] != di["reference_group"]].iterrows():
        fav = round(row["selection_rate"] * row["n"])
        ref = di[(di["attribute"] == row["attribute"]) & (di["group"] == row["reference_group"])].iloc[0]
        ref_fav = round(ref["selection_rate"] * ref["n"])
        low, high = confint_proportions_2indep(fav, row["n"], ref_fav, ref["n"],
                                               method="log", compare="ratio")
        assert row["ci_low"] == pytest.approx(low, rel=1e-9)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9)
        assert row["ci_low"] <= row["ratio"] <= row["ci_high"]


def test_zero_favorable_group_has_ratio_zero(adult_real):
    frame = adult_real.copy()
    frame.loc[frame["race"] == "Other", "income"] = "<=50K"
    di = real_impact(frame, ADULT, max_order=1)
    other = di[(di["attribute"] == "race") & (di["group"] == "Other")].iloc[0]
    assert other["ratio"] == 0 and other["selection_rate"] == 0
    assert other["ci_low"] == 0 and 0 < other["ci_high"] < 0.1
    assert other["passes_four_fifths"] is False or other["passes_four_fifths"] == False  # noqa: E712
    assert other["undefined_reason"] is None


def test_reference_without_favorable_outcome_is_undefined_and_said_so(adult_real):
    frame = adult_real.copy()
    frame.loc[frame["race"] == "Other", "income"] = "<=50K"
    di = real_impact(frame, ADULT, reference={"race": "Other"}, max_order=1)
    race = di[di["attribute"] == "race"]
    assert race["ratio"].isna().all()
    assert race["passes_four_fifths"].isna().all()
    assert race["undefined_reason"].str.contains("'Other' has no favourable outcome").all()
    # Other attributes keep their own (defined) reference.
    assert di[di["attribute"] == "sex"]["ratio"].notna().all()


def test_unknown_reference_group_is_a_clear_error(adult_real):
    with pytest.raises(InvalidInputError, match="available: .*Female"):
        real_impact(adult_real, ADULT, reference={"sex": "female"})


def test_picked_reference_group_absent_from_synthetic(adult_real):
    synth = adult_real[adult_real["race"] != "Asian-Pac-Islander"].reset_index(drop=True)
    pair = make_pair(adult_real, synth, ADULT)
    di = disparate_impact(pair, max_order=1, reference={"race": "Asian-Pac-Islander"})
    race = di[(di["dataset"] == "synthetic") & (di["attribute"] == "race")]
    assert (race["reference_group"] == "Asian-Pac-Islander").all()
    assert race["ratio"].isna().all()
    assert race["undefined_reason"].str.contains("absent").all()
    # Without a pick, the real data's highest-rate group (Asian-Pac-Islander) is still the one
    # reference of both sides, so the synthetic ratios are undefined, said so, never re-anchored.
    default = disparate_impact(pair, max_order=1)
    own = default[(default["dataset"] == "synthetic") & (default["attribute"] == "race")]
    assert (own["reference_group"] == "Asian-Pac-Islander").all() and own["ratio"].isna().all()
    assert own["undefined_reason"].str.contains("absent").all()
    # Each side's own four-fifths view still stands.
    summary = impact_summary(default).set_index(["dataset", "attribute"])
    assert summary.loc[("synthetic", "race"), "highest_group"] != "Asian-Pac-Islander"
    assert summary.loc[("synthetic", "race"), "min_max_ratio"] > 0


def test_one_reference_for_both_sides_and_each_sides_own_four_fifths_view(adult_real):
    from fairlearn.metrics import MetricFrame, demographic_parity_ratio, selection_rate

    # A synthetic side where women fare better than men: the disparity is inverted.
    synth = adult_real.copy()
    synth["sex"] = synth["sex"].map({"Female": "Male", "Male": "Female"})
    pair = make_pair(adult_real, synth, ADULT)
    di = disparate_impact(pair, max_order=1)
    sex = di[di["attribute"] == "sex"]
    # The real data's highest-rate group is the reference of both sides...
    assert sex["reference_group"].eq("Male").all()
    for side, frame in (("real", adult_real), ("synthetic", synth)):
        y = (frame["income"] == ">50K").astype(int)
        rates = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y,
                            sensitive_features=frame["sex"]).by_group
        ours = sex[sex["dataset"] == side].set_index("group")["ratio"]
        for group in ("Female", "Male"):
            assert abs(ours[group] - rates[group] / rates["Male"]) < 1e-9
    # ...so the synthetic ratio exceeds 1: the synthetic data inverts the disparity.
    assert sex.set_index(["dataset", "group"]).loc[("synthetic", "Female"), "ratio"] > 2
    # Each side's own view (lowest over highest rate) is fairlearn's demographic_parity_ratio.
    summary = impact_summary(di).set_index(["dataset", "attribute"])
    for side, frame in (("real", adult_real), ("synthetic", synth)):
        y = (frame["income"] == ">50K").astype(int)
        expected = demographic_parity_ratio(y, y, sensitive_features=frame["sex"])
        assert abs(summary.loc[(side, "sex"), "min_max_ratio"] - expected) < 1e-9
    assert summary.loc[("synthetic", "sex"), "lowest_group"] == "Male"
    assert summary.loc[("synthetic", "sex"), "highest_group"] == "Female"


def test_default_reference_skips_groups_under_min_count():
    import pandas as pd

    # 'tiny' has the best rate but 5 rows: the reference is the best group with 30+ rows.
    frame = pd.DataFrame({"g": ["tiny"] * 5 + ["a"] * 100 + ["b"] * 100,
                          "y": [1] * 5 + [1] * 60 + [0] * 40 + [1] * 30 + [0] * 70})
    roles = ADULT.with_changes(protected=("g",), target="y", favorable="1")
    di = real_impact(frame, roles, max_order=1)
    assert (di["reference_group"] == "a").all()
    assert di.set_index("group").loc["tiny", "ratio"] == pytest.approx(1 / 0.6)
    summary = impact_summary(di)
    # The four-fifths view leaves the 5-row group out too: 0.3 / 0.6.
    assert summary["min_max_ratio"].iloc[0] == pytest.approx(0.5)
    assert summary["n"].iloc[0] == 200


def test_tied_highest_rate_picks_the_larger_group_whatever_the_row_order():
    import pandas as pd

    frame = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 8 + ["c"] * 4,
                          "y": [1, 0] * 2 + [1, 0] * 4 + [0] * 4})
    roles = ADULT.with_changes(protected=("g",), target="y", favorable="1")
    for seed in range(5):
        shuffled = frame.sample(frac=1, random_state=seed)
        di = real_impact(shuffled, roles, max_order=1)
        assert (di["reference_group"] == "b").all()


def test_dataset_against_itself_has_no_change(adult_real):
    pair = make_pair(adult_real, adult_real.copy(), ADULT)
    change = impact_change(pair)
    assert list(change.columns) == CHANGE_COLUMNS
    assert (change["change"] == 0).all() and len(change) == 5 + 2 + 10
    summary = impact_summary(disparate_impact(pair))
    sex = summary[summary["attribute"] == "sex"].set_index("dataset")
    assert sex.loc["real", "lowest_group"] == "Female" and sex.loc["real", "highest_group"] == "Male"
    assert sex.loc["real", "min_max_ratio"] == sex.loc["synthetic", "min_max_ratio"]


def test_perturbed_synthetic_flattens_the_gap(adult_real):
    synth = adult_real.copy()
    rng = np.random.default_rng(0)
    women = synth.index[(synth["sex"] == "Female") & (synth["income"] == "<=50K")]
    synth.loc[rng.choice(women, 2500, replace=False), "income"] = ">50K"
    change = impact_change(make_pair(adult_real, synth, ADULT)).set_index(["attribute", "group"])
    assert change.loc[("sex", "Female"), "change"] > 0.3


def test_forty_groups(adult_real):
    rng = np.random.default_rng(5)
    frame = adult_real.assign(region=[f"R{i:02d}" for i in rng.integers(0, 40, len(adult_real))])
    roles = Roles(protected=("region",), target="income", favorable=">50K")
    di = real_impact(frame, roles)
    assert len(di) == 40 and di["ratio"].notna().all()
    assert di["ratio"].max() == 1.0


@pytest.fixture(scope="module")
def compas_pair(compas_real):
    synth = compas_real.sample(frac=1.0, replace=True, random_state=11).reset_index(drop=True)
    return make_pair(compas_real, synth, COMPAS)


def test_group_metrics_match_metricframe(compas_pair):
    gm = group_metrics(compas_pair)
    assert list(gm.columns) == METRIC_COLUMNS
    for dataset, frame in (("real", compas_pair.real), ("synthetic", compas_pair.synthetic)):
        y = (frame["two_year_recid"] == 0).to_numpy()
        p = (frame["predicted_recid"] == 0).to_numpy()
        mf = MetricFrame(
            metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                     "fpr": false_positive_rate, "fnr": false_negative_rate,
                     "accuracy": accuracy_score},
            y_true=y, y_pred=p, sensitive_features=frame[["race", "sex"]])
        ours = gm[(gm["dataset"] == dataset) & (gm["attribute"] == "race&sex")]
        ours = ours.set_index(["group", "metric"])
        undefined = 0
        for key, values in mf.by_group.iterrows():
            for metric, value in values.items():
                got = ours.loc[("&".join(key), metric)]
                if np.isnan(got["value"]):
                    # No actual positive (or negative) in the group: we say undefined (n = 0),
                    # scikit-learn's zero_division convention reports 0.
                    assert got["n"] == 0 and value == 0
                    undefined += 1
                else:
                    assert got["value"] == pytest.approx(value, abs=1e-12)
        assert undefined < 3


def test_error_rate_parity_matches_fairlearn(compas_pair):
    parity = error_rate_parity(compas_pair, max_order=1)
    assert list(parity.columns) == PARITY_COLUMNS
    for _, row in parity.iterrows():
        frame = compas_pair.real if row["dataset"] == "real" else compas_pair.synthetic
        y = (frame["two_year_recid"] == 0).to_numpy()
        p = (frame["predicted_recid"] == 0).to_numpy()
        sf = frame[row["attribute"]]
        assert row["demographic_parity_difference"] == pytest.approx(
            demographic_parity_difference(y, p, sensitive_features=sf), abs=1e-12)
        assert row["demographic_parity_ratio"] == pytest.approx(
            demographic_parity_ratio(y, p, sensitive_features=sf), abs=1e-12)
        assert row["equalized_odds_difference"] == pytest.approx(
            equalized_odds_difference(y, p, sensitive_features=sf), abs=1e-12)
        assert row["equalized_odds_ratio"] == pytest.approx(
            equalized_odds_ratio(y, p, sensitive_features=sf), abs=1e-12)


def test_group_metrics_without_prediction_is_empty(adult_real):
    pair = make_pair(adult_real, adult_real, ADULT)
    assert group_metrics(pair).empty and list(group_metrics(pair).columns) == METRIC_COLUMNS
    assert error_rate_parity(pair).empty


def test_missing_outcomes_are_left_out_of_n(adult_real):
    frame = adult_real.copy()
    frame.loc[frame.index[:100], "income"] = None
    di = real_impact(frame, ADULT, max_order=1)
    assert di[di["attribute"] == "sex"]["n"].sum() == len(frame) - 100
    expected = frame.dropna(subset=["income"]).groupby("sex")["income"].apply(
        lambda s: (s == ">50K").mean())
    got = di[di["attribute"] == "sex"].set_index("group")["selection_rate"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_max_order_bounds_every_part(compas_pair):
    # Setup: three protected attributes, so order 3 has a three-way intersection to leave out.
    roles = COMPAS.with_changes(protected=("race", "sex", "age_cat"))
    pair = make_pair(compas_pair.real, compas_pair.synthetic, roles)
    # Run
    parts = {"impact": disparate_impact(pair, max_order=2), "change": impact_change(pair, max_order=2),
             "metrics": group_metrics(pair, max_order=2), "parity": error_rate_parity(pair, max_order=2)}
    gaps = subgroup_gaps(pair, max_order=2)
    utility = tstr(pair, models=("logistic",), max_order=2)
    # Assert: pairs are there, the three-way intersection only when asked for.
    for name, table in parts.items():
        assert set(table["attribute"].str.count("&") + 1) == {1, 2}, name
    assert set(gaps["attributes"].map(len)) == {1, 2}
    by_group = utility[utility["attribute"] != OVERALL]
    assert set(by_group["attribute"].str.count("&") + 1) == {1, 2}
    assert "race&sex&age_cat" in set(disparate_impact(pair, max_order=3)["attribute"])
    assert set(disparate_impact(pair, max_order=1)["attribute"]) == {"race", "sex", "age_cat"}
    with pytest.raises(InvalidInputError, match="max_order"):
        disparate_impact(pair, max_order=0)


def test_registry_headline_reads_the_synthetic_four_fifths_view():
    from fairsynth.foundation.samples import load_sample
    from fairsynth.governance.audit import AuditOptions, run_audit
    from fairsynth.governance.export import report_to_dict
    from fairsynth.governance.registry.headline import headline

    report = report_to_dict(run_audit(load_sample("adult-skewed"),
                                      options=AuditOptions(include_privacy=False)))
    views = [r["min_max_ratio"] for r in report["impact_summary"] if r["dataset"] == "synthetic"]
    assert headline(report).lowest_disparate_impact == pytest.approx(min(views), abs=1e-12)
    # A report written before impact_summary existed still has a headline from the group ratios.
    del report["impact_summary"]
    ratios = [r["ratio"] for r in report["disparate_impact"] if r["dataset"] == "synthetic"]
    assert headline(report).lowest_disparate_impact == pytest.approx(min(ratios), abs=1e-12)
