"""Benchmark: fit the conditional synthesizer on Adult and sample 1,000,000 rows (target < 20 s on 2 cores).

Run by hand from the project root: `python bench/bench_generation.py [ROWS]`. No peer library
is installed (SDV is not a dependency), so it prints our own time and rows per second.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairsynth.foundation.samples import ADULT_ROLES  # noqa: E402
from fairsynth.generation import GenerationSettings, fit_synthesizer  # noqa: E402

TARGET_SECONDS = 20.0


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    real = pd.read_parquet(ROOT / "sample_data" / "adult.parquet")
    settings = GenerationSettings(rows=rows, conditioning=("race", "sex"), seed=0,
                                  outcome_rates={"Female": 0.3, "Male": 0.3})
    start = time.perf_counter()
    model = fit_synthesizer(real, ADULT_ROLES, settings)
    fitted = time.perf_counter()
    frame = model.sample(settings)
    done = time.perf_counter()
    total = done - start
    print(f"fit on {len(real):,} real rows: {fitted - start:.2f} s")
    print(f"sample {len(frame):,} rows: {done - fitted:.2f} s ({len(frame) / (done - fitted):,.0f} rows/s)")
    print(f"total: {total:.2f} s ({len(frame) / total:,.0f} rows/s); target < {TARGET_SECONDS:.0f} s: "
          f"{'met' if total < TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
