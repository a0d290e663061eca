"""DP generation (issue 16): time at full Adult size, and fairness figures on 5,000 rows across seeds.

1. Fit + sample 48,842 Adult rows at epsilon 1 (domains declared public), against the
   non-private conditional synthesizer in the same run.
2. On 5,000 Adult rows, per epsilon and seed: the female/male ratio of P(>50K), column shapes
   (mean KS/TV complement) and within-group shapes (the same inside each protected group).
A DP peer (smartnoise-synth MST/AIM) is run when installed; it is not by default, because its
pins would downgrade OpenDP and numpy in the base environment.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.generation import GenerationSettings, fit_dp_synthesizer, generate

ROOT = Path(__file__).resolve().parents[1]
ROLES = Roles(protected=("race", "sex"), target="income", favorable=">50K")
EPSILONS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
SEEDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def female_male(frame: pd.DataFrame) -> float:
    rate = frame.groupby("sex")["income"].apply(lambda v: (v == ">50K").mean())
    return float(rate["Female"] / rate["Male"])


def shapes(real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[float, float]:
    fid = column_fidelity(make_pair(real, synthetic, ROLES), by_group=True)
    overall = fid[fid["attribute"].isna()]["score"].mean()
    within = fid[fid["attribute"].notna()]["score"].mean()
    return float(overall), float(within)


def timing(real: pd.DataFrame) -> None:
    settings = GenerationSettings(rows=len(real), conditioning=ROLES.protected, epsilon=1.0, public=("*",))
    fit_dp_synthesizer(real.head(100), ROLES, settings)  # OpenDP's import, once
    start = time.perf_counter()
    fitted = fit_dp_synthesizer(real, ROLES, settings)
    fitted.sample(settings)
    dp_seconds = time.perf_counter() - start
    start = time.perf_counter()
    generate(real, ROLES, GenerationSettings(rows=len(real), conditioning=ROLES.protected))
    plain = time.perf_counter() - start
    print(f"fit + sample {len(real):,} rows at epsilon 1: {dp_seconds:.2f} s "
          f"(non-private conditional synthesizer: {plain:.2f} s, ratio {dp_seconds / plain:.2f})")


def fairness(real: pd.DataFrame) -> None:
    print(f"real female/male P(>50K) ratio: {female_male(real):.3f} ({len(real):,} rows, {SEEDS} seeds)")
    print("epsilon  F/M ratio mean [min, max]      column shapes  within-group shapes")
    for eps in EPSILONS:
        ratios, cols, within = [], [], []
        for seed in range(SEEDS):
            settings = GenerationSettings(rows=len(real), conditioning=ROLES.protected, seed=seed,
                                          epsilon=eps, public=("*",))
            out = fit_dp_synthesizer(real, ROLES, settings).sample(settings)
            ratios.append(female_male(out))
            c, w = shapes(real, out)
            cols.append(c)
            within.append(w)
        print(f"{eps:<8g} {statistics.mean(ratios):.3f} [{min(ratios):.3f}, {max(ratios):.3f}]"
              f"          {statistics.mean(cols):.3f}          {statistics.mean(within):.3f}")


def main() -> int:
    adult = pd.read_parquet(ROOT / "sample_data" / "adult.parquet")
    timing(adult)
    fairness(adult.sample(5000, random_state=0).reset_index(drop=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
