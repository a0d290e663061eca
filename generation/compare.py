"""What a generation does to representativeness and disparate impact: expected before, measured after."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import disparate_impact
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.pair import DatasetPair
from fairsynth.generation.settings import SEPARATOR, GenerationSettings

EXPECTED_COLUMNS = [
    "attribute", "group", "real_count", "real_share", "expected_count", "expected_share",
    "real_rate", "expected_rate", "real_ratio", "expected_ratio",
]
BEFORE_AFTER_COLUMNS = [
    "attribute", "group", "real_share", "before_share", "after_share", "before_gap", "after_gap",
    "real_ratio", "before_ratio", "after_ratio",
]
FIDELITY_COLUMNS = ["column", "before_score", "after_score", "change"]


def expected_effect(plan: pd.DataFrame, settings: GenerationSettings) -> pd.DataFrame:
    """Counts, shares, favourable rates and disparate impact per group that `settings` will give.

    `plan` is `ConditionalSynthesizer.plan(settings)`: exact counts per stratum, so this is
    known before sampling. Rates and ratios are NaN without a target; the ratio is to the
    group with the highest rate of the same attribute (as in `fairness.impact`).
    """
    plan = plan.copy()
    plan["expected"] = plan["synthetic"] + (plan["n"] if settings.mode == "augment" else 0)
    has_target = "fav" in plan
    cond = list(settings.conditioning)
    parts = []
    for order in range(1, len(cond) + 1):
        for attrs in combinations(cond, order):
            key = plan[list(attrs)].astype(str).agg(SEPARATOR.join, axis=1)
            parts.append(_block(plan, key, SEPARATOR.join(attrs), has_target))
    if not parts:
        parts.append(_block(plan, pd.Series("(all)", index=plan.index), "(all)", has_target))
    return pd.concat(parts, ignore_index=True)[EXPECTED_COLUMNS]


def _block(plan: pd.DataFrame, key: pd.Series, attribute: str, has_target: bool) -> pd.DataFrame:
    grouped = plan.groupby(key, sort=True)
    out = pd.DataFrame({"real_count": grouped["n"].sum(), "expected_count": grouped["expected"].sum()})
    out["real_share"] = out["real_count"] / out["real_count"].sum()
    total = out["expected_count"].sum()
    out["expected_share"] = out["expected_count"] / total if total else np.nan
    if has_target:
        fav = plan[plan["fav"]]
        fav_key = key[plan["fav"]]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["real_rate"] = fav.groupby(fav_key)["n"].sum().reindex(out.index, fill_value=0) / out["real_count"]
            out["expected_rate"] = (fav.groupby(fav_key)["expected"].sum().reindex(out.index, fill_value=0)
                                    / out["expected_count"].replace(0, np.nan))
        out["real_ratio"] = out["real_rate"] / out["real_rate"].max()
        out["expected_ratio"] = out["expected_rate"] / out["expected_rate"].max()
    else:
        for col in ("real_rate", "expected_rate", "real_ratio", "expected_ratio"):
            out[col] = np.nan
    out = out.rename_axis("group").reset_index()
    out["attribute"] = attribute
    return out


def before_after(before: DatasetPair, after: DatasetPair, *, min_count: int = 30) -> pd.DataFrame:
    """Per group: real share, synthetic share and gap before and after, and disparate impact of each."""
    rows = {}
    for side, pair in (("before", before), ("after", after)):
        gaps = subgroup_gaps(pair, min_count=min_count).copy()
        gaps["attribute"] = gaps["attributes"].map(lambda a: SEPARATOR.join(a))
        rows[side] = gaps.set_index(["attribute", "group"])
    table = pd.DataFrame({
        "real_share": rows["before"]["real_share"],
        "before_share": rows["before"]["synthetic_share"],
        "after_share": rows["after"]["synthetic_share"],
        "before_gap": rows["before"]["gap"],
        "after_gap": rows["after"]["gap"],
    })
    if before.roles.target and before.roles.favorable is not None:
        for side, pair in (("before", before), ("after", after)):
            impact = disparate_impact(pair).set_index(["attribute", "group"])
            if side == "before":
                table["real_ratio"] = impact[impact["dataset"] == "real"]["ratio"]
            table[f"{side}_ratio"] = impact[impact["dataset"] == "synthetic"]["ratio"]
    for col in BEFORE_AFTER_COLUMNS[2:]:
        if col not in table:
            table[col] = np.nan
    return table.reset_index()[BEFORE_AFTER_COLUMNS]


def fidelity_before_after(before: DatasetPair, after: DatasetPair) -> pd.DataFrame:
    """Column fidelity score (1 - KS or TV distance) per column, before and after."""
    scores = {side: column_fidelity(pair, by_group=False).set_index("column")["score"]
              for side, pair in (("before", before), ("after", after))}
    out = pd.DataFrame({"before_score": scores["before"], "after_score": scores["after"]})
    out["change"] = out["after_score"] - out["before_score"]
    return out.rename_axis("column").reset_index()[FIDELITY_COLUMNS]


def focus_attribute(table: pd.DataFrame, settings: GenerationSettings, *,
                    preferred: str | None = None) -> str | None:
    """The attribute set the before/after view should open on: the finding's, else the tuned one.

    `preferred` is the attribute set of the finding the user came from ("race&sex"). Else
    targets set for `race & sex` mean the gap being fixed is in `race & sex`, so opening on
    the first attribute (`race`) hid the change the user asked for. With no target set, the
    attribute set holding the largest share gap before generation (what an analyst would fix).
    """
    available = list(dict.fromkeys(table["attribute"]))
    if preferred in available:
        return preferred
    for attrs in (settings.shares_by, settings.rates_by):
        if attrs and SEPARATOR.join(attrs) in available:
            return SEPARATOR.join(attrs)
    gaps = table.dropna(subset=["before_gap"])
    if gaps.empty:
        return available[0] if available else None
    return str(gaps.loc[gaps["before_gap"].abs().idxmax(), "attribute"])
