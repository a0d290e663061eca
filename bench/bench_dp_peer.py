"""DP generation against a DP peer (issue 16): FairSynth's OpenDP synthesizer vs smartnoise-synth's
MST, same data, same epsilon, same public domains, several seeds, same run.

smartnoise-synth pins OpenDP 0.14 and pandas < 3 and pulls torch, so it runs in its own virtual
environment (never the base one), given by --peer-python or $FAIRSYNTH_PEER_PYTHON; make it with

    python3 -m venv /tmp/peer && /tmp/peer/bin/pip install --no-deps smartnoise-synth==1.0.8 \
        smartnoise-sql==1.0.10 mbi==1.1.0 opendp==0.14.2 && /tmp/peer/bin/pip install jax jaxlib \
        pandas numpy scipy networkx disjoint-set PyYAML Faker deprecated chex optax pyarrow \
        sqlalchemy 'antlr4-python3-runtime==4.9.3' graphviz

Data: Adult (sample_data/adult.parquet, 48,842 rows), eight columns, the numeric ones cut into
quantile bins of the real data so that both synthesizers read the same all-categorical table with
every domain declared public (MST needs categorical input; FairSynth is told `public = *`).
Reported per synthesizer, mean [min, max] over seeds: column shapes (mean total-variation
complement per column), within-group shapes (the same inside each race and sex group), the
female/male ratio of P(>50K) (real: printed), and fit + sample seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.generation import GenerationSettings, fit_dp_synthesizer

ROOT = Path(__file__).resolve().parents[1]
ROLES = Roles(protected=("race", "sex"), target="income", favorable=">50K")
COLUMNS = ["race", "sex", "income", "age", "education", "marital-status", "occupation",
           "hours-per-week"]
PEER = """
import sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from snsynth import Synthesizer
real = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
start = time.perf_counter()
mst = Synthesizer.create("mst", epsilon=float(sys.argv[3]), verbose=False)
out = mst.fit_sample(real, preprocessor_eps=0.0, categorical_columns=list(real.columns))
out.to_csv(sys.argv[2], index=False)
print(time.perf_counter() - start)
"""


def binned(adult: pd.DataFrame) -> pd.DataFrame:
    """The eight columns as text; numbers cut into (at most) eight quantile bins of the real data."""
    frame = adult[COLUMNS].copy()
    for column in ("age", "hours-per-week"):
        frame[column] = pd.qcut(frame[column], 8, duplicates="drop").astype(str)
    # Missing values as their own category, so both synthesizers see the same domain.
    return frame.astype(object).where(frame.notna(), "unknown").astype(str)


def scores(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    fid = column_fidelity(make_pair(real, synthetic.astype(str), ROLES), by_group=True)
    rate = synthetic.groupby("sex")["income"].apply(lambda v: (v == ">50K").mean())
    return {"column shapes": float(fid[fid["attribute"].isna()]["score"].mean()),
            "within-group shapes": float(fid[fid["attribute"].notna()]["score"].mean()),
            "DI(sex) F/M": float(rate.get("Female", float("nan")) / rate.get("Male", float("nan")))}


def ours(real: pd.DataFrame, epsilon: float, seed: int) -> tuple[pd.DataFrame, float]:
    settings = GenerationSettings(rows=len(real), conditioning=ROLES.protected, seed=seed,
                                  epsilon=epsilon, public=("*",))
    start = time.perf_counter()
    out = fit_dp_synthesizer(real, ROLES, settings).sample(settings)
    return out, time.perf_counter() - start


def peer(python: str, real: pd.DataFrame, epsilon: float, folder: Path) -> tuple[pd.DataFrame, float]:
    source, target = folder / "real.csv", folder / "mst.csv"
    real.to_csv(source, index=False)
    done = subprocess.run([python, "-c", PEER, str(source), str(target), str(epsilon)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the peer failed: {done.stderr.strip().splitlines()[-1]}")
    return (pd.read_csv(target, dtype=str, keep_default_na=False),
            float(done.stdout.strip().splitlines()[-1]))


def summary(rows: list[dict[str, float]]) -> str:
    keys = list(rows[0])
    return "  ".join(f"{k} {statistics.mean(r[k] for r in rows):.3f} "
                     f"[{min(r[k] for r in rows):.3f}, {max(r[k] for r in rows):.3f}]" for k in keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", default=os.environ.get("FAIRSYNTH_PEER_PYTHON", "/tmp/peer/bin/python"))
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    real = binned(pd.read_parquet(ROOT / "sample_data" / "adult.parquet"))
    base = scores(real, real)
    print(f"Adult, {len(real):,} rows, {len(COLUMNS)} columns, epsilon {args.epsilon:g}, "
          f"{args.seeds} seeds; real DI(sex) F/M {base['DI(sex) F/M']:.3f}")
    fit_dp_synthesizer(real.head(200), ROLES, GenerationSettings(rows=10, conditioning=ROLES.protected,
                                                                 epsilon=1.0, public=("*",)))
    results: dict[str, list[dict[str, float]]] = {"FairSynth (OpenDP)": [], "smartnoise MST": []}
    seconds: dict[str, list[float]] = {k: [] for k in results}
    peer_ok = Path(args.peer_python).exists()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            out, took = ours(real, args.epsilon, seed)
            results["FairSynth (OpenDP)"].append(scores(real, out))
            seconds["FairSynth (OpenDP)"].append(took)
            if peer_ok:
                out, took = peer(args.peer_python, real, args.epsilon, Path(tmp))
                results["smartnoise MST"].append(scores(real, out))
                seconds["smartnoise MST"].append(took)
    if not peer_ok:
        print(f"peer not run: no interpreter at {args.peer_python} (see this file's docstring)")
    for name, rows in results.items():
        if rows:
            print(f"{name:20s} {summary(rows)}  fit+sample {statistics.mean(seconds[name]):.1f} s")
    if peer_ok:
        a, b = results["FairSynth (OpenDP)"], results["smartnoise MST"]
        target = base["DI(sex) F/M"]
        di = {n: statistics.mean(abs(r["DI(sex) F/M"] - target) for r in rows) for n, rows in results.items()}
        within = {n: statistics.mean(r["within-group shapes"] for r in rows) for n, rows in results.items()}
        print(f"within-group shapes: ours {within['FairSynth (OpenDP)']:.3f} vs MST {within['smartnoise MST']:.3f} "
              f"-> {'PASS' if within['FairSynth (OpenDP)'] >= within['smartnoise MST'] else 'FAIL'}; "
              f"mean |DI(sex) - real|: ours {di['FairSynth (OpenDP)']:.3f} vs MST {di['smartnoise MST']:.3f} "
              f"-> {'PASS' if di['FairSynth (OpenDP)'] <= di['smartnoise MST'] else 'FAIL'}; "
              f"time ratio MST/ours {statistics.mean(seconds['smartnoise MST']) / statistics.mean(seconds['FairSynth (OpenDP)']):.1f}x"
              f" ({len(a)} and {len(b)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
