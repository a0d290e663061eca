"""Benchmark of the privacy engine at 50k and 1M real rows (run by hand: python bench/bench_privacy.py).

Distances are computed on a stated sample (5,000 synthetic vs 10,000 training + 10,000 holdout
rows), so the time should barely grow with the table; exact-copy hashing and k-anonymity read
every row. Peer: scikit-learn's exact brute-force manhattan NearestNeighbors on the same sampled,
encoded rows (what our chunked Gower search replaces).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairsynth.foundation.pair import make_pair  # noqa: E402
from fairsynth.foundation.samples import ADULT_ROLES, SAMPLE_DIR  # noqa: E402
from fairsynth.privacy.distance import fit_encoder  # noqa: E402
from fairsynth.privacy.holdout import sample_rows, split_holdout  # noqa: E402
from fairsynth.privacy.report import privacy_risk  # noqa: E402


def scaled(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """`rows` rows resampled from the frame, ages jittered so rows are not all duplicates."""
    rng = np.random.default_rng(seed)
    out = frame.iloc[rng.integers(0, len(frame), rows)].reset_index(drop=True)
    out["age"] = out["age"] + rng.integers(-2, 3, rows)
    return out


def peer_seconds(pair, report) -> float:
    """scikit-learn brute manhattan on the same samples: synthetic->train (2-NN), ->holdout, holdout->train."""
    cols = report.settings["columns"]
    real = pair.real.reset_index(drop=True)
    split = split_holdout(real, random_state=0)
    n_ref = report.settings["sampled_train_rows"]
    train = sample_rows(split.train, n_ref, random_state=1)
    held = sample_rows(split.holdout, n_ref, random_state=2)
    syn = sample_rows(pair.synthetic.reset_index(drop=True), report.settings["sampled_synthetic_rows"],
                      random_state=3)
    ref = sample_rows(held, report.settings["reference_rows"], random_state=4)
    encoder = fit_encoder(pd.concat([train[cols], held[cols]]), cols)

    def dense(frame):
        enc = encoder.transform(frame)
        return np.hstack([enc.numeric, 0.5 * enc.onehot])

    start = time.perf_counter()
    train_x, held_x = dense(train), dense(held)
    NearestNeighbors(n_neighbors=2, metric="manhattan", algorithm="brute").fit(train_x).kneighbors(dense(syn))
    NearestNeighbors(n_neighbors=1, metric="manhattan", algorithm="brute").fit(held_x).kneighbors(dense(syn))
    NearestNeighbors(n_neighbors=2, metric="manhattan", algorithm="brute").fit(train_x).kneighbors(dense(ref))
    return time.perf_counter() - start


def main() -> None:
    adult = pd.read_parquet(SAMPLE_DIR / "adult.parquet")
    synthetic = pd.read_parquet(SAMPLE_DIR / "adult_synthetic.parquet")
    print(f"{'rows':>9} {'ours: distances+k (s)':>22} {'ours: + attacks (s)':>20} "
          f"{'sklearn NN only (s)':>20} {'ratio NN':>9}")
    for rows in (50_000, 1_000_000):
        real = scaled(adult, rows, 0)
        pair = make_pair(real, scaled(synthetic, rows, 1), ADULT_ROLES)
        start = time.perf_counter()
        report = privacy_risk(pair, attacks=False)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        privacy_risk(pair, attacks=True)
        ours_attacks = time.perf_counter() - start
        peer = peer_seconds(pair, report)
        print(f"{rows:>9,} {ours:>22.2f} {ours_attacks:>20.2f} {peer:>20.2f} {peer / ours:>8.2f}x")


if __name__ == "__main__":
    main()
