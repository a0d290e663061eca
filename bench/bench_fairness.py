"""Benchmark: subgroups + fidelity + impact on Adult and on a 1,000,000-row pair vs fairlearn MetricFrame.

Run by hand from the project root: `python bench/bench_fairness.py [ROWS]`. Both sides of the large
pair are resamples of Adult with text columns as category dtype (converted once, as at load). The
peer is fairlearn's MetricFrame computing selection rates per race, sex and race & sex on both
sides, the part of our work it covers; the ratio printed is fairlearn time / our impact time.
Aim: the whole page's numbers (subgroups + fidelity + impact) for 1M rows in under 3 s on 2 cores.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairlearn.metrics import MetricFrame, selection_rate  # noqa: E402

from fairsynth.fairness.fidelity import column_fidelity  # noqa: E402
from fairsynth.fairness.impact import disparate_impact  # noqa: E402
from fairsynth.fairness.subgroups import homogeneity_tests, subgroup_gaps  # noqa: E402
from fairsynth.foundation.pair import make_pair  # noqa: E402
from fairsynth.foundation.samples import ADULT_ROLES  # noqa: E402

TARGET_SECONDS = 3.0


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def _fairlearn(pair) -> list:
    out = []
    for frame in (pair.real, pair.synthetic):
        y = (frame["income"] == ">50K").to_numpy()
        for features in (frame["race"], frame["sex"], frame[["race", "sex"]]):
            mf = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=features)
            out.append(mf.by_group)
    return out


def _as_category(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: "category" for c in frame.columns if frame[c].dtype == object})


def bench(label: str, pair) -> None:
    t_sub, _ = _timed(lambda: (subgroup_gaps(pair), homogeneity_tests(pair)))
    t_fid, _ = _timed(column_fidelity, pair)
    t_imp, di = _timed(disparate_impact, pair)
    t_fl, _ = _timed(_fairlearn, pair)
    total = t_sub + t_fid + t_imp
    female = di[(di["dataset"] == "real") & (di["group"] == "Female")]["ratio"].iloc[0]
    print(f"\n{label}: {len(pair.real):,} real + {len(pair.synthetic):,} synthetic rows")
    print(f"  subgroups + chi2 {t_sub:6.2f} s | fidelity (by group) {t_fid:6.2f} s | "
          f"impact {t_imp:6.2f} s | total {total:6.2f} s")
    print(f"  fairlearn MetricFrame (selection rate, same groups, both sides) {t_fl:6.2f} s; "
          f"ratio fairlearn / ours (impact) = {t_fl / t_imp:,.0f}x, / ours (all three) = "
          f"{t_fl / total:,.1f}x")
    print(f"  real DI of Female vs Male: {female:.4f}")
    if len(pair.real) >= 1_000_000:
        print(f"  target < {TARGET_SECONDS:.0f} s for 1M rows: "
              f"{'met' if total < TARGET_SECONDS else 'MISSED'}")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    adult = pd.read_parquet(ROOT / "sample_data" / "adult.parquet")
    synth = adult.sample(frac=1.0, replace=True, random_state=1).reset_index(drop=True)
    bench("Adult", make_pair(adult, synth, ADULT_ROLES))

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    big_real = _as_category(adult.iloc[rng.integers(0, len(adult), rows)].reset_index(drop=True))
    big_synth = _as_category(adult.iloc[rng.integers(0, len(adult), rows)].reset_index(drop=True))
    big = make_pair(big_real, big_synth, ADULT_ROLES)
    print(f"\n(building the {rows:,}-row pair, category dtype and validation: "
          f"{time.perf_counter() - start:.2f} s, not counted)")
    bench(f"Adult resampled to {rows:,}", big)


if __name__ == "__main__":
    main()
