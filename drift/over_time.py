"""Group shares, disparate impact and staleness per time window, on both sides, from engine counts.

The real side is windowed by every engine; the synthetic side is windowed too when its table has
the time column (in memory the sides are swapped and the same engine call counts it; DuckDB and
Spark run the same window SQL on the synthetic view). Cell labels are joint over both sides, so the groups line up.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.drift.groups import impact_sets, steady_references, with_window
from fairsynth.drift.timeline import dataset_drift, drift_over_time
from fairsynth.engines import Cells, WindowCounts, as_counter
from fairsynth.engines.tables import marginal
from fairsynth.fairness.impact import check_impact_roles
from fairsynth.fairness.ratios import impact_frame, impact_from_counts, ordered_groups
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.errors import FairSynthError, InvalidInputError, NoTimeRoleError
from fairsynth.foundation.intervals import wilson_interval
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import parse_time
from fairsynth.foundation.windows import DEFAULT_FREQ, Freq, iso_start

SHARE_COLUMNS = ["dataset", "window", "attributes", "group", "group_values", "count", "share",
                 "ci_low", "ci_high", "small"]
IMPACT_COLUMNS = ["dataset", "window", "attribute", "group", "reference_group", "selection_rate",
                  "reference_rate", "ratio", "ci_low", "ci_high", "passes_four_fifths", "n"]
OUTCOME_COLUMNS = ["dataset", "window", "favorable_rate", "n", "ratio_defined"]
STALENESS_COLUMNS = ["window", "drifted_share", "max_abs_share_gap", "max_abs_impact_change",
                     "best_match", "latest"]


@dataclass(frozen=True)
class OverTime:
    """The report's three over-time tables (impact None without an outcome) and what limited them."""

    shares: pd.DataFrame
    impact: pd.DataFrame | None
    staleness: pd.DataFrame
    notes: tuple[str, ...] = ()


def fairness_over_time(
    pair, *, freq: Freq | None = DEFAULT_FREQ, min_rows: int = 30, min_count: int = 30,
    max_order: int = 3, reference: dict[str, str] | None = None,
) -> OverTime:
    """Group shares, disparate impact and staleness per window: the one computation the Drift page and
    the report's fairness_over_time part both read."""
    if not pair.roles.time:
        raise NoTimeRoleError()
    common = {"freq": freq, "min_rows": min_rows}
    windows = side_windows(pair, **common)
    shares = shares_over_time(pair, min_count=min_count, max_order=max_order, windows=windows,
                              **common)
    roles = pair.roles
    notes = []
    impact = None
    if roles.target and roles.favorable is not None:
        impact = impact_by_window(pair, reference=reference, windows=windows, max_order=max_order,
                                  **common)
    else:
        notes.append("impact over time not computed: no target column with a favorable value is set")
    stale = staleness(pair, shares, impact, min_count=min_count, max_order=max_order,
                      reference=reference, **common)
    real_only = synthetic_windowed(pair)
    if real_only:
        notes.append(f"real windows only: {real_only}")
    return OverTime(shares, impact, stale, tuple(notes))


def swapped(pair: DatasetPair) -> DatasetPair:
    """The pair with its sides exchanged, so the engine's real-side windows count the synthetic rows."""
    return dataclasses.replace(
        pair, real=pair.synthetic, synthetic=pair.real, real_sha256=pair.synthetic_sha256,
        synthetic_sha256=pair.real_sha256, real_name=pair.synthetic_name,
        synthetic_name=pair.real_name)


def synthetic_windowed(pair) -> str | None:
    """None when the synthetic side can be windowed, else why not (one sentence fragment)."""
    time = pair.roles.time
    if time not in pair.synthetic.columns:
        return f"the synthetic table has no '{time}' column"
    if isinstance(pair, DatasetPair) and parse_time(pair.synthetic[time]).notna().sum() == 0:
        return f"the synthetic '{time}' column holds no dates"
    return None


def side_windows(pair, *, freq: Freq | None, min_rows: int) -> dict[str, WindowCounts]:
    """Per-window cell counts of the real side and, where possible, of the synthetic side."""
    out = {"real": as_counter(pair).windows(freq=freq, n_windows=None, min_rows=min_rows)}
    if synthetic_windowed(pair) is None:
        try:
            if isinstance(pair, DatasetPair):
                # The exchanged pair's counter reads this pair's codes: nothing is coded twice.
                out["synthetic"] = as_counter(pair).mirrored(swapped(pair)).windows(
                    freq=freq, n_windows=None, min_rows=min_rows)
            else:
                # DuckDB/Spark count the synthetic view's windows with the same SQL.
                out["synthetic"] = pair.synthetic_windows(freq=freq, min_rows=min_rows)
        except FairSynthError:
            pass  # e.g. every synthetic date outside a window: the real side still stands
    return out


def shares_over_time(
    pair, *, freq: Freq | None = DEFAULT_FREQ, min_rows: int = 30, min_count: int = 30,
    max_order: int = 3, windows: dict[str, WindowCounts] | None = None,
) -> pd.DataFrame:
    """Share of every protected group and intersection in each window of each side, with Wilson 95% CIs.

    Every group seen on either side gets a row in every window (count 0 where absent); shares
    are of the window's rows; `small` flags counts under `min_count`.
    """
    if not pair.roles.protected:
        raise InvalidInputError("No protected attribute is set; mark one as protected on the Data page.")
    cells = as_counter(pair).cells()
    windows = windows or side_windows(pair, freq=freq, min_rows=min_rows)
    frames = []
    for dataset, win in windows.items():
        starts = [iso_start(s) for s in win.starts]
        totals = win.cells["rows"].reshape(len(starts), -1).sum(axis=1)
        for attrs in attribute_sets(cells.attributes, max_order):
            codes, labels, values = _groups(cells, attrs)
            counts = marginal(win.cells["rows"], cells.attributes, attrs, lead=1)[:, codes]
            n = np.repeat(totals, len(codes)).astype(float)
            flat = counts.ravel()
            low, high = wilson_interval(flat.astype(float), n)
            frames.append(pd.DataFrame({
                "dataset": dataset, "window": np.repeat(starts, len(codes)),
                "attributes": [list(attrs)] * flat.size, "group": labels * len(starts),
                "group_values": values * len(starts), "count": flat.astype(np.int64),
                "share": flat / np.maximum(n, 1), "ci_low": low, "ci_high": high,
                "small": flat < min_count,
            }))
    return pd.concat(frames, ignore_index=True)[SHARE_COLUMNS]


def _groups(cells: Cells, attrs: tuple[str, ...]) -> tuple[np.ndarray, list[str], list[dict]]:
    # Groups present on either side, in the report's order (real side's first appearance).
    both = sum(cells.marginal(side, "rows", attrs) for side in ("real", "synthetic"))
    codes, labels = ordered_groups(cells, attrs, np.flatnonzero(both > 0), cells.first["real"])
    sizes = [len(cells.labels[a]) for a in attrs]
    parts = np.unravel_index(codes, sizes)
    values = [{a: cells.labels[a][int(p[i])] for a, p in zip(attrs, parts, strict=True)}
              for i in range(len(codes))]
    return codes, labels, values


def reference_groups(pair, win: WindowCounts, *, min_rows: int, max_order: int = 3,
                     reference: dict[str, str] | None = None) -> dict[str, str]:
    """The reference group per attribute set held across windows: the Drift page's choice (drift.groups)."""
    cells = as_counter(pair).cells()
    overall = impact_from_counts(cells, cells.counts["real"], cells.first["real"], dataset="real",
                                 reference=reference or {}, max_order=max_order, strict=True)
    fixed = steady_references(overall, min_rows * max(len(win.starts), 1))
    fixed.update(reference or {})
    return fixed


def impact_by_window(
    pair, *, freq: Freq | None = DEFAULT_FREQ, min_rows: int = 30, max_order: int = 3,
    reference: dict[str, str] | None = None, windows: dict[str, WindowCounts] | None = None,
) -> pd.DataFrame:
    """Disparate impact per protected attribute set (up to `max_order`) and group in each window of each side.

    The reference group is held fixed across windows and sides (as on the Drift page); a window
    without it falls back to its own highest-rate group, named in reference_group.
    """
    check_impact_roles(pair.roles)
    cells = as_counter(pair).cells()
    windows = windows or side_windows(pair, freq=freq, min_rows=min_rows)
    fixed = reference_groups(pair, windows["real"], min_rows=min_rows, max_order=max_order,
                             reference=reference)
    frames = []
    for dataset, win in windows.items():
        for block, start in enumerate(win.starts):
            counts = {m: v[block] for m, v in win.cells.items()}
            first = {a: v[block] for a, v in win.first.items()}
            frames += with_window(impact_sets(cells, counts, first, dataset, fixed, max_order),
                                  iso_start(start))
    return impact_frame(frames, lead=("window",))[IMPACT_COLUMNS]


def staleness(
    pair, shares: pd.DataFrame, impact: pd.DataFrame | None, *, freq: Freq | None = DEFAULT_FREQ,
    min_rows: int = 30, min_count: int = 30, max_order: int = 3,
    reference: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Per real window: how far the whole synthetic table is from that window's real rows.

    drifted_share is the share of drifted columns (synthetic as the reference); the gaps compare
    the whole synthetic table's group shares and ratios with the window's, over groups with
    `min_count` rows in the window (ratios also on the synthetic side).
    """
    vs = dataset_drift(drift_over_time(pair, reference="synthetic", freq=freq, min_rows=min_rows))
    synth_share = _synthetic_shares(pair)
    real = shares[shares["dataset"] == "real"].copy()
    real["key"] = real["attributes"].map("&".join) + "|" + real["group"]
    real["gap"] = (real["key"].map(synth_share) - real["share"]).abs()
    share_gap = real[real["count"] >= min_count].groupby("window")["gap"].max()
    impact_gap = _impact_gaps(pair, impact, freq=freq, min_rows=min_rows, min_count=min_count,
                              max_order=max_order, reference=reference)
    out = pd.DataFrame({"window": vs["window"], "drifted_share": vs["drifted_share"].astype(float)})
    out["max_abs_share_gap"] = out["window"].map(share_gap).astype(float)
    out["max_abs_impact_change"] = out["window"].map(impact_gap).astype(float)
    order = out.sort_values(["drifted_share", "max_abs_share_gap"], kind="stable",
                            na_position="last").index
    out["best_match"] = out.index == order[0]
    out["latest"] = out.index == out.index[-1]
    return out[STALENESS_COLUMNS].reset_index(drop=True)


def _synthetic_shares(pair) -> dict[str, float]:
    cells = as_counter(pair).cells()
    total = max(int(cells.counts["synthetic"]["rows"].sum()), 1)
    out = {}
    for attrs in attribute_sets(cells.attributes, len(cells.attributes)):
        codes, labels, _ = _groups(cells, attrs)
        counts = cells.marginal("synthetic", "rows", attrs)[codes]
        out.update({f"{'&'.join(attrs)}|{g}": c / total for g, c in zip(labels, counts, strict=True)})
    return out


def _impact_gaps(pair, impact, *, freq, min_rows, min_count, max_order, reference) -> pd.Series:
    if impact is None or impact.empty:
        return pd.Series(dtype=float)
    cells = as_counter(pair).cells()
    win = as_counter(pair).windows(freq=freq, n_windows=None, min_rows=min_rows)
    fixed = reference_groups(pair, win, min_rows=min_rows, max_order=max_order, reference=reference)
    real = impact[impact["dataset"] == "real"]
    synth = impact_frame(impact_sets(cells, cells.counts["synthetic"], cells.first["synthetic"],
                                     "synthetic", fixed, max_order))
    synth = synth[synth["n"] >= min_count].set_index(["attribute", "group"])["ratio"]
    real = real[real["n"] >= min_count]
    keys = list(zip(real["attribute"], real["group"], strict=True))
    whole = pd.Series([synth.get(k, np.nan) for k in keys], index=real.index)
    return (whole - real["ratio"]).abs().groupby(real["window"]).max()


def outcome_by_window(impact: pd.DataFrame) -> pd.DataFrame:
    """Per side and window: the favourable rate over all rows with a known outcome, its row count,
    and whether any group's ratio is defined there (read from the impact table, no recount)."""
    if impact.empty:
        return pd.DataFrame(columns=OUTCOME_COLUMNS)
    # One attribute's groups partition the window's rows, missing values included.
    first = impact[impact["attribute"] == impact["attribute"].iloc[0]]
    fav = (first["selection_rate"].fillna(0) * first["n"]).groupby(
        [first["dataset"], first["window"]], sort=False).sum()
    n = first.groupby(["dataset", "window"], sort=False)["n"].sum()
    defined = impact["ratio"].notna().groupby([impact["dataset"], impact["window"]], sort=False).any()
    out = pd.DataFrame({"favorable_rate": fav / n.where(n > 0), "n": n,
                        "ratio_defined": defined.reindex(n.index)}).reset_index()
    return out[OUTCOME_COLUMNS]
