"""The privacy measures: names, one-sentence explanations and risk levels (a registry read by engine, page and export)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

RiskLevel = Literal["low", "medium", "high", "unknown"]


@dataclass(frozen=True)
class MeasureSpec:
    """How to read one measure: what it says and where its risk levels start."""

    label: str
    explanation: str
    medium_at: float
    high_at: float
    # "up": a higher value is riskier; "down": a lower value is riskier.
    direction: Literal["up", "down"] = "up"
    # Levels of distance measures read value / reference (synthetic vs real unseen rows).
    relative: bool = False

    def level(self, value: float, reference: float = math.nan) -> RiskLevel:
        """Risk level of a value (relative measures divide by the reference first)."""
        if value is None or math.isnan(value):
            return "unknown"
        if self.relative:
            if reference is None or math.isnan(reference):
                return "unknown"
            value = value / reference if reference > 0 else (1.0 if value == 0 else math.inf)
        if self.direction == "up":
            return "high" if value >= self.high_at else "medium" if value >= self.medium_at else "low"
        return "high" if value <= self.high_at else "medium" if value <= self.medium_at else "low"


MEASURES: dict[str, MeasureSpec] = {
    "exact_copy_rate": MeasureSpec(
        "Exact copies", "Share of synthetic rows identical to a real training row on every compared "
        "column; the reference is the same share against the real holdout rows.", 0.01, 0.05),
    "dcr_closer_to_train_share": MeasureSpec(
        "Closer to training than holdout", "Share of synthetic rows whose closest real row is a "
        "training row rather than a holdout row (ties count half): 0.5 means no sign of memorised "
        "training rows.", 0.55, 0.60),
    "dcr_median": MeasureSpec(
        "Distance to closest record (median)", "Median mixed-type distance (0-1, Gower-like) from a "
        "synthetic row to its closest training row; the reference is the same for real holdout rows, "
        "and the risk level reads the ratio of the two.", 0.8, 0.5, "down", True),
    "nndr_median": MeasureSpec(
        "Nearest-neighbour distance ratio (median)", "Distance to the closest training row divided "
        "by the distance to the second closest: near 0 a synthetic row points at one real person; the "
        "reference is the same for holdout rows.", 0.8, 0.5, "down", True),
    "singling_out_risk": MeasureSpec(
        "Singling-out risk", "anonymeter: how much better than on unseen real rows predicates built "
        "from the synthetic data isolate exactly one training record (0 = no excess risk).", 0.05, 0.15),
    "linkability_risk": MeasureSpec(
        "Linkability risk", "anonymeter: how much better than on unseen real rows the synthetic data "
        "links two halves of a training record's columns back together.", 0.05, 0.15),
    "inference_risk": MeasureSpec(
        "Attribute-inference risk", "anonymeter: how much better than on unseen real rows an attacker "
        "who knows the other columns guesses a secret column (a protected attribute by default) "
        "from the synthetic data; the worst secret is shown.", 0.05, 0.15),
    "k_anonymity": MeasureSpec(
        "k-anonymity", "Smallest number of synthetic rows sharing one combination of the "
        "quasi-identifiers (1 means some combination is unique); its risk level is that of the "
        "share of rows in classes smaller than k, the row below.", 5, 2, "down"),
    "k_share_below": MeasureSpec(
        "Rows in small quasi-identifier classes", "Share of synthetic rows whose quasi-identifier "
        "combination is shared by fewer than k synthetic rows.", 0.01, 0.05),
}

# Proposed policy thresholds (TOML [thresholds]); each applies to the synthetic side.
POLICY_THRESHOLDS: dict[str, tuple[str, float, str]] = {
    "max_exact_copy_rate": ("exact_copy_rate", 0.01, "at most this share of synthetic rows copies "
                            "a real training row"),
    "max_dcr_closer_to_train_share": ("dcr_closer_to_train_share", 0.55, "at most this share of "
                                      "synthetic rows is closer to training than holdout rows"),
    "max_singling_out_risk": ("singling_out_risk", 0.05, "anonymeter singling-out risk, overall and "
                              "every protected group"),
    "max_linkability_risk": ("linkability_risk", 0.05, "anonymeter linkability risk, overall and "
                             "every protected group"),
    "max_inference_risk": ("inference_risk", 0.05, "anonymeter inference risk, worst secret, "
                           "overall and every protected group"),
    "min_k_anonymity": ("k_anonymity", 2, "smallest quasi-identifier class in the synthetic data"),
}


def base_measure(name: str) -> str:
    """Registry name of a measure row ("inference_risk:race" -> "inference_risk")."""
    return name.split(":", 1)[0]


def risk_level(name: str, value: float, reference: float = math.nan) -> RiskLevel:
    """Risk level of a measure row by its registry spec."""
    return MEASURES[base_measure(name)].level(value, reference)
