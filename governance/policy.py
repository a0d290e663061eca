"""Policy thresholds from a TOML file and their pass/fail checks against an audit's tables."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance import policy_over_time


@dataclass(frozen=True)
class PolicyTables:
    """The audit tables a policy reads by key; None marks a part that did not run, with the reason.

    The keys are governance.tables.TABLES plus `privacy_attacks` (the anonymeter rows of the
    privacy table, checked apart from the distance rows); each reads as an attribute.
    """

    tables: Mapping[str, pd.DataFrame | None] = field(default_factory=dict)
    min_count: int = 30
    # part name -> why it is missing ("skipped: no time column", "error: ...").
    missing: Mapping[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"the audit has no table {name!r}")


@dataclass(frozen=True)
class Policy:
    """Thresholds by name (all optional), and where they were read from."""

    thresholds: Mapping[str, float]
    source: str = "policy"


@dataclass(frozen=True)
class PolicyCheck:
    """One threshold checked: the measured value, the limit, and a sentence saying what and where.

    `passed` is None when the check does not apply to this data (e.g. no time column for a
    drift threshold): it is reported but does not fail the policy.
    """

    name: str
    value: float | None
    threshold: float
    passed: bool | None
    explanation: str


@dataclass(frozen=True)
class PolicyResult:
    """Every check and the verdict: passed unless a check failed."""

    passed: bool
    checks: tuple[PolicyCheck, ...]
    source: str = "policy"

    @property
    def failed(self) -> tuple[PolicyCheck, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if c.passed is False)

    def to_dict(self) -> dict:
        """JSON-ready form, as in the report's `policy` field."""
        return {
            "passed": self.passed,
            "source": self.source,
            "checks": [
                {"name": c.name, "value": c.value, "threshold": c.threshold, "passed": c.passed,
                 "explanation": c.explanation}
                for c in self.checks
            ],
        }


Measure = Callable[[PolicyTables, float], PolicyCheck]


@dataclass(frozen=True)
class ThresholdSpec:
    """A known threshold: its bound kind, the audit part it reads, what it means, how to measure."""

    name: str
    bound: Literal["min", "max"]
    part: str
    meaning: str
    measure: Measure
    why: str = ""


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _check(spec: ThresholdSpec, value: float | None, threshold: float, where: str) -> PolicyCheck:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return PolicyCheck(spec.name, None, threshold, False,
                           f"{spec.meaning}: could not be measured ({where}).")
    passed = value >= threshold if spec.bound == "min" else value <= threshold
    word = "at least" if spec.bound == "min" else "at most"
    verdict = "passes" if passed else "fails"
    why = "" if passed or not spec.why else f" Why it matters: {spec.why}"
    return PolicyCheck(spec.name, float(value), threshold, bool(passed),
                       f"{spec.meaning}: {_fmt(value)} {where}; the policy asks for {word} "
                       f"{_fmt(threshold)}, so it {verdict}.{why}")


def _min_disparate_impact(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["min_disparate_impact"]
    # The synthetic side's own four-fifths view: lowest over highest group rate per attribute.
    summary = t.impact_summary
    rows = summary[summary["dataset"] == "synthetic"].dropna(subset=["min_max_ratio"])
    if rows.empty:
        return _check(spec, None, threshold, f"no synthetic group with {t.min_count}+ rows has a rate")
    worst = rows.loc[rows["min_max_ratio"].idxmin()]
    return _check(spec, float(worst["min_max_ratio"]), threshold,
                  f"for {worst['attribute']}: {worst['lowest_group']}'s selection rate over "
                  f"{worst['highest_group']}'s (groups under {t.min_count} rows left out as too noisy)")


def _max_disparate_impact_change(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["max_disparate_impact_change"]
    change = t.impact_change.dropna(subset=["change"])
    big = t.disparate_impact[t.disparate_impact["n"] >= t.min_count]
    sides = big.groupby(["attribute", "group"])["dataset"].nunique()
    keep = set(sides[sides == 2].index)
    change = change[[k in keep for k in zip(change["attribute"], change["group"], strict=True)]]
    if change.empty:
        return _check(spec, None, threshold, "no group has a ratio on both sides")
    worst = change.loc[change["change"].abs().idxmax()]
    return _check(spec, abs(float(worst["change"])), threshold,
                  f"for {worst['attribute']} = {worst['group']} (real {_fmt(worst['real_ratio'])}, "
                  f"synthetic {_fmt(worst['synthetic_ratio'])})")


def _max_abs_share_gap(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["max_abs_share_gap"]
    gaps = t.subgroup_gaps
    worst = gaps.loc[gaps["gap"].abs().idxmax()]
    return _check(spec, abs(float(worst["gap"])), threshold,
                  f"for {worst['group']} ({_pct(worst['real_share'])} of real rows, "
                  f"{_pct(worst['synthetic_share'])} of synthetic)")


def _min_subgroup_count(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["min_subgroup_count"]
    # A group already under the threshold in the real data cannot be made up by the synthetic
    # data; only groups the real data has enough rows of are held to it.
    real = t.subgroup_gaps["real_count"]
    gaps = t.subgroup_gaps[real >= threshold]
    left_out = int(((real > 0) & (real < threshold)).sum())
    note = f"; {left_out} group(s) under {_fmt(threshold)} real rows left out" if left_out else ""
    if gaps.empty:
        return _check(spec, None, threshold, f"no subgroup has {_fmt(threshold)} real rows")
    worst = gaps.loc[gaps["synthetic_count"].idxmin()]
    return _check(spec, float(worst["synthetic_count"]), threshold,
                  f"synthetic rows for {worst['group']} (real: {int(worst['real_count'])}{note})")


def _min_column_fidelity(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["min_column_fidelity"]
    overall = t.fidelity[t.fidelity["attribute"].isna()].dropna(subset=["score"])
    if overall.empty:
        return _check(spec, None, threshold, "no column could be compared")
    worst = overall.loc[overall["score"].idxmin()]
    return _check(spec, float(worst["score"]), threshold,
                  f"for column {worst['column']} ({worst['metric'].upper()} complement)")


def _max_drifted_share(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["max_drifted_share"]
    drift = t.dataset_drift.dropna(subset=["drifted_share"])
    if drift.empty:
        return _check(spec, None, threshold, "no window could be compared")
    worst = drift.loc[drift["drifted_share"].idxmax()]
    return _check(spec, float(worst["drifted_share"]), threshold,
                  f"in the window starting {worst['window']} ({int(worst['n_drifted'])} of "
                  f"{int(worst['n_columns'])} columns drifted)")


def _pct(share: float) -> str:
    return f"{100 * float(share):.1f}%"


def _ci(row: pd.Series) -> str:
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return f"{int(row['n']):,} rows"
    return f"95% CI {_fmt(row['ci_low'])}-{_fmt(row['ci_high'])}, {int(row['n']):,} rows"


def _privacy_max(name: str, measure: str, reference: str = "") -> Measure:
    """A max threshold on a privacy measure: overall value, or a group clearly above it.

    A group counts by the lower end of its 95% interval: with a few dozen sampled rows a group's
    value alone swings widely, and a gate must not fail on that noise; a group whose interval
    lies above the limit fails it. Groups under the audit's minimum count are left out.
    """

    def check(t: PolicyTables, threshold: float) -> PolicyCheck:
        spec = THRESHOLDS[name]
        table = getattr(t, spec.part)
        rows = table[table["measure"] == measure]
        overall = rows[rows["attribute"].isna()].dropna(subset=["value"])
        if overall.empty:
            return _check(spec, None, threshold, "no overall value (see the privacy notes)")
        ov = overall.iloc[0]
        groups = rows[rows["attribute"].notna()].dropna(subset=["value"])
        left_out = int((groups["n"] < t.min_count).sum())
        groups = groups[groups["n"] >= t.min_count]
        note = f"; {left_out} group(s) under {t.min_count} rows left out" if left_out else ""
        ref = "" if not reference or pd.isna(ov["reference"]) else \
            f"; {reference}: {_fmt(ov['reference'])}"
        where = f"overall ({_ci(ov)}{ref})"
        value = float(ov["value"])
        if not groups.empty:
            bound = groups["ci_low"].fillna(groups["value"])
            worst = groups.loc[bound.idxmax()]
            who = f"{worst['attribute']} = {worst['group']}"
            if bound.max() > value:
                value = float(bound.max())
                where = (f"as the lower end of the 95% interval for {who} (value "
                         f"{_fmt(worst['value'])}, {_ci(worst)}; overall {_fmt(ov['value'])})")
            else:
                where += f"; worst group {who}: {_fmt(worst['value'])} ({_ci(worst)})"
        return _check(spec, value, threshold, where + note)

    return check


def _over_time(name: str, measure: Callable[[PolicyTables, float], tuple[float | None, str]]
               ) -> Measure:
    """A threshold read from an over-time table (governance.policy_over_time says what and where)."""

    def check(t: PolicyTables, threshold: float) -> PolicyCheck:
        value, where = measure(t, threshold)
        return _check(THRESHOLDS[name], value, threshold, where)

    return check


def _min_k_anonymity(t: PolicyTables, threshold: float) -> PolicyCheck:
    spec = THRESHOLDS["min_k_anonymity"]
    rows = t.privacy[t.privacy["measure"] == "k_anonymity"].dropna(subset=["value"])
    overall = rows[rows["attribute"].isna()]
    if overall.empty:
        return _check(spec, None, threshold, "no synthetic row to group")
    k = float(overall.iloc[0]["value"])
    groups = rows[rows["attribute"].notna() & (rows["value"] < threshold)]
    names = [f"{a} = {g}" for a, g in zip(groups["attribute"], groups["group"], strict=True)]
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    where = (f"rows in the smallest quasi-identifier class; groups with a class under "
             f"{_fmt(threshold)}: {shown}" if names else
             "rows in the smallest quasi-identifier class; no protected group has a smaller one")
    return _check(spec, k, threshold, where)


THRESHOLDS: dict[str, ThresholdSpec] = {
    spec.name: spec
    for spec in (
        ThresholdSpec("min_disparate_impact", "min", "impact_summary",
                      "Lowest ratio of group selection rates (lowest / highest) in the synthetic "
                      "data", _min_disparate_impact,
                      "a model trained on this data learns to select this group less often."),
        ThresholdSpec("max_disparate_impact_change", "max", "disparate_impact",
                      "Largest change of a group's disparate impact, real to synthetic",
                      _max_disparate_impact_change,
                      "the synthetic data hides or invents a disparity of the real data."),
        ThresholdSpec("max_abs_share_gap", "max", "subgroup_gaps",
                      "Largest absolute subgroup share gap", _max_abs_share_gap,
                      "a model trained on it sees this group more or less often than in reality."),
        ThresholdSpec("min_subgroup_count", "min", "subgroup_gaps",
                      "Smallest synthetic subgroup count", _min_subgroup_count,
                      "too few rows make this group's statistics, and models, unreliable."),
        ThresholdSpec("min_column_fidelity", "min", "fidelity",
                      "Lowest column fidelity score", _min_column_fidelity,
                      "analyses of this column on synthetic data do not carry over to real data."),
        ThresholdSpec("max_drifted_share", "max", "dataset_drift",
                      "Largest share of drifted columns in a time window", _max_drifted_share,
                      "the data of this period differs from the reference; conclusions may be stale."),
        ThresholdSpec("min_disparate_impact_any_window", "min", "impact_over_time",
                      "Lowest disparate impact ratio in any time window, real or synthetic",
                      _over_time("min_disparate_impact_any_window",
                                 policy_over_time.lowest_ratio_any_window),
                      "in that period the group was selected less than four-fifths as often as "
                      "the reference group."),
        ThresholdSpec("max_share_change_any_window", "max", "subgroups_over_time",
                      "Largest change of a group's share against the first time window",
                      _over_time("max_share_change_any_window",
                                 policy_over_time.largest_share_change),
                      "the population moved: synthetic data fitted to one period misrepresents "
                      "this group in another."),
        ThresholdSpec("max_staleness", "max", "staleness",
                      "Share of drifted columns between the synthetic data and the latest window",
                      _over_time("max_staleness", policy_over_time.latest_staleness),
                      "the synthetic data describes an older population; conclusions drawn "
                      "from it may be stale."),
        ThresholdSpec("max_exact_copy_rate", "max", "privacy",
                      "Share of synthetic rows that are exact copies of a real training row",
                      _privacy_max("max_exact_copy_rate", "exact_copy_rate",
                                   "the same share for real holdout rows"),
                      "a copied row discloses a real person's record as it is."),
        ThresholdSpec("max_dcr_closer_to_train_share", "max", "privacy",
                      "Share of synthetic rows closer to a training row than to any holdout row",
                      _privacy_max("max_dcr_closer_to_train_share", "dcr_closer_to_train_share"),
                      "above 0.5 the generator reproduces the rows it was trained on (memorises)."),
        ThresholdSpec("max_singling_out_risk", "max", "privacy_attacks",
                      "anonymeter singling-out risk",
                      _privacy_max("max_singling_out_risk", "singling_out_risk"),
                      "the synthetic data helps isolate one real person's record."),
        ThresholdSpec("max_linkability_risk", "max", "privacy_attacks",
                      "anonymeter linkability risk",
                      _privacy_max("max_linkability_risk", "linkability_risk"),
                      "the synthetic data helps join two partial records of the same person."),
        ThresholdSpec("max_inference_risk", "max", "privacy_attacks",
                      "anonymeter attribute-inference risk (worst secret column)",
                      _privacy_max("max_inference_risk", "inference_risk"),
                      "the synthetic data helps guess a person's secret (by default protected) attribute."),
        ThresholdSpec("min_k_anonymity", "min", "privacy",
                      "k-anonymity of the synthetic data over the quasi-identifiers",
                      _min_k_anonymity,
                      "a quasi-identifier combination shared by fewer rows points at fewer people."),
    )
}


def parse_policy(text: str, *, source: str = "policy") -> Policy:
    """Read policy TOML text: a [thresholds] table of known names with numbers."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{source}: not valid TOML ({exc}).") from exc
    unknown_tables = sorted(set(data) - {"thresholds"})
    if unknown_tables:
        raise InvalidInputError(
            f"{source}: unknown table(s) {', '.join(unknown_tables)}; a policy has only [thresholds].")
    table = data.get("thresholds")
    if not isinstance(table, dict) or not table:
        raise InvalidInputError(f"{source}: no [thresholds] table with at least one threshold.")
    unknown = sorted(set(table) - set(THRESHOLDS))
    if unknown:
        raise InvalidInputError(
            f"{source}: unknown threshold(s) {', '.join(unknown)}; valid: {', '.join(THRESHOLDS)}.")
    thresholds = {}
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InvalidInputError(f"{source}: threshold {name} must be a number, not {value!r}.")
        if value < 0:
            raise InvalidInputError(f"{source}: threshold {name} must not be negative ({value}).")
        thresholds[name] = float(value)
    return Policy(thresholds, source)


def load_policy(path: str | Path) -> Policy:
    """Read a policy TOML file (see policy.example.toml)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such policy file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: the policy file is not UTF-8 text.") from exc
    return parse_policy(text, source=str(path))


def evaluate_policy(policy: Policy, tables: PolicyTables) -> PolicyResult:
    """Check every threshold of `policy` against the audit tables; the policy passes unless one fails.

    A threshold whose audit part was skipped because the data lacks the role (no target, no
    time column) is reported with passed=None; a part that failed with an error fails the check,
    since a gate must not pass on what it could not see.
    """
    checks = []
    for name, threshold in policy.thresholds.items():
        spec = THRESHOLDS[name]
        table = getattr(tables, spec.part)
        if table is None or (isinstance(table, pd.DataFrame) and table.empty):
            reason = tables.missing.get(spec.part, "not computed")
            applies = not reason.startswith("skipped")
            checks.append(PolicyCheck(
                name, None, threshold, False if applies else None,
                f"{spec.meaning}: not measured ({reason})"
                + (", so the check fails." if applies else "; the check does not apply.")))
            continue
        checks.append(spec.measure(tables, threshold))
    return PolicyResult(all(c.passed is not False for c in checks), tuple(checks), policy.source)
