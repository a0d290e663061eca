"""Protected-group shares and disparate impact per time window, and plain sentences on the synthetic data's staleness."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.drift.timeline import dataset_drift, drift_over_time
from fairsynth.engines import Cells, Counter, as_counter
from fairsynth.engines.tables import marginal
from fairsynth.fairness.impact import check_impact_roles, impact_from_counts
from fairsynth.foundation.codes import MISSING, attribute_sets
from fairsynth.foundation.errors import IncomputableMetricError, InvalidInputError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.windows import DEFAULT_FREQ, Freq, iso_start, window_label

SHARE_COLUMNS = ["window", "attribute", "group", "share", "count", "synthetic_share"]
# A group whose synthetic share is within this many percentage points of a window "matches" it.
MATCH_PP = 1.0


def subgroups_over_time(
    pair: DatasetPair | Counter,
    *,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    min_rows: int = 30,
) -> pd.DataFrame:
    """Share of each protected group per real window, next to its share in the whole synthetic table.

    Every group seen on either side gets a row in every window, with count 0 where it is absent.
    Shares are of the window's rows; missing attribute values form their own group "(missing)".
    Columns: window (ISO start), attribute, group, share, count, synthetic_share.
    """
    if not pair.roles.protected:
        raise InvalidInputError("No protected attribute is set; mark one as protected on the Data page.")
    counter = as_counter(pair)
    win = counter.windows(freq=freq, n_windows=n_windows, min_rows=min_rows)
    cells = counter.cells()
    n_blocks = len(win.table)
    labels_iso = [iso_start(s) for s in win.starts]
    parts = []
    for attribute in pair.roles.protected:
        labels = cells.labels[attribute]
        size = len(labels)
        counts = marginal(win.cells["rows"], cells.attributes, (attribute,), lead=1)
        totals = counts.sum(axis=1, keepdims=True)
        synth = cells.marginal("synthetic", "rows", (attribute,))
        synth_share = synth / max(int(synth.sum()), 1)
        parts.append(pd.DataFrame({
            "window": np.repeat(labels_iso, size),
            "attribute": attribute,
            "group": np.tile(labels, n_blocks),
            "share": (counts / np.maximum(totals, 1)).ravel(),
            "count": counts.ravel().astype(np.int64),
            "synthetic_share": np.tile(synth_share, n_blocks),
        }))
    return pd.concat(parts, ignore_index=True)[SHARE_COLUMNS]


def impact_over_time(
    pair: DatasetPair | Counter,
    *,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    min_rows: int = 30,
    reference: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Disparate impact per protected attribute and group in each real window, plus the synthetic table.

    The reference group of each attribute is held fixed across windows so the lines are
    comparable. Unless given, it is the real side's highest-rate group among those with about
    `min_rows` rows per window overall (else the largest group): a group of a few dozen rows
    would make every ratio of every window noisy. A window without that group falls back to its
    own highest-rate group, which its reference_group column shows.
    Columns: window (ISO start; None on the synthetic rows), then fairness.impact's columns.
    """
    roles = pair.roles
    counter = as_counter(pair)
    win = counter.windows(freq=freq, n_windows=n_windows, min_rows=min_rows)
    check_impact_roles(roles)
    cells = counter.cells()
    overall = impact_from_counts(cells, cells.counts["real"], cells.first["real"], dataset="real",
                                 reference=reference or {}, max_order=1, strict=True)
    fixed = steady_references(overall, min_rows * max(len(win.starts), 1))
    fixed.update(reference or {})
    parts = []
    for block, start in enumerate(win.starts):
        counts = {m: v[block] for m, v in win.cells.items()}
        first = {a: v[block] for a, v in win.first.items()}
        part = impact_sets(cells, counts, first, "real", fixed, max_order=1)
        part.insert(0, "window", iso_start(start))
        parts.append(part)
    synth = impact_sets(cells, cells.counts["synthetic"], cells.first["synthetic"], "synthetic",
                        fixed, max_order=1)
    synth.insert(0, "window", None)
    parts.append(synth)
    return pd.concat(parts, ignore_index=True)


def steady_references(overall: pd.DataFrame, steady: int) -> dict[str, str]:
    """Reference group per attribute: the highest-rate group large enough to be in every window."""
    fixed = {}
    for attribute, block in overall.groupby("attribute", sort=False):
        big = block[(block["n"] >= steady) & block["selection_rate"].notna()]
        pick = big.loc[big["selection_rate"].idxmax()] if len(big) else block.loc[block["n"].idxmax()]
        fixed[attribute] = pick["group"]
    return fixed


def impact_sets(cells: Cells, counts: dict, first: dict, dataset: str, fixed: dict[str, str],
                max_order: int) -> pd.DataFrame:
    """Impact of one block per attribute set (up to `max_order`) against `fixed`, else the block's
    own highest-rate group; one set at a time, so an absent reference only affects its set."""
    sets = attribute_sets(cells.attributes, max_order)
    chosen = {"&".join(a): fixed["&".join(a)] for a in sets if "&".join(a) in fixed}
    try:
        # Usually every fixed reference is present: all sets in one pass (the same blocks, in the
        # same order, as the set-by-set loop below, which computes each set's subsets again).
        return impact_from_counts(cells, counts, first, dataset=dataset, reference=chosen,
                                  max_order=max_order, strict=True)
    except InvalidInputError:
        pass
    parts = []
    for attrs in sets:
        name = "&".join(attrs)
        options = {"dataset": dataset, "max_order": len(attrs), "strict": True, "attributes": attrs}
        chosen = {name: fixed[name]} if name in fixed else {}
        try:
            part = impact_from_counts(cells, counts, first, reference=chosen, **options)
        except InvalidInputError:
            # The fixed reference group is absent here: use this block's own highest-rate group.
            part = impact_from_counts(cells, counts, first, reference={}, **options)
        parts.append(part[part["attribute"] == name])
    return pd.concat(parts, ignore_index=True)


def staleness_summary(
    pair: DatasetPair | Counter,
    *,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    min_rows: int = 30,
) -> list[str]:
    """Plain sentences: which real window the synthetic data matches, how group shares moved, when drift began."""
    label_freq = None if n_windows is not None else freq
    options = {"freq": freq, "n_windows": n_windows, "min_rows": min_rows}
    sentences: list[str] = []
    first = drift_over_time(pair, reference="first", **options)
    bad = first.attrs.get("unparseable", 0)
    if bad:
        sentences.append(f"{bad} row(s) have a time value that is not a date; they are in no window.")
    windows = list(dict.fromkeys(first["window"]))
    if len(windows) < 2:
        sentences.append("The real data spans a single window, so there is no change over time to report.")
    per_window = dataset_drift(first)
    drifted = per_window.loc[per_window["dataset_drift"], "window"]
    if len(windows) >= 2:
        if drifted.empty:
            sentences.append(f"No window shows dataset drift against the first window ({_label(windows[0], label_freq)}).")
        else:
            sentences.append(f"Drift began in {_label(drifted.iloc[0], label_freq)} (first window with "
                             f"dataset drift against {_label(windows[0], label_freq)}).")
    sentences += _synthetic_sentences(pair, options, label_freq)
    return sentences


def _synthetic_sentences(pair: DatasetPair, options: dict, label_freq) -> list[str]:
    vs_synth = dataset_drift(drift_over_time(pair, reference="synthetic", **options))
    best = vs_synth.sort_values(["drifted_share"], kind="stable").iloc[0]
    last = vs_synth["window"].iloc[-1]
    out = []
    if bool(best["dataset_drift"]):
        head = (f"The synthetic data does not match the real population of any window "
                f"(closest: {_label(best['window'], label_freq)}, "
                f"{best['drifted_share']:.0%} of columns drifted)")
    else:
        head = f"The synthetic data matched the real population of {_label(best['window'], label_freq)}"
    if not pair.roles.protected:
        return [head + "."]
    shares = subgroups_over_time(pair, **options)
    latest = shares[(shares["window"] == last) & (shares["group"] != MISSING)].copy()
    latest["gap_pp"] = (latest["synthetic_share"] - latest["share"]) * 100
    # The most under-represented group matters most for fairness; else the most over-represented.
    worst = None
    if not latest.empty:
        lowest = latest.loc[latest["gap_pp"].idxmin()]
        worst = lowest if lowest["gap_pp"] <= -MATCH_PP else latest.loc[latest["gap_pp"].idxmax()]
    when = _label(last, label_freq)
    if worst is None or abs(worst["gap_pp"]) < MATCH_PP:
        out.append(f"{head}, and its group shares are within {MATCH_PP:g} pp of the real ones in {when}.")
    else:
        verb = "under-represents" if worst["gap_pp"] < 0 else "over-represents"
        out.append(f"{head} but {verb} {worst['group']} ({worst['attribute']}) by "
                   f"{abs(worst['gap_pp']):.1f} pp in {when}.")
    if bool(vs_synth["dataset_drift"].iloc[-1]):
        out.append(f"Against the latest window ({when}) the synthetic data shows dataset drift "
                   f"({vs_synth['drifted_share'].iloc[-1]:.0%} of columns): consider regenerating it.")
    return out


def _label(window_iso: str, freq) -> str:
    try:
        return window_label(pd.Timestamp(window_iso), freq)
    except (ValueError, TypeError) as exc:
        raise IncomputableMetricError(f"Window '{window_iso}' is not a date.") from exc
