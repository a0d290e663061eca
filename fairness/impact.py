"""Disparate impact of the favourable outcome per protected group, and error-rate metrics per group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.engines import Cells, Counter, as_counter
from fairsynth.engines.tables import marginal
from fairsynth.fairness.ratios import (
    highest_rate,
    impact_columns,
    impact_frame,
    lowest_rate,
    ordered_groups,
)
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import Roles

CHANGE_COLUMNS = ["attribute", "group", "real_ratio", "synthetic_ratio", "change"]
SUMMARY_COLUMNS = [
    "dataset", "attribute", "lowest_group", "highest_group", "min_max_ratio", "passes_four_fifths",
    "n",
]
METRIC_COLUMNS = ["dataset", "attribute", "group", "metric", "value", "n"]
GROUP_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "accuracy")
PARITY_COLUMNS = [
    "dataset", "attribute", "demographic_parity_difference", "demographic_parity_ratio",
    "equalized_odds_difference", "equalized_odds_ratio",
]


def disparate_impact(
    pair: DatasetPair | Counter,
    *,
    reference: dict[str, str] | None = None,
    max_order: int = 3,
    min_count: int = 30,
) -> pd.DataFrame:
    """Selection rate of the favourable target value per group and its ratio to one reference group
    per attribute, the same on the real and the synthetic side, stacked.

    Groups are every protected attribute alone, then their intersections up to `max_order`
    attributes (as `fairness.subgroups`; 1 = no intersections). The reference of an attribute
    ("sex", "race&sex") is `reference`'s pick, else the real data's highest-rate group among groups
    with `min_count`+ real rows with a known outcome (ties: the larger group, then the label), and
    both sides are divided by it, so a real and a synthetic ratio compare like with like and a
    synthetic ratio above 1 means the synthetic data inverts the disparity. A picked group that is
    not in the real data is an error; a reference absent from the synthetic side makes that side's
    ratios NaN, and `undefined_reason` says why. Each side's own four-fifths view (lowest over
    highest rate) is `impact_summary`.

    The 95% interval of the ratio is Katz's log method (Katz et al. 1978); when a group has no
    favourable outcome the ratio is 0 and the upper bound adds 0.5 to its favourable count
    (Haldane). When the reference has no favourable outcome the ratio is NaN and
    `undefined_reason` says why. `n` counts rows with a known outcome.
    """
    check_impact_roles(pair.roles)
    cells = as_counter(pair).cells()
    real = impact_columns(cells, cells.counts["real"], cells.first["real"], dataset="real",
                          reference=reference or {}, max_order=max_order, strict=True,
                          min_count=min_count)
    chosen = {b["attribute"][0]: b["reference_group"][0] for b in real if b["group"].size}
    synthetic = impact_columns(cells, cells.counts["synthetic"], cells.first["synthetic"],
                               dataset="synthetic", reference=chosen, max_order=max_order,
                               strict=False)
    return impact_frame(real + synthetic)


def impact_change(
    pair: DatasetPair | Counter,
    *,
    reference: dict[str, str] | None = None,
    max_order: int = 3,
) -> pd.DataFrame:
    """Real and synthetic disparate impact ratio per group and the change (synthetic - real)."""
    return change_from_impact(disparate_impact(pair, reference=reference, max_order=max_order))


def change_from_impact(impact: pd.DataFrame) -> pd.DataFrame:
    """The change table (synthetic ratio - real ratio, one reference) from a `disparate_impact` result."""
    keys = ["attribute", "group"]
    real = impact[impact["dataset"] == "real"][keys + ["ratio"]].rename(columns={"ratio": "real_ratio"})
    synth = impact[impact["dataset"] == "synthetic"][keys + ["ratio"]].rename(
        columns={"ratio": "synthetic_ratio"})
    out = real.merge(synth, on=keys, how="outer", sort=False)
    out["change"] = out["synthetic_ratio"] - out["real_ratio"]
    return out[CHANGE_COLUMNS].reset_index(drop=True)


def impact_summary(impact: pd.DataFrame, *, min_count: int = 30) -> pd.DataFrame:
    """Each side's own four-fifths view per attribute: lowest over highest selection rate.

    Over the groups with `min_count`+ rows with a known outcome on that side (fewer rows make a
    rate too noisy to judge), this is fairlearn's demographic_parity_ratio of those groups; ties
    go to the larger group, then the label. `n` counts the known-outcome rows of those groups.
    """
    rows = []
    for (dataset, attribute), block in impact.groupby(["dataset", "attribute"], sort=False):
        groups = block["group"].tolist()
        n = block["n"].to_numpy()
        rate = block["selection_rate"].to_numpy(dtype=float)
        low = lowest_rate(groups, n, rate, min_count)
        high = None if low is None else highest_rate(groups, n, rate, min_count)
        ratio = np.nan
        if low is not None and rate[high] > 0:
            ratio = float(rate[low] / rate[high])
        big = n >= max(min_count, 1)
        rows.append({
            "dataset": dataset, "attribute": attribute,
            "lowest_group": None if low is None else groups[low],
            "highest_group": None if high is None else groups[high],
            "min_max_ratio": ratio,
            "passes_four_fifths": None if np.isnan(ratio) else bool(ratio >= FOUR_FIFTHS),
            "n": int(n[big].sum()),
        })
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    out["passes_four_fifths"] = out["passes_four_fifths"].astype("boolean")
    return out


def check_impact_roles(roles: Roles) -> None:
    """Refuse, with what to set, roles that give disparate impact nothing to measure."""
    if not roles.target or roles.favorable is None:
        raise InvalidInputError(
            "Disparate impact needs a target column and its favourable value; set both on the Data page.")
    if not roles.protected:
        raise InvalidInputError(
            "No protected attribute is set; mark at least one column as protected on the Data page.")


def group_metrics(pair: DatasetPair | Counter, *, max_order: int = 3) -> pd.DataFrame:
    """MetricFrame-style metrics of the prediction per group and side (empty without a prediction).

    Groups as in `disparate_impact`: attributes alone, then intersections up to `max_order`.

    Metrics: selection_rate (favourable predictions / rows), tpr, fpr, fnr, accuracy, with the
    favourable value as the positive class; rows missing the target or the prediction are left
    out. `n` is each metric's denominator (rows, actual positives or actual negatives); a rate
    with a zero denominator is NaN (undefined), where scikit-learn/fairlearn would report 0.
    """
    if not pair.roles.prediction:
        return pd.DataFrame(columns=METRIC_COLUMNS)
    check_impact_roles(pair.roles)
    cells = as_counter(pair).cells()
    parts = [_group_metrics(cells, dataset, max_order) for dataset in ("real", "synthetic")]
    return pd.concat(parts, ignore_index=True)[METRIC_COLUMNS]


def _group_metrics(cells: Cells, dataset: str, max_order: int) -> pd.DataFrame:
    parts = []
    for attrs in attribute_sets(cells.attributes, max_order):
        count = {m: marginal(cells.counts[dataset][m], cells.attributes, attrs)
                 for m in ("both", "tp", "fp", "fn", "tn")}
        # Groups in order of appearance among rows with both target and prediction known.
        present, labels = ordered_groups(cells, attrs, np.flatnonzero(count["both"] > 0),
                                         cells.first_both[dataset])
        count = {m: v[present].astype(float) for m, v in count.items()}
        pos, neg, n = count["tp"] + count["fn"], count["fp"] + count["tn"], count["both"]
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {
                "selection_rate": ((count["tp"] + count["fp"]) / n, n),
                "tpr": (count["tp"] / pos, pos), "fpr": (count["fp"] / neg, neg),
                "fnr": (count["fn"] / pos, pos), "accuracy": ((count["tp"] + count["tn"]) / n, n),
            }
        for metric in GROUP_METRICS:
            value, denom = values[metric]
            parts.append(pd.DataFrame({
                "dataset": dataset, "attribute": "&".join(attrs), "group": labels, "metric": metric,
                "value": value, "n": denom.astype(np.int64),
            }))
    return pd.concat(parts, ignore_index=True)


def error_rate_parity(pair: DatasetPair, *, max_order: int = 3) -> pd.DataFrame:
    """Demographic parity and equalized odds difference/ratio per side and attribute.

    Same definitions as fairlearn (between groups, worst case): differences are max - min over
    groups, ratios min / max; equalized odds takes the worse of the TPR and FPR figures. A group
    whose rate is undefined (no actual positives or negatives) is left out, where fairlearn
    would count it as a rate of 0.
    """
    metrics = group_metrics(pair, max_order=max_order)
    if metrics.empty:
        return pd.DataFrame(columns=PARITY_COLUMNS)
    rows = []
    for (dataset, attribute), block in metrics.groupby(["dataset", "attribute"], sort=False):
        by = {m: block.loc[block["metric"] == m, "value"].dropna() for m in ("selection_rate", "tpr", "fpr")}
        diff = {m: float(v.max() - v.min()) for m, v in by.items()}
        ratio = {m: _min_over_max(v) for m, v in by.items()}
        rows.append({
            "dataset": dataset, "attribute": attribute,
            "demographic_parity_difference": diff["selection_rate"],
            "demographic_parity_ratio": ratio["selection_rate"],
            "equalized_odds_difference": max(diff["tpr"], diff["fpr"]),
            "equalized_odds_ratio": min(ratio["tpr"], ratio["fpr"]),
        })
    return pd.DataFrame(rows, columns=PARITY_COLUMNS)


def _min_over_max(values: pd.Series) -> float:
    top = values.max()
    return float(values.min() / top) if top > 0 else float("nan")
