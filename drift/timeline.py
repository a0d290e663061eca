"""Drift of every analysis column per time window against a reference: a window, the previous one, or the synthetic data."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from fairsynth.drift.stats import DRIFT_COLUMNS, SMALL_REFERENCE_ROWS, drift_rows
from fairsynth.engines import Counter, WindowCounts, as_counter, prefetch_columns
from fairsynth.foundation.constants import DRIFT_REFERENCES
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import CATEGORICAL, NUMERIC
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.windows import (
    DEFAULT_FREQ,
    Freq,
    WindowedPair,
    iso_start,
    window_label,
    windowed,
)

Reference = Literal["first", "window", "previous", "synthetic"]
TIMELINE_COLUMNS = ["window", "reference"] + DRIFT_COLUMNS
DATASET_DRIFT_COLUMNS = ["window", "n_columns", "n_drifted", "drifted_share", "dataset_drift"]
REFERENCES = DRIFT_REFERENCES
# evidently's dataset drift: at least half of the columns drifted.
DRIFT_SHARE = 0.5


def drift_over_time(
    pair: DatasetPair | Counter,
    *,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    reference: Reference = "first",
    reference_window: str | None = None,
    min_rows: int = 30,
    method: str | None = None,
) -> pd.DataFrame:
    """Per window and analysis column of the real data, the drift test against the chosen reference.

    Parameters
    ----------
    pair : the dataset pair; its time role buckets the real side.
    freq, n_windows, min_rows : windowing, as in `drift.windows.assign_windows` (small windows flagged).
    reference : "first" window, a chosen "window" (`reference_window`, e.g. "2013-06"), the
        "previous" window (rolling; the first window has none), or the whole "synthetic" table.
    method : one registered test for every column; None chooses per column as evidently does.

    Returns
    -------
    DataFrame with columns window (ISO date of the window start), reference, column, test,
    statistic, p_value, threshold, drift_detected. `attrs["unparseable"]` counts rows whose
    time is not a date (they are in no window); `attrs["small_windows"]` the windows under min_rows.
    """
    if reference not in REFERENCES:
        raise InvalidInputError(f"Unknown reference '{reference}'. Available: {', '.join(REFERENCES)}.")
    counter = as_counter(pair)
    win = counter.windows(freq=freq, n_windows=n_windows, min_rows=min_rows)
    pairs = _reference_plan(win, reference, reference_window)
    rows: list[tuple] = []
    prefetch_columns(counter, counter.analysis_columns, freq=freq, n_windows=n_windows,
                     min_rows=min_rows)
    for column in counter.analysis_columns:
        values = counter.column(column)
        kind = NUMERIC if values.numeric else CATEGORICAL
        support = values.values
        counts = counter.column_windows(column, freq=freq, n_windows=n_windows,
                                        min_rows=min_rows)[:, :values.width]
        synth = values.overall["synthetic"][:values.width] if reference == "synthetic" else None
        if synth is None:
            # Against real windows only the real side's values form the support (as evidently sees it).
            seen = counts.sum(axis=0) > 0
            support, counts = support[seen], counts[:, seen]
        if not pairs:
            continue
        current = counts[[block for block, _, _ in pairs]]
        ref_blocks = [ref_block for _, ref_block, _ in pairs]
        # One reference for every window (the synthetic side, or the first or a chosen window)
        # goes to drift_rows as a broadcast view: the tests read it once, not once per window.
        one_ref = synth if synth is not None else (
            counts[ref_blocks[0]] if len(set(ref_blocks)) == 1 else None)
        refs = (np.broadcast_to(one_ref, current.shape) if one_ref is not None else
                counts[ref_blocks])
        results = drift_rows(kind, support, refs, current, method=method)
        rows += [(block, label, column, *result)
                 for (block, _, label), result in zip(pairs, results, strict=True)]
    out = pd.DataFrame(rows, columns=["block"] + TIMELINE_COLUMNS[1:])
    out = out.sort_values(["block"], kind="stable").reset_index(drop=True)
    labels = [iso_start(s) for s in win.starts]
    out.insert(0, "window", [labels[b] for b in out.pop("block")])
    out = out.astype({"statistic": float, "p_value": float, "threshold": float, "drift_detected": bool})
    out = out[TIMELINE_COLUMNS]
    out.attrs["unparseable"] = win.unparseable
    out.attrs["small_windows"] = int(win.table["small"].sum())
    return out


def dataset_drift(
    drift: pd.DataFrame | DatasetPair | Counter, *, drift_share: float = DRIFT_SHARE, **options
) -> pd.DataFrame:
    """Share of drifted columns per window and evidently's dataset-drift decision (share >= 0.5).

    Takes the output of `drift_over_time`, or a pair (then `options` go to `drift_over_time`).
    Columns that could not be tested (test "none") count as not drifted, as evidently counts columns.
    """
    if not isinstance(drift, pd.DataFrame):
        drift = drift_over_time(drift, **options)
    grouped = drift.groupby("window", sort=False)["drift_detected"]
    out = pd.DataFrame({"n_columns": grouped.size(), "n_drifted": grouped.sum().astype(int)})
    out["drifted_share"] = out["n_drifted"] / out["n_columns"]
    out["dataset_drift"] = out["drifted_share"] >= drift_share
    return out.reset_index()[DATASET_DRIFT_COLUMNS]


def resolve_window(win: WindowedPair | WindowCounts, text: str) -> int:
    """Position of the window that contains a date given as text ("2013-06", "2013-06-01")."""
    try:
        when = pd.Timestamp(text)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"Reference window '{text}' is not a date (try e.g. 2013-06).") from exc
    inside = np.flatnonzero((win.table["window"] <= when) & (when < win.table["end"]))
    if len(inside) == 0:
        shown = ", ".join(iso_start(s) for s in win.starts[:6])
        raise InvalidInputError(
            f"No window with rows contains {text}. Windows start at: {shown}"
            + (", ..." if len(win.starts) > 6 else "") + ".")
    return int(inside[0])


def _reference_plan(win: WindowedPair | WindowCounts, reference: str, reference_window: str | None):
    """(current block, reference block or None for synthetic, reference label) for every comparison."""
    blocks = range(len(win.table))
    if reference == "synthetic":
        return [(b, None, "synthetic") for b in blocks]
    if reference == "previous":
        return [(b, b - 1, "previous window") for b in blocks if b > 0]
    if reference == "window":
        if not reference_window:
            raise InvalidInputError("Choose the reference window (e.g. 2013-06) for reference 'window'.")
        ref = resolve_window(win, reference_window)
        label = f"window {iso_start(win.starts[ref])}"
    else:
        ref, label = 0, f"first window {iso_start(win.starts[0])}"
    return [(b, ref, label) for b in blocks]


def window_starts(pair: DatasetPair, *, freq: Freq | None = DEFAULT_FREQ, n_windows: int | None = None,
                  min_rows: int = 30) -> list[str]:
    """ISO start of every real window with rows, in time order (for pickers)."""
    win = windowed(pair, freq=freq, n_windows=n_windows, min_rows=min_rows)
    return [iso_start(s) for s in win.starts]


def window_frames(
    pair: DatasetPair,
    *,
    window: str,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    reference: Reference = "first",
    reference_window: str | None = None,
    min_rows: int = 30,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (reference, current) tables that `drift_over_time` compares for one window."""
    win = windowed(pair, freq=freq, n_windows=n_windows, min_rows=min_rows)
    current = resolve_window(win, window)
    plan = {block: ref for block, ref, _ in _reference_plan(win, reference, reference_window)}
    if current not in plan:
        raise InvalidInputError(f"Window {window} has no previous window to compare with.")
    ref = plan[current]
    reference_frame = pair.synthetic if ref is None else pair.real[win.block_ids == ref]
    return reference_frame, pair.real[win.block_ids == current]


def timeline_sentences(pair: DatasetPair | Counter, *, freq: Freq | None = DEFAULT_FREQ,
                       min_rows: int = 30) -> list[str]:
    """Plain sentences on the real data's timeline: rows in no window, a single window, when drift began."""
    first = drift_over_time(pair, reference="first", freq=freq, min_rows=min_rows)
    sentences = []
    bad = first.attrs.get("unparseable", 0)
    if bad:
        sentences.append(f"{bad} row(s) have a time value that is not a date; they are in no window.")
    windows = list(dict.fromkeys(first["window"]))
    if len(windows) < 2:
        return sentences + ["The real data spans a single window, so there is no change over time "
                            "to report."]
    per_window = dataset_drift(first)
    drifted = per_window.loc[per_window["dataset_drift"], "window"]
    start = window_label(pd.Timestamp(windows[0]), freq)
    if drifted.empty:
        sentences.append(f"No window shows dataset drift against the first window ({start}).")
    else:
        sentences.append(f"Drift began in {window_label(pd.Timestamp(drifted.iloc[0]), freq)} (the "
                         f"first window where at least {DRIFT_SHARE:.0%} of columns drifted against "
                         f"{start}).")
    return sentences + [_test_family_sentence(first)]


def _test_family_sentence(drift: pd.DataFrame) -> str:
    # Why the drift start moves with the window length: evidently's test choice depends on the
    # reference's size, and p-value tests flag smaller changes than the distances do.
    if drift["p_value"].notna().any():
        return (f"The reference window has at most {SMALL_REFERENCE_ROWS:,} rows, so the tests are "
                "p-value tests (KS, chi-square, Z), which flag smaller changes than the distances "
                f"(Wasserstein, Jensen-Shannon) used for larger references: longer windows can date "
                "the start of drift later.")
    return (f"The reference window has over {SMALL_REFERENCE_ROWS:,} rows, so the tests are distances "
            "(Wasserstein, Jensen-Shannon), which flag only larger changes than the p-value tests "
            "used for smaller references: shorter windows can date the start of drift earlier.")
