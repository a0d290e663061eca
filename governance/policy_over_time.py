"""What the over-time policy thresholds measure: (value, where) read from the over-time tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

# Windows listed by name in an explanation before the rest are counted.
SHOWN_WINDOWS = 6


def _windows(labels: list[str]) -> str:
    shown = ", ".join(labels[:SHOWN_WINDOWS])
    more = len(labels) - SHOWN_WINDOWS
    return shown + (f" and {more} more" if more > 0 else "")


def lowest_ratio_any_window(t: Any, threshold: float) -> tuple[float | None, str]:
    """Lowest disparate impact ratio over every window of both sides, with its failing windows."""
    impact = t.impact_over_time
    rows = impact[impact["n"] >= t.min_count].dropna(subset=["ratio"])
    if rows.empty:
        return None, f"no group with {t.min_count}+ rows in a window has a ratio"
    worst = rows.loc[rows["ratio"].idxmin()]
    same = rows[(rows["dataset"] == worst["dataset"]) & (rows["attribute"] == worst["attribute"])
                & (rows["group"] == worst["group"])].sort_values("window")
    failing = same.loc[same["ratio"] < threshold, "window"].tolist()
    n_windows = rows.loc[rows["dataset"] == worst["dataset"], "window"].nunique()
    below = (f"; under {threshold:.3g} in {len(failing)} of {n_windows} windows: {_windows(failing)}"
             if failing else "")
    return float(worst["ratio"]), (
        f"for {worst['attribute']} = {worst['group']} vs {worst['reference_group']} on the "
        f"{worst['dataset']} side in the window starting {worst['window']}{below} "
        f"(groups under {t.min_count} rows in a window left out as too noisy)")


def largest_share_change(t: Any, threshold: float) -> tuple[float | None, str]:
    """Largest |share - first window's share| of any group on either side, with its window."""
    shares = t.subgroups_over_time
    frame = shares.assign(key=shares["attributes"].map("&".join) + "|" + shares["group"])
    frame = frame.sort_values(["dataset", "window"], kind="stable")
    first = frame.groupby(["dataset", "key"])[["share", "count", "window"]].transform("first")
    frame = frame.assign(change=(frame["share"] - first["share"]).abs(), first_share=first["share"],
                         first_window=first["window"])
    # Both windows need enough rows: a share of a dozen rows moves by chance alone.
    frame = frame[(frame["window"] != frame["first_window"]) & (frame["count"] >= t.min_count)
                  & (first["count"] >= t.min_count)]
    if frame.empty:
        return None, "a single window, or no group with enough rows in two windows"
    worst = frame.loc[frame["change"].idxmax()]
    over = frame[(frame["dataset"] == worst["dataset"]) & (frame["key"] == worst["key"])
                 & (frame["change"] > threshold)]["window"].tolist()
    note = f"; more than {threshold:.3g} in windows {_windows(over)}" if over else ""
    return float(worst["change"]), (
        f"for {worst['group']} on the {worst['dataset']} side: {100 * worst['first_share']:.1f}% "
        f"of rows in the first window ({worst['first_window']}), {100 * worst['share']:.1f}% in "
        f"the window starting {worst['window']}{note}")


def latest_staleness(t: Any, threshold: float) -> tuple[float | None, str]:
    """Share of drifted columns of the synthetic data against the latest real window."""
    stale = t.staleness
    latest = stale[stale["latest"]]
    if latest.empty or pd.isna(latest["drifted_share"].iloc[0]):
        return None, "no latest window could be compared"
    row = latest.iloc[0]
    best = stale[stale["best_match"]].iloc[0]
    match = ("it matches this window best" if best["window"] == row["window"] else
             f"it matches the window starting {best['window']} best "
             f"({100 * best['drifted_share']:.0f}% drifted)")
    return float(row["drifted_share"]), (
        f"of the columns drifted between the synthetic data and the latest real window "
        f"(starting {row['window']}); {match}")
