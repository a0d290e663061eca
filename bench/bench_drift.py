"""Benchmark: our drift timeline vs evidently's DataDriftPreset run window by window, same data.

1,000,000 Adult-shaped rows (the bundled Adult resampled), 24 monthly windows, 15 columns, with a
slow shift over the months (age, hours, race shares, income). Run by hand:

    .venv/bin/python bench/bench_drift.py [--rows 1000000] [--evidently-windows 3]

evidently takes seconds per window, so by default it runs on a few windows and its time for all
24 is extrapolated from their mean (printed as such). Decisions are compared on those windows.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from fairsynth.drift.evidently_report import evidently_drift_decisions
from fairsynth.drift.over_time import fairness_over_time
from fairsynth.drift.timeline import dataset_drift, drift_over_time
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.foundation.samples import SAMPLE_DIR

MONTHS = 24


def build(rows: int, seed: int = 0) -> pd.DataFrame:
    """Adult rows resampled to `rows`, a month per row, and a gradual drift over the months."""
    rng = np.random.default_rng(seed)
    adult = pd.read_parquet(SAMPLE_DIR / "adult.parquet")
    frame = adult.iloc[rng.integers(0, len(adult), rows)].reset_index(drop=True)
    month = rng.integers(0, MONTHS, rows)
    frame["age"] = frame["age"] + rng.binomial(month, 0.25)
    frame["hours-per-week"] = np.clip(frame["hours-per-week"] - rng.binomial(month, 0.2), 1, 99)
    flip = rng.random(rows) < month * 0.006
    frame.loc[flip, "race"] = "Black"
    frame.loc[rng.random(rows) < month * 0.004, "income"] = ">50K"
    frame["month"] = pd.to_datetime("2013-01-01") + pd.to_timedelta(month * 31, unit="D")
    frame["month"] = frame["month"].dt.to_period("M").dt.start_time
    # Convert text to category once at load, as the app does (every metric is computed through counts).
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("category")
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--evidently-windows", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    t0 = time.perf_counter()
    real = build(args.rows)
    synthetic = build(100_000, seed=1)
    roles = Roles(protected=("race", "sex"), target="income", favorable=">50K", time="month")
    pair = make_pair(real, synthetic, roles)
    print(f"data: {len(real):,} rows, {len(pair.analysis_columns)} columns, "
          f"built in {time.perf_counter() - t0:.1f} s (not timed below)")

    t0 = time.perf_counter()
    ours = drift_over_time(pair, freq="M", reference="first")
    per_window = dataset_drift(ours)
    our_time = time.perf_counter() - t0
    n_windows = ours["window"].nunique()
    print(f"ours: drift_over_time + dataset_drift, {n_windows} windows x "
          f"{ours['column'].nunique()} columns: {our_time:.2f} s "
          f"({per_window['dataset_drift'].sum()} windows with dataset drift)")
    t0 = time.perf_counter()
    fairness_over_time(pair)
    print(f"ours, extra: group shares, disparate impact and staleness per window: {time.perf_counter() - t0:.2f} s")

    windows = sorted(ours["window"].unique())
    month = real["month"].dt.strftime("%Y-%m-%d")
    reference = real[month == windows[0]]
    picks = np.linspace(1, len(windows) - 1, args.evidently_windows).round().astype(int)
    # One untimed small run first, so evidently's first-call imports and set-up are not counted.
    evidently_drift_decisions(reference.iloc[:2000], reference.iloc[2000:4000], columns=pair.analysis_columns)
    times, agree, compared = [], 0, 0
    for i in picks:
        current = real[month == windows[i]]
        t0 = time.perf_counter()
        theirs = evidently_drift_decisions(reference, current, columns=pair.analysis_columns)
        times.append(time.perf_counter() - t0)
        mine = ours[ours["window"] == windows[i]].merge(theirs, on="column")
        same = (mine["drift_detected_x"] == mine["drift_detected_y"]) & (mine["test"] == mine["method"])
        score = mine["p_value"].where(mine["p_value"].notna(), mine["statistic"])
        agree += int(same.sum())
        compared += len(mine)
        print(f"  evidently window {windows[i]}: {times[-1]:.2f} s, decisions agree "
              f"{int(same.sum())}/{len(mine)}, max |score diff| {np.abs(score - mine['score']).max():.2e}")
    per = float(np.mean(times))
    theirs_total = per * n_windows
    print(f"evidently: {per:.2f} s per window (mean of {len(times)}), extrapolated to {n_windows} "
          f"windows: {theirs_total:.1f} s")
    print(f"ratio evidently / ours: {theirs_total / our_time:.1f}x; decisions agree on "
          f"{agree}/{compared} column-windows compared")


if __name__ == "__main__":
    main()
