"""Findings drafted from an audit's tables: one ranked sentence with its numbers per problem."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from fairsynth.fairness.gap_ranking import ALPHA, CORRECTION, gap_severity, too_small
from fairsynth.foundation.constants import FOUR_FIFTHS, UPPER_FOUR_FIFTHS
from fairsynth.foundation.windows import DEFAULT_FREQ
from fairsynth.governance.finding import Finding
from fairsynth.governance.findings_over_time import over_time_findings

# A disparate impact change at least this large is worth a note even on the same side of 0.8.
DI_CHANGE = 0.1
# Fidelity scores (1 - KS / TV distance) under these bounds are findings of that severity.
FIDELITY_BOUNDS = (("high", 0.6), ("medium", 0.8), ("low", 0.9))


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def _label(group: str) -> str:
    return " & ".join(str(group).split("&"))


def _window(window: object, freq: str) -> str:
    text = str(window)
    return text[:7] if freq in ("M", "Q") and len(text) >= 7 else text[:10]


def gap_findings(gaps: pd.DataFrame, *, min_count: int = 30) -> list[Finding]:
    """Subgroups missing on a side and significant share gaps, ranked as fairness.gap_ranking ranks
    them (magnitude = the absolute gap), and one finding for the groups too small to judge."""
    out = []
    small = too_small(gaps, min_count)
    for row in gaps[~small].itertuples(index=False):
        attrs = "&".join(row.attributes)
        who = _label(row.group)
        severity = gap_severity(row.real_share, row.gap, row.missing_side, row.p_adjusted < ALPHA)
        if severity is None:
            continue
        if row.missing_side == "synthetic":
            out.append(Finding(
                f"missing:{attrs}:{row.group}", severity, "missing_subgroup",
                f"{who}: {_pct(row.real_share)} of real rows ({row.real_count:,}), absent from the "
                "synthetic data: a model trained on it never sees this group.",
                who, abs(row.gap)))
            continue
        if row.missing_side == "real":
            out.append(Finding(
                f"invented:{attrs}:{row.group}", severity, "invented_subgroup",
                f"{who}: absent from the real data but {_pct(row.synthetic_share)} of synthetic rows "
                f"({row.synthetic_count:,}): the generator invents this group.",
                who, abs(row.gap)))
            continue
        direction = "under" if row.gap < 0 else "over"
        out.append(Finding(
            f"gap:{attrs}:{row.group}", severity, f"{direction}_represented",
            f"{who}: {_pct(row.real_share)} of real rows, {_pct(row.synthetic_share)} of synthetic "
            f"({_points(row.gap)} pp, 95% CI {_points(row.ci_low)} to {_points(row.ci_high)}; "
            f"{CORRECTION}-adjusted p = {row.p_adjusted:.2g}).",
            who, abs(row.gap)))
    return out + _too_small_finding(gaps[small], min_count)


def _too_small_finding(small: pd.DataFrame, min_count: int) -> list[Finding]:
    if small.empty:
        return []
    dropped = small[small["missing_side"] == "synthetic"]
    example = small.sort_values("real_count", ascending=False, kind="stable").iloc[0]
    lost = f"; {len(dropped)} of them are absent from the synthetic data" if len(dropped) else ""
    return [Finding(
        "too_small", "low", "too_small_to_judge",
        f"{len(small)} subgroup(s) have fewer than {min_count} rows on both sides and are too "
        "small to judge "
        f"(largest: {_label(example['group'])}, {example['real_count']:,} real rows, "
        f"{example['synthetic_count']:,} synthetic){lost}; their gaps are in the table but not "
        "ranked.", "small subgroups", 0.0)]


def impact_findings(impact: pd.DataFrame, *, min_count: int = 30) -> list[Finding]:
    """Groups whose disparate impact crosses the four-fifths line or moves by 0.1 or more."""
    out = []
    keys = ["attribute", "group"]
    real = impact[impact["dataset"] == "real"].set_index(keys)
    synth = impact[impact["dataset"] == "synthetic"].set_index(keys)
    for key in real.index.intersection(synth.index):
        r, s = real.loc[key], synth.loc[key]
        # Both sides are read against one reference group, so the ratios compare like with like.
        if key[1] == r["reference_group"] or r["n"] < min_count or s["n"] < min_count:
            continue
        if pd.isna(r["ratio"]) or pd.isna(s["ratio"]):
            continue
        rr, sr = float(r["ratio"]), float(s["ratio"])
        change = sr - rr
        if rr < FOUR_FIFTHS and sr > UPPER_FOUR_FIFTHS:
            severity, what = "high", "the synthetic data inverts the disparity"
        elif rr < FOUR_FIFTHS <= sr:
            severity, what = "high", "the synthetic data hides a disparity"
        elif sr < FOUR_FIFTHS <= rr:
            severity, what = "high", "the synthetic data creates a disparity"
        elif sr > UPPER_FOUR_FIFTHS >= rr:
            severity = "medium"
            what = f"the synthetic data favours this group over {_label(r['reference_group'])}"
        elif abs(change) >= DI_CHANGE:
            severity = "medium"
            what = f"the synthetic data {'softens' if change > 0 else 'deepens'} the {'disparity' if rr < FOUR_FIFTHS else 'difference'}"
        elif rr < FOUR_FIFTHS:
            severity, what = "low", "the disparity is kept (it is in the real data too)"
        else:
            continue
        attribute = _label(key[0])
        compared = (f"({_label(key[1])} vs {_label(r['reference_group'])}): "
                    f"{rr:.2f} in real data, {sr:.2f} in synthetic")
        out.append(Finding(
            f"impact:{key[0]}:{key[1]}", severity, "disparate_impact",
            f"disparate impact of {attribute} {compared}: {what}.",
            f"{attribute} = {_label(key[1])}", abs(change)))
    return out


def four_fifths_findings(summary: pd.DataFrame, covered: set[str]) -> list[Finding]:
    """Attributes whose own four-fifths view (lowest over highest rate) passes on one side and fails
    on the other, when no group's finding against the shared reference already says so
    (`covered`: attributes with such a finding), e.g. when the synthetic data swaps the top group."""
    out = []
    by = summary.dropna(subset=["min_max_ratio"]).set_index(["attribute", "dataset"])
    for attribute in dict.fromkeys(summary["attribute"]):
        if attribute in covered or (attribute, "real") not in by.index \
                or (attribute, "synthetic") not in by.index:
            continue
        r, s = by.loc[(attribute, "real")], by.loc[(attribute, "synthetic")]
        if bool(r["passes_four_fifths"]) == bool(s["passes_four_fifths"]):
            continue
        what = "creates a disparity" if r["passes_four_fifths"] else "hides a disparity"
        out.append(Finding(
            f"four_fifths:{attribute}", "high", "disparate_impact",
            f"lowest over highest selection rate of {_label(attribute)}: {r['min_max_ratio']:.2f} in real "
            f"data ({_label(r['lowest_group'])} over {_label(r['highest_group'])}), "
            f"{s['min_max_ratio']:.2f} in synthetic ({_label(s['lowest_group'])} over "
            f"{_label(s['highest_group'])}): the synthetic data {what}.",
            _label(attribute), abs(float(s["min_max_ratio"]) - float(r["min_max_ratio"]))))
    return out


def fidelity_findings(fidelity: pd.DataFrame, *, min_count: int = 30) -> list[Finding]:
    """Columns whose synthetic distribution departs from the real one, overall or within a group."""
    out = []
    overall = fidelity[fidelity["attribute"].isna()].dropna(subset=["score"])
    scores = dict(zip(overall["column"], overall["score"], strict=True))
    for row in overall.itertuples(index=False):
        severity = next((s for s, bound in FIDELITY_BOUNDS if row.score < bound), None)
        if severity:
            out.append(Finding(
                f"fidelity:{row.column}", severity, "column_fidelity",
                f"column {row.column}: fidelity {row.score:.2f} ({row.metric.upper()} distance "
                f"{row.distance:.2f} between real and synthetic).", str(row.column), 1 - row.score))
    groups = fidelity[fidelity["attribute"].notna()].dropna(subset=["score"])
    big = groups[(groups["real_count"] >= min_count) & (groups["synthetic_count"] >= min_count)]
    for row in big.itertuples(index=False):
        base = scores.get(row.column)
        if base is None or row.score >= FIDELITY_BOUNDS[1][1] or base - row.score < 0.1:
            continue
        out.append(Finding(
            f"fidelity:{row.column}:{row.attribute}={row.group}", "medium", "group_fidelity",
            f"column {row.column} within {row.attribute} = {row.group}: fidelity {row.score:.2f} "
            f"against {base:.2f} overall: the synthetic data is less faithful for this group.",
            f"{row.column} | {row.attribute} = {row.group}", 1 - row.score))
    return out


def drift_findings(drift: pd.DataFrame, dataset_drift: pd.DataFrame | None, *, freq: str = DEFAULT_FREQ) -> list[Finding]:
    """Columns that drift over time (since which window), and windows where the whole dataset drifts."""
    out = []
    if drift is not None and not drift.empty:
        for column, block in drift.groupby("column", sort=False):
            windows = block.sort_values("window")
            flags = windows["drift_detected"].fillna(False).astype(bool).tolist()
            labels = [_window(w, freq) for w in windows["window"]]
            n = sum(flags)
            if not n:
                continue
            run = 0
            while run < len(flags) and flags[len(flags) - 1 - run]:
                run += 1
            if run >= 2:
                since = labels[len(flags) - run]
                sentence = (f"drift in {column} since {since} ({run} windows)." if n == run else
                            f"drift in {column} in {n} of {len(flags)} windows, every window since {since}.")
                severity = "medium"
            else:
                shown = ", ".join(lab for lab, f in zip(labels, flags, strict=True) if f)
                sentence = f"drift in {column} in {n} of {len(flags)} windows ({_clip(shown)})."
                severity = "medium" if n >= len(flags) / 2 else "low"
            out.append(Finding(f"drift:{column}", severity, "column_drift", sentence, str(column),
                               n / len(flags)))
    if dataset_drift is not None and not dataset_drift.empty:
        drifted = dataset_drift[dataset_drift["dataset_drift"].fillna(False).astype(bool)]
        if len(drifted):
            first = _window(drifted["window"].min(), freq)
            worst = drifted["drifted_share"].max()
            out.append(Finding(
                "dataset_drift", "high", "dataset_drift",
                f"dataset drift in {len(drifted)} of {len(dataset_drift)} windows (first {first}; up "
                f"to {_pct(worst)} of columns drifted).", "dataset", float(worst)))
    return out


# Privacy risk level of the overall value -> finding severity, per measure. Exact copies disclose
# records outright, so a high copy rate is critical; the other measures are signs, not proof.
PRIVACY_SEVERITY = {
    "exact_copy_rate": {"high": "critical", "medium": "high"},
    "dcr_closer_to_train_share": {"high": "high", "medium": "medium"},
    "dcr_median": {"high": "high", "medium": "medium"},
    "singling_out_risk": {"high": "high", "medium": "medium"},
    "linkability_risk": {"high": "high", "medium": "medium"},
    "inference_risk": {"high": "high", "medium": "medium"},
    "k_share_below": {"high": "high", "medium": "medium", "low": "low"},
}
ATTACK_WORDS = {
    "singling_out_risk": ("singling-out risk", "predicates built from the synthetic rows isolate "
                          "single real training records more often than unseen ones"),
    "linkability_risk": ("linkability risk", "the synthetic rows link two halves of a real "
                         "training record back together more often than for unseen records"),
    "inference_risk": ("attribute-inference risk", "an attacker who knows the other columns "
                       "guesses {secret} of real training records more often than of unseen ones"),
}


def _ci_pct(row: pd.Series) -> str:
    if pd.isna(row["ci_low"]):
        return "no interval"
    return f"95% CI {_pct(row['ci_low'])} to {_pct(row['ci_high'])}"


def _worst_group(groups: pd.DataFrame, measure: str, *, min_count: int,
                 ascending: bool = False):
    """The group with the highest (or lowest) value of a measure among groups with enough rows."""
    rows = groups[(groups["measure"] == measure) & (groups["n"] >= min_count)].dropna(subset=["value"])
    if rows.empty:
        return None
    return rows.sort_values(["value", "attribute", "group"], ascending=[ascending, True, True]).iloc[0]


def privacy_findings(privacy: pd.DataFrame, settings: Mapping | None = None, *,
                     min_count: int = 30) -> list[Finding]:
    """Copies, memorisation, attack risks and small quasi-identifier classes, with the worst group."""
    settings = settings or {}
    overall = privacy[privacy["attribute"].isna()].set_index("measure")
    groups = privacy[privacy["attribute"].notna()]
    out = []

    def add(measure: str, level: str, sentence: str, subject: str, magnitude: float,
            severity: str | None = None) -> None:
        severity = severity or PRIVACY_SEVERITY[measure].get(level)
        if severity:
            out.append(Finding(f"privacy:{measure}", severity, "privacy", sentence, subject,
                               float(magnitude)))

    def group_note(measure: str, value: float, show) -> str:
        worst = _worst_group(groups, measure, min_count=min_count)
        # Named only when clearly worse: its whole interval above the overall value.
        if worst is None or not worst["ci_low"] > value:
            return ""
        return f"; in group {worst['attribute']} = {worst['group']} {show(worst['value'])}"

    if "exact_copy_rate" in overall.index:
        row = overall.loc["exact_copy_rate"]
        if row["value"] > 0:
            held = "" if pd.isna(row["reference"]) else f"; {_pct(row['reference'])} copy a real holdout row"
            severity, why = None, "copied rows disclose real records as they are."
            baseline = settings.get("real_holdout_match_rate")
            if baseline is not None and not row["ci_low"] > baseline:
                # Real unseen rows match training rows as often: common value combinations
                # (few, coarse columns) rather than memorised records; still a disclosure.
                severity = {"high": "medium", "medium": "low"}.get(row["risk_level"])
                why = (f"no more often than real holdout rows match training rows "
                       f"({_pct(baseline)}): common value combinations rather than memorised "
                       "records, yet each repeats a real row.")
            add("exact_copy_rate", row["risk_level"],
                f"{_pct(row['value'])} of synthetic rows are exact copies of real training rows "
                f"({_ci_pct(row)}{held})"
                f"{group_note('exact_copy_rate', row['value'], _pct)}: {why}", "exact copies",
                row["value"], severity)
    if "dcr_closer_to_train_share" in overall.index:
        row = overall.loc["dcr_closer_to_train_share"]
        if row["ci_low"] > 0.5:
            add("dcr_closer_to_train_share", row["risk_level"],
                f"synthetic rows sit closer to the training rows than to the holdout in "
                f"{_pct(row['value'])} of cases ({_ci_pct(row)}; 50% expected)"
                f"{group_note('dcr_closer_to_train_share', row['value'], _pct)}: the generator may "
                "memorise its training rows.", "closer to training", row["value"])
    if "dcr_median" in overall.index:
        row = overall.loc["dcr_median"]
        if not pd.isna(row["value"]) and not pd.isna(row["reference"]):
            add("dcr_median", row["risk_level"],
                f"the median distance from a synthetic row to its closest real training row is "
                f"{row['value']:.3f}, against {row['reference']:.3f} for unseen real rows: the "
                "synthetic rows sit unusually close to real ones.", "distance to closest record",
                1 - row["value"] / row["reference"] if row["reference"] > 0 else 1.0)
    for measure, (name, what) in ATTACK_WORDS.items():
        if measure not in overall.index:
            continue
        row = overall.loc[measure]
        if pd.isna(row["value"]) or not row["ci_low"] > 0:
            continue
        secret = ""
        if measure == "inference_risk":
            per_secret = overall[overall.index.str.startswith("inference_risk:")
                                 & (overall["value"] == row["value"])]
            secret = per_secret.index[0].split(":", 1)[1] if len(per_secret) else "a secret column"
        add(measure, row["risk_level"],
            f"{name} {row['value']:.3f} (95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f})"
            f"{group_note(measure, row['value'], lambda v: f'{v:.3f}')}: "
            f"{what.format(secret=secret)}.", name, row["value"])
    if {"k_anonymity", "k_share_below"} <= set(overall.index):
        k_row, share = overall.loc["k_anonymity"], overall.loc["k_share_below"]
        k = int(share["reference"]) if not pd.isna(share["reference"]) else None
        if k is not None and k_row["value"] < k:
            worst = _worst_group(groups, "k_share_below", min_count=min_count)
            level = k_row["risk_level"]  # the level the Privacy page shows (privacy.report)
            qis = ", ".join(map(str, settings.get("quasi_identifiers", []))) or "the quasi-identifiers"
            extra = ("" if worst is None or worst["value"] <= share["value"] else
                     f"; in group {worst['attribute']} = {worst['group']} {_pct(worst['value'])}")
            add("k_share_below", level,
                f"k-anonymity over {qis} is {int(k_row['value'])}: {_pct(share['value'])} of "
                f"synthetic rows sit in a quasi-identifier class of fewer than {k} rows"
                f"{extra}, so those rows point at few people.", "k-anonymity", share["value"])
    return out


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_findings(errors: Mapping[str, str]) -> list[Finding]:
    """A part of the audit that failed is itself a finding: its result is unknown."""
    return [Finding(f"error:{part}", "high", "audit_error",
                    f"the {part.replace('_', ' ')} check could not run: {message}", part, 1.0)
            for part, message in errors.items()]


def table_findings(
    *,
    subgroup_gaps: pd.DataFrame | None = None,
    disparate_impact: pd.DataFrame | None = None,
    impact_summary: pd.DataFrame | None = None,
    fidelity: pd.DataFrame | None = None,
    drift: pd.DataFrame | None = None,
    dataset_drift: pd.DataFrame | None = None,
    privacy: pd.DataFrame | None = None,
    privacy_settings: Mapping | None = None,
    subgroups_over_time: pd.DataFrame | None = None,
    impact_over_time: pd.DataFrame | None = None,
    staleness: pd.DataFrame | None = None,
    min_count: int = 30,
    freq: str = DEFAULT_FREQ,
) -> list[Finding]:
    """Every finding of the given tables (None = part not run), not yet ranked (rank_findings).

    Each finding reads the tables of one part only, so the findings of two sets of parts' tables
    are together those of all of them: the audit drafts each thread's own (governance.audit).
    """
    found: list[Finding] = []
    if subgroup_gaps is not None and not subgroup_gaps.empty:
        found += gap_findings(subgroup_gaps, min_count=min_count)
    if disparate_impact is not None and not disparate_impact.empty:
        groups = impact_findings(disparate_impact, min_count=min_count)
        found += groups
        if impact_summary is not None:
            covered = {f.code.split(":")[1] for f in groups if f.severity == "high"}
            found += four_fifths_findings(impact_summary, covered)
    if fidelity is not None and not fidelity.empty:
        found += fidelity_findings(fidelity, min_count=min_count)
    found += drift_findings(drift, dataset_drift, freq=freq)
    found += over_time_findings(subgroups_over_time, impact_over_time, staleness,
                                min_count=min_count, freq=freq)
    if privacy is not None and not privacy.empty:
        found += privacy_findings(privacy, privacy_settings, min_count=min_count)
    return found
