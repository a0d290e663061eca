"""The fairness cost of privacy: DP generation over several epsilons and seeds, measured per group.

For each epsilon (and once without DP, the conditional synthesizer) and each seed, a synthetic
table as large as the real one is generated and compared with the real table per protected
group and intersection: share gap, disparate-impact change (one reference, fairness.impact),
within-group fidelity (mean KS/TV complement of the other columns inside the group) and the
accuracy inside the group of a model trained on the synthetic data (fairness.utility.tstr).
Seeds give the spread: a mean and a 95% t-interval per group, metric and epsilon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import change_from_impact, disparate_impact
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.fairness.utility import tstr
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.generation import fit_dp_synthesizer, generate
from fairsynth.generation.settings import SEPARATOR, GenerationSettings

NO_DP = "no DP"
METRICS = ("share_gap", "di_change", "within_fidelity", "tstr_accuracy")
SWEEP_COLUMNS = ["setting", "epsilon", "attribute", "group", "real_count", "judged", "metric",
                 "mean", "ci_low", "ci_high", "seeds"]
# The policy's names (DESIGN.md "policy file"); within-group fidelity reads min_column_fidelity.
DEFAULT_THRESHOLDS = {"max_abs_share_gap": 0.02, "max_disparate_impact_change": 0.1,
                      "min_column_fidelity": 0.9}
PAYING_GROUPS = 3


@dataclass(frozen=True)
class SweepResult:
    """The per-group table, the thresholds read, and the two sentences a reader needs."""

    table: pd.DataFrame
    thresholds: dict[str, float]
    smallest_epsilon: float | None
    sentence: str
    paying: list[dict] = field(default_factory=list)
    ledgers: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain JSON form (NaN as None)."""
        records = self.table.astype(object).where(self.table.notna(), None).to_dict("records")
        return {"thresholds": self.thresholds, "smallest_epsilon": self.smallest_epsilon,
                "sentence": self.sentence, "groups_paying_most": self.paying,
                "ledgers": self.ledgers, "results": records}


def privacy_sweep(real: pd.DataFrame, roles: Roles, *, epsilons: list[float], seeds: int = 3,
                  delta: float = 0.0, public: tuple[str, ...] = ("*",), baseline: bool = True,
                  thresholds: dict[str, float] | None = None, min_count: int = 30) -> SweepResult:
    """Generate at every epsilon (and without DP) for `seeds` seeds and measure each group; see module doc."""
    if not epsilons:
        raise InvalidInputError("Give at least one epsilon to sweep.")
    if seeds < 1:
        raise InvalidInputError(f"seeds must be at least 1, not {seeds}.")
    if not roles.protected or not roles.target or roles.favorable is None:
        raise InvalidInputError("The sweep needs protected attributes, a target and its favourable value.")
    limits = {**DEFAULT_THRESHOLDS, **{k: v for k, v in (thresholds or {}).items() if k in DEFAULT_THRESHOLDS}}
    settings = [(f"epsilon={e:g}", float(e)) for e in sorted(set(epsilons))]
    if baseline:
        settings.append((NO_DP, None))
    real = real[[c for c in real.columns if c not in set(roles.ignored)]].reset_index(drop=True)
    runs, ledgers = [], {}
    for label, eps in settings:
        for seed in range(seeds):
            base = GenerationSettings(rows=len(real), conditioning=roles.protected, seed=seed,
                                      epsilon=eps, delta=delta if eps else 0.0, public=public if eps else ())
            if eps is None:
                synthetic = generate(real, roles, base)
            else:
                fitted = fit_dp_synthesizer(real, roles, base)
                synthetic = fitted.sample(base)
                ledgers.setdefault(label, fitted.ledger_.to_dict())
            measured = _measure(real, synthetic, roles, seed)
            measured.insert(0, "setting", label)
            measured.insert(1, "epsilon", np.nan if eps is None else eps)
            runs.append(measured)
    table = _summarise(pd.concat(runs, ignore_index=True), min_count)
    smallest = _smallest_epsilon(table, limits)
    paying = _paying(table)
    return SweepResult(table, limits, smallest, _sentence(smallest, limits, paying, table), paying, ledgers)


def _with_intersection(frame: pd.DataFrame, protected: tuple[str, ...]) -> pd.DataFrame:
    if len(protected) < 2:
        return frame
    out = frame.copy()
    out[SEPARATOR.join(protected)] = frame[list(protected)].astype(str).agg(SEPARATOR.join, axis=1)
    return out


def _measure(real: pd.DataFrame, synthetic: pd.DataFrame, roles: Roles, seed: int) -> pd.DataFrame:
    """One run's per-group numbers; the intersection is a column of its own so every metric sees it."""
    protected = tuple(roles.protected)
    groups = protected + ((SEPARATOR.join(protected),) if len(protected) > 1 else ())
    wide = Roles(protected=groups, target=roles.target, favorable=roles.favorable)
    pair = make_pair(_with_intersection(real, protected), _with_intersection(synthetic, protected), wide)
    gaps = subgroup_gaps(pair, max_order=1)
    rows = [{"attribute": g.attributes[0] if isinstance(g.attributes, list | tuple) else g.attributes,
             "group": g.group, "real_count": g.real_count, "metric": "share_gap", "value": g.gap}
            for g in gaps.itertuples()]
    change = change_from_impact(disparate_impact(pair, max_order=1))
    rows += [{"attribute": c.attribute, "group": c.group, "metric": "di_change", "value": c.change}
             for c in change.itertuples()]
    fid = column_fidelity(pair, by_group=True)
    fid = fid[fid["attribute"].notna() & ~fid["column"].isin([*groups, roles.target])]
    within = fid.groupby(["attribute", "group"], sort=False)["score"].mean()
    rows += [{"attribute": a, "group": g, "metric": "within_fidelity", "value": v} for (a, g), v in within.items()]
    util = tstr(pair, models=("logistic",), random_state=seed, max_order=1)
    util = util[(util["trained_on"] == "synthetic") & (util["metric"] == "accuracy") & (util["attribute"] != "(all)")]
    rows += [{"attribute": u.attribute, "group": u.group, "metric": "tstr_accuracy", "value": u.value}
             for u in util.itertuples()]
    out = pd.DataFrame(rows)
    counts = out.dropna(subset=["real_count"]).set_index(["attribute", "group"])["real_count"]
    out["real_count"] = [counts.get((a, g), np.nan) for a, g in zip(out["attribute"], out["group"], strict=True)]
    return out


def _summarise(runs: pd.DataFrame, min_count: int) -> pd.DataFrame:
    keys = ["setting", "epsilon", "attribute", "group", "metric"]
    runs = runs.assign(epsilon=runs["epsilon"].astype(object))
    grouped = runs.groupby(keys, sort=False, dropna=False)
    out = grouped.agg(real_count=("real_count", "first"), mean=("value", "mean"),
                      sd=("value", "std"), seeds=("value", "count")).reset_index()
    half = stats.t.ppf(0.975, np.maximum(out["seeds"] - 1, 1)) * out["sd"] / np.sqrt(out["seeds"])
    half = half.where(out["seeds"] > 1)
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    out["judged"] = out["real_count"] >= min_count
    out["epsilon"] = [None if pd.isna(e) else float(e) for e in out["epsilon"]]
    return out[SWEEP_COLUMNS]


def _passes(table: pd.DataFrame, limits: dict[str, float]) -> bool:
    judged = table[table["judged"]]
    gap = judged[judged["metric"] == "share_gap"]["mean"].abs()
    di = judged[judged["metric"] == "di_change"]["mean"].abs()
    fid = judged[judged["metric"] == "within_fidelity"]["mean"]
    return bool((gap <= limits["max_abs_share_gap"]).all()
                and (di.dropna() <= limits["max_disparate_impact_change"]).all()
                and (fid.dropna() >= limits["min_column_fidelity"]).all())


def _smallest_epsilon(table: pd.DataFrame, limits: dict[str, float]) -> float | None:
    """Smallest epsilon from which every larger one passes too (a lucky small one does not count)."""
    eps = sorted(e for e in table["epsilon"].dropna().unique())
    passing = [e for e in eps if _passes(table[table["epsilon"] == e], limits)]
    smallest = None
    for e in reversed(eps):
        if e not in passing:
            break
        smallest = e
    return smallest


def _paying(table: pd.DataFrame) -> list[dict]:
    """Groups whose within-group fidelity falls most from the largest to the smallest epsilon."""
    fid = table[(table["metric"] == "within_fidelity") & table["epsilon"].notna() & table["judged"]]
    eps = sorted(fid["epsilon"].unique())
    if len(eps) < 2:
        return []
    hi = fid[fid["epsilon"] == eps[-1]].set_index(["attribute", "group"])
    lo = fid[fid["epsilon"] == eps[0]].set_index(["attribute", "group"])
    loss = (hi["mean"] - lo["mean"]).dropna().sort_values(ascending=False)
    return [{"attribute": a, "group": g, "real_count": int(hi.loc[(a, g), "real_count"]),
             "fidelity_loss": float(v), "from_epsilon": float(eps[-1]), "to_epsilon": float(eps[0])}
            for (a, g), v in loss.head(PAYING_GROUPS).items()]


def _sentence(smallest, limits, paying, table) -> str:
    rule = (f"|share gap| <= {limits['max_abs_share_gap']:g}, |DI change| <= "
            f"{limits['max_disparate_impact_change']:g}, within-group fidelity >= {limits['min_column_fidelity']:g}")
    tried = ", ".join(f"{e:g}" for e in sorted(table["epsilon"].dropna().unique()))
    if smallest is None:
        head = f"At no epsilon tried ({tried}) does every group stay within the thresholds ({rule})"
    else:
        head = (f"The smallest epsilon at which every group with enough real rows stays within the "
                f"thresholds ({rule}) is {smallest:g} (tried {tried})")
    if not paying:
        return head + "."
    named = "; ".join(f"{p['group']} ({p['real_count']:,} real rows, fidelity -{p['fidelity_loss']:.3f})"
                      for p in paying)
    return (f"{head}. Going from epsilon {paying[0]['from_epsilon']:g} to {paying[0]['to_epsilon']:g}, "
            f"the groups that pay most are {named}.")
