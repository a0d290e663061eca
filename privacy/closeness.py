"""Closeness of synthetic rows to real rows: exact copies, distance to closest record (DCR) and NNDR."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.foundation.intervals import wilson_interval
from fairsynth.privacy.distance import fit_encoder, is_in, nearest, row_hashes
from fairsynth.privacy.intervals import median_interval
from fairsynth.privacy.measures import risk_level

ROW_COLUMNS = ["synthetic_row", "train_row", "dcr_train", "dcr_holdout", "nndr_train",
               "closer_to_train", "exact_train", "exact_holdout"]
REFERENCE_COLUMNS = ["holdout_row", "dcr_train", "nndr_train"]
MEASURE_COLUMNS = ["measure", "value", "ci_low", "ci_high", "reference", "risk_level", "n"]


@dataclass(frozen=True, eq=False)
class Closeness:
    """Per synthetic row: closest training/holdout distances; per holdout row: the same to training."""

    rows: pd.DataFrame  # ROW_COLUMNS, one per sampled synthetic row
    reference: pd.DataFrame  # REFERENCE_COLUMNS, one per sampled holdout row


def closeness(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    columns: list[str],
    train_hashes: np.ndarray | None = None,
    holdout_hashes: np.ndarray | None = None,
    reference: pd.DataFrame | None = None,
) -> Closeness:
    """Distances of synthetic rows to training and holdout rows, and of holdout rows to training rows.

    `synthetic`, `train` and `holdout` are the (sampled) rows the distances are computed on,
    indexed by their row positions in the full tables; exact copies are looked up among
    `train_hashes`/`holdout_hashes` (`row_hashes` of every training/holdout row; default: of the
    sampled rows), which is cheap at any size.
    `reference` (default `holdout`) are the holdout rows whose distances to training rows
    give the real-to-real reference.
    """
    encoder = fit_encoder(pd.concat([train[columns], holdout[columns]]), columns)
    reference = holdout if reference is None else reference
    syn_x, train_x, hold_x, ref_x = (encoder.transform(f) for f in (synthetic, train, holdout, reference))
    n_cols = len(columns)
    d_train, i_train = nearest(syn_x, train_x, n_columns=n_cols, k=2)
    d_hold, _ = nearest(syn_x, hold_x, n_columns=n_cols, k=1)
    ref_d, _ = nearest(ref_x, train_x, n_columns=n_cols, k=2)
    dcr_train, dcr_hold = d_train[:, 0], d_hold[:, 0]
    # Float32 rounding can leave ~1e-8 between equal rows; such gaps count as ties.
    tie = np.isclose(dcr_train, dcr_hold, rtol=0, atol=1e-6)
    closer = np.where(tie, 0.5, (dcr_train < dcr_hold).astype(float))
    syn_hash = row_hashes(synthetic, columns)
    train_hashes = row_hashes(train, columns) if train_hashes is None else train_hashes
    hold_hashes = row_hashes(holdout, columns) if holdout_hashes is None else holdout_hashes
    rows = pd.DataFrame({
        "synthetic_row": synthetic.index.to_numpy(),
        "train_row": train.index.to_numpy()[i_train[:, 0]],
        "dcr_train": dcr_train,
        "dcr_holdout": dcr_hold,
        "nndr_train": _ratio(d_train),
        "closer_to_train": closer,
        "exact_train": is_in(syn_hash, train_hashes),
        "exact_holdout": is_in(syn_hash, hold_hashes),
    })
    reference = pd.DataFrame({"holdout_row": reference.index.to_numpy(), "dcr_train": ref_d[:, 0],
                              "nndr_train": _ratio(ref_d)})
    return Closeness(rows, reference)


def _ratio(dist: np.ndarray) -> np.ndarray:
    """Nearest / second-nearest distance; 1 when both are 0 (the row matches several real rows alike)."""
    if dist.shape[1] < 2:
        return np.full(len(dist), np.nan)
    first, second = dist[:, 0], dist[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(second > 0, first / np.where(second > 0, second, 1.0), 1.0)


def closeness_measures(
    rows: pd.DataFrame, reference: pd.DataFrame, *, reference_exact: float | None = None
) -> pd.DataFrame:
    """The four closeness measures with intervals over some synthetic rows (all, or one group's)."""
    n = len(rows)
    out = []
    copies = int(rows["exact_train"].sum())
    ref_exact = float(rows["exact_holdout"].mean()) if reference_exact is None else reference_exact
    out.append(_row("exact_copy_rate", copies / n if n else np.nan, *wilson_interval(copies, n),
                    ref_exact if n else np.nan, n))
    closer = float(rows["closer_to_train"].sum())
    out.append(_row("dcr_closer_to_train_share", closer / n if n else np.nan,
                    *wilson_interval(closer, n), 0.5, n))
    for measure, col in (("dcr_median", "dcr_train"), ("nndr_median", "nndr_train")):
        value, low, high = median_interval(rows[col].to_numpy())
        ref = float(np.median(reference[col])) if len(reference) else np.nan
        out.append(_row(measure, value, low, high, ref, n))
    return pd.DataFrame(out, columns=MEASURE_COLUMNS)


def _row(measure: str, value: float, low: float, high: float, reference: float, n: int) -> dict:
    return {"measure": measure, "value": value, "ci_low": low, "ci_high": high,
            "reference": reference, "risk_level": risk_level(measure, value, reference), "n": n}
