"""Findings from the over-time tables: ratios crossing 0.8, an outcome that vanishes, shares moving, a stale synthetic side."""

from __future__ import annotations

import pandas as pd

from fairsynth.drift.over_time import OverTime, outcome_by_window
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.foundation.windows import DEFAULT_FREQ, window_label
from fairsynth.governance.finding import Finding, rank_findings

# A real group share that moves by more than this (5 percentage points) from the first window.
MAX_SHARE_CHANGE = 0.05


def _when(window: str, freq: str) -> str:
    return window_label(pd.Timestamp(window), freq)


def _label(text: object) -> str:
    return " & ".join(str(text).split("&"))


def _who(attribute: str, group: str) -> str:
    return f"{_label(attribute)} = {_label(group)}"


def impact_crossing_findings(impact: pd.DataFrame, *, min_count: int = 30,
                             freq: str = DEFAULT_FREQ) -> list[Finding]:
    """Groups whose real selection-rate ratio is under 0.8 in some windows but not in all."""
    out = []
    real = impact[(impact["dataset"] == "real") & (impact["group"] != impact["reference_group"])]
    real = real[real["n"] >= min_count].dropna(subset=["ratio"])
    n_windows = impact.loc[impact["dataset"] == "real", "window"].nunique()
    for (attribute, group), block in real.groupby(["attribute", "group"], sort=False):
        block = block.sort_values("window")
        below = block[block["ratio"] < FOUR_FIFTHS]
        if below.empty or len(below) == len(block):
            continue
        latest_below = bool(block["ratio"].iloc[-1] < FOUR_FIFTHS)
        worst = below.loc[below["ratio"].idxmin()]
        refs = sorted({_label(r) for r in block["reference_group"].dropna()})
        last = _when(block["window"].iloc[-1], freq)
        tail = (f"; it is under the line in the latest window with {min_count}+ rows ({last})"
                if latest_below else f"; it is above the line again by {last}")
        out.append(Finding(
            f"impact_over_time:{attribute}:{group}", "high" if latest_below else "medium",
            "impact_over_time",
            f"{_who(attribute, group)}: the selection-rate ratio against {', '.join(refs)} fell "
            f"below {FOUR_FIFTHS} in {len(below)} of {n_windows} windows, first in "
            f"{_when(below['window'].iloc[0], freq)} (lowest {worst['ratio']:.2f} in "
            f"{_when(worst['window'], freq)}){tail}.",
            _who(attribute, group), float(FOUR_FIFTHS - worst["ratio"])))
    return out


def outcome_findings(impact: pd.DataFrame, *, freq: str = DEFAULT_FREQ) -> list[Finding]:
    """Real windows with no favourable outcome at all: there no group's ratio can be defined."""
    outcome = outcome_by_window(impact)
    real = outcome[outcome["dataset"] == "real"].sort_values("window")
    none = real[(real["n"] > 0) & (real["favorable_rate"] == 0)]
    if none.empty:
        return []
    before = real[(real["window"] < none["window"].iloc[0]) & (real["favorable_rate"] > 0)]
    last = "" if before.empty else (f"; it was {before['favorable_rate'].iloc[-1]:.2f} of real rows "
                                    f"in {_when(before['window'].iloc[-1], freq)}")
    defined = int(real["ratio_defined"].sum())
    return [Finding(
        "outcome_over_time", "medium", "outcome_over_time",
        f"the favourable outcome occurs in no real row of {len(none)} of {len(real)} windows "
        f"(first {_when(none['window'].iloc[0], freq)}){last}: disparate impact is undefined there "
        f"for every group, not because of the reference group; {defined} windows have a defined "
        "ratio. An outcome that collapses like this is often not yet observable (e.g. a follow-up "
        "period that has not ended).",
        "favourable outcome", float(len(none) / max(len(real), 1)))]


def undefined_impact_sentence(impact: pd.DataFrame, attribute: str, *,
                              freq: str = DEFAULT_FREQ) -> str | None:
    """Why the ratio of `attribute` is undefined in some real windows (None when it never is)."""
    block = impact[impact["attribute"] == attribute]
    outcome = outcome_by_window(block)
    real = outcome[outcome["dataset"] == "real"].sort_values("window")
    gone = real[~real["ratio_defined"].astype(bool)]
    if gone.empty:
        return None
    windows = ", ".join(_when(w, freq) for w in gone["window"][:3]) + (
        f" and {len(gone) - 3} more" if len(gone) > 3 else "")
    no_outcome = gone["favorable_rate"].fillna(0).eq(0)
    if no_outcome.all():
        why = "no real row there has the favourable outcome, so no group's ratio is defined"
    else:
        refs = block[block["window"].isin(gone["window"]) & (block["dataset"] == "real")]
        ref = _label(refs["reference_group"].iloc[0])
        why = (f"the reference group {ref} has no favourable outcome in "
               f"{int((~no_outcome).sum())} of them" + (
                   f", and no row at all has it in the other {int(no_outcome.sum())}"
                   if no_outcome.any() else ""))
    return (f"Disparate impact of {_label(attribute)} is undefined in {len(gone)} of "
            f"{len(real)} windows ({windows}): {why}. The chart shows the {len(real) - len(gone)} "
            "windows where a ratio is defined.")


def share_change_findings(shares: pd.DataFrame, *, min_count: int = 30, freq: str = DEFAULT_FREQ,
                          max_share_change: float = MAX_SHARE_CHANGE) -> list[Finding]:
    """Real groups whose share moves by more than `max_share_change` against the first window."""
    out = []
    real = shares[shares["dataset"] == "real"]
    windows = sorted(real["window"].unique())
    if len(windows) < 2:
        return out
    for (attrs, group), block in real.groupby([real["attributes"].map("&".join), "group"],
                                              sort=False):
        block = block.sort_values("window")
        first = block.iloc[0]
        later = block.iloc[1:]
        # Both windows big enough, and the two 95% intervals apart: a monthly share of a few
        # dozen rows moves by 5 points by chance alone.
        apart = (later["ci_low"] > first["ci_high"]) | (later["ci_high"] < first["ci_low"])
        later = later[apart & (later["count"] >= min_count)] if first["count"] >= min_count \
            else later.iloc[0:0]
        if later.empty:
            continue
        change = later["share"] - first["share"]
        top = change.abs().idxmax()
        if abs(change[top]) <= max_share_change:
            continue
        row = block.loc[top]
        out.append(Finding(
            f"share_over_time:{attrs}:{group}", "medium", "share_over_time",
            f"{_who(attrs, group)}: {100 * first['share']:.1f}% of real rows in "
            f"{_when(first['window'], freq)}, {100 * row['share']:.1f}% in "
            f"{_when(row['window'], freq)} ({100 * change[top]:+.1f} pp): synthetic data fitted "
            "to one period misrepresents this group in another.",
            _who(attrs, group), float(abs(change[top]))))
    return out


def staleness_findings(staleness: pd.DataFrame, *, freq: str = DEFAULT_FREQ) -> list[Finding]:
    """The synthetic data matching an older real window better than the latest one."""
    if staleness.empty or len(staleness) < 2:
        return []
    best = staleness[staleness["best_match"]].iloc[0]
    latest = staleness[staleness["latest"]].iloc[0]
    # Only a measurable difference counts: the latest window has more drifted columns than the best.
    if best["window"] == latest["window"] or latest["drifted_share"] <= best["drifted_share"]:
        return []
    severity = "high" if latest["drifted_share"] >= 0.5 else "medium"
    return [Finding(
        "staleness", severity, "staleness",
        f"the synthetic data looks most like the {_when(best['window'], freq)} population "
        f"({100 * best['drifted_share']:.0f}% of columns drifted), not the latest window "
        f"{_when(latest['window'], freq)} ({100 * latest['drifted_share']:.0f}% drifted): it may "
        "be stale; consider generating it again from recent data.",
        "synthetic data", float(latest["drifted_share"] - best["drifted_share"]))]


def over_time_findings(shares: pd.DataFrame | None, impact: pd.DataFrame | None,
                       staleness: pd.DataFrame | None, *, min_count: int = 30,
                       freq: str = DEFAULT_FREQ) -> list[Finding]:
    """Every over-time finding of the tables that were computed (None = not computed)."""
    out: list[Finding] = []
    if impact is not None and not impact.empty:
        out += impact_crossing_findings(impact, min_count=min_count, freq=freq)
        out += outcome_findings(impact, freq=freq)
    if shares is not None and not shares.empty:
        out += share_change_findings(shares, min_count=min_count, freq=freq)
    if staleness is not None:
        out += staleness_findings(staleness, freq=freq)
    return out


def what_changed(over: OverTime, *, min_count: int = 30, freq: str = DEFAULT_FREQ) -> list[str]:
    """The Drift page's sentences: the window the synthetic data matches best, then every over-time
    finding, most severe first (the same findings the report holds)."""
    found = rank_findings(over_time_findings(over.shares, over.impact, over.staleness,
                                             min_count=min_count, freq=freq))
    out = []
    stale = over.staleness
    if not stale.empty and not any(f.kind == "staleness" for f in found):
        best = stale[stale["best_match"]].iloc[0]
        out.append(f"The synthetic data matches the real population of {_when(best['window'], freq)} "
                   f"best ({100 * best['drifted_share']:.0f}% of columns drifted against it).")
    return out + [f.sentence[:1].upper() + f.sentence[1:] for f in found]
