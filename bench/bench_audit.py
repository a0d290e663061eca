"""Benchmark: the full audit and each engine vs fairlearn, evidently and SDMetrics, same data, same run.

Run by hand from the project root (takes minutes at 5M rows; the peers take most of it):

    .venv/bin/python bench/bench_audit.py [--rows 50000,1000000,5000000] [--evidently-windows 3]
        [--engines pandas,duckdb] [--skip-peers]

Data: Adult resampled to N rows per side (real from sample_data/adult.parquet, synthetic from
adult_synthetic.parquet), 15 columns plus a month over 24 windows with a slow drift, text held as
category dtype (converted once at load); written once as Parquet
under /tmp/fairsynth_bench/ so every case reads the same bytes. Each case runs in its own process,
so its time includes first-call encoding and nothing is cached from another case. Peak memory is
the process's peak RSS during the case (Linux VmHWM, reset after loading) minus its RSS before the
data was loaded, next to the data's in-memory size (pandas memory_usage(deep=True), both sides).

Ours: run_audit with subgroups (intersections up to 3), disparate impact, fidelity (overall and by
group) and drift (24 monthly windows against the first); privacy and train-on-synthetic off.
Peers: fairlearn MetricFrame (selection rate per race, sex and race & sex, both sides); evidently
DataDriftPreset window by window against the first window (a few windows timed, the 24-window
time extrapolated from their mean, said so); SDMetrics QualityReport (real vs synthetic).
Agreement asserted: disparate impact per group vs fairlearn's selection-rate ratios (1e-9), drift
decisions per column vs evidently on the windows timed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA_DIR = Path("/tmp/fairsynth_bench")
MONTHS = 24
PROTECTED = ("race", "sex")
TARGET, FAVORABLE, TIME = "income", ">50K", "month"


def _side(source: Path, rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = pd.read_parquet(source)
    frame = base.iloc[rng.integers(0, len(base), rows)].reset_index(drop=True)
    month = np.sort(rng.integers(0, MONTHS, rows))
    # A slow drift over the months: older, fewer hours, more Black respondents, more >50K.
    frame["age"] = frame["age"] + rng.binomial(month, 0.25)
    frame["hours-per-week"] = np.clip(frame["hours-per-week"] - rng.binomial(month, 0.2), 1, 99)
    frame.loc[rng.random(rows) < month * 0.006, "race"] = "Black"
    frame.loc[rng.random(rows) < month * 0.004, "income"] = ">50K"
    frame[TIME] = (np.datetime64("2013-01", "M") + month.astype("timedelta64[M]")).astype(
        "datetime64[ns]")
    return frame


def data_paths(rows: int) -> tuple[Path, Path]:
    """Parquet files of the N-row pair, written once."""
    folder = DATA_DIR / str(rows)
    real, synth = folder / "real.parquet", folder / "synthetic.parquet"
    if not (real.exists() and synth.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        # Microsecond timestamps: Spark cannot read nanosecond ones.
        for path, source, seed in ((real, "adult.parquet", 0), (synth, "adult_synthetic.parquet", 1)):
            _side(ROOT / "sample_data" / source, rows, seed).to_parquet(
                path, row_group_size=1 << 20, coerce_timestamps="us")
    return real, synth


def _load(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    # Text straight to category (what loading does), without an object-dtype copy first.
    frame = table.to_pandas(categories=[f.name for f in table.schema if str(f.type) == "string"])
    del table
    _release_memory()
    return frame


def _release_memory() -> None:
    # Arrow's pool and glibc keep freed load buffers; hand them back so RSS shows the data itself.
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM, so the peak seen after is the case's own.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _roles():
    from fairsynth.foundation.roles import Roles

    return Roles(protected=PROTECTED, target=TARGET, favorable=FAVORABLE, time=TIME)


# ---- cases (each runs in its own process) -------------------------------------------------

def case_ours(rows: int, engine: str) -> dict:
    """Our full audit; per-part seconds; DI table and drift decisions for the agreement checks."""
    # The engines' imports (scipy.stats alone ~0.6 s) happen once per process, before the clock.
    import fairsynth.drift.stats  # noqa: F401
    import fairsynth.drift.timeline  # noqa: F401
    import fairsynth.fairness.fidelity  # noqa: F401
    import fairsynth.fairness.impact  # noqa: F401
    import fairsynth.fairness.subgroups  # noqa: F401
    from fairsynth.governance.audit import AuditOptions, run_audit

    base = _rss_mb()
    real_path, synth_path = data_paths(rows)
    options = AuditOptions(include_privacy=False, include_tstr=False)
    if engine == "pandas":
        from fairsynth.foundation.pair import make_pair

        t0 = time.perf_counter()
        real, synth = _load(real_path), _load(synth_path)
        source = make_pair(real, synth, _roles())
        data_mb = (real.memory_usage(deep=True).sum() + synth.memory_usage(deep=True).sum()) / 2**20
    else:
        from fairsynth.engines.sources import open_pair

        t0 = time.perf_counter()
        source = open_pair(real_path, synth_path, _roles(), engine=engine)
        data_mb = float("nan")
    load_s = time.perf_counter() - t0
    loaded = _rss_mb()
    _reset_peak()
    t0 = time.perf_counter()
    report = run_audit(source, options=options)
    audit_s = time.perf_counter() - t0
    peak = _rss_mb("VmHWM")
    parts = {p.part: round(p.seconds, 3) for p in report.parts if p.status == "ok"}
    errors = {p.part: p.message for p in report.parts if p.status == "error"}
    return {
        "audit_s": audit_s, "load_s": load_s, "parts": parts, "errors": errors,
        "data_mb": data_mb, "base_mb": base, "loaded_mb": loaded, "peak_mb": peak,
        "impact": report.disparate_impact[["dataset", "attribute", "group", "selection_rate",
                                           "ratio"]].to_dict("records"),
        "drift": report.drift[["window", "column", "test", "drift_detected"]].to_dict("records"),
    }


def case_fairlearn(rows: int) -> dict:
    """fairlearn MetricFrame: selection rate per race, sex and race & sex on both sides."""
    from fairlearn.metrics import MetricFrame, selection_rate

    real_path, synth_path = data_paths(rows)
    frames = {"real": _load(real_path), "synthetic": _load(synth_path)}
    t0 = time.perf_counter()
    rates = []
    for side, frame in frames.items():
        y = (frame[TARGET] == FAVORABLE).to_numpy()
        for attrs in (["race"], ["sex"], ["race", "sex"]):
            features = frame[attrs[0]] if len(attrs) == 1 else frame[attrs]
            mf = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=features)
            for key, value in mf.by_group.items():
                group = "&".join(map(str, key)) if isinstance(key, tuple) else str(key)
                rates.append({"dataset": side, "attribute": "&".join(attrs), "group": group,
                              "rate": float(value)})
    return {"seconds": time.perf_counter() - t0, "rates": rates}


def case_evidently(rows: int, n_windows: int) -> dict:
    """evidently DataDriftPreset on a few windows vs the first window; decisions for agreement."""
    from fairsynth.drift.evidently_report import evidently_drift_decisions

    warnings.simplefilter("ignore")
    real = _load(data_paths(rows)[0])
    columns = [c for c in real.columns if c != TIME]
    starts = sorted(real[TIME].unique())
    reference = real[real[TIME] == starts[0]]
    # One untimed small run, so evidently's first-call set-up is not counted.
    evidently_drift_decisions(reference.iloc[:2000], reference.iloc[2000:4000], columns=columns)
    picks = np.linspace(1, len(starts) - 1, n_windows).round().astype(int)
    times, decisions = [], []
    for i in picks:
        current = real[real[TIME] == starts[i]]
        t0 = time.perf_counter()
        theirs = evidently_drift_decisions(reference, current, columns=columns)
        times.append(time.perf_counter() - t0)
        window = pd.Timestamp(starts[i]).strftime("%Y-%m-%d")
        decisions += [{"window": window, **r} for r in theirs.to_dict("records")]
    return {"seconds_per_window": float(np.mean(times)), "windows_timed": len(times),
            "windows": len(starts), "decisions": decisions}


def case_sdmetrics(rows: int) -> dict:
    """SDMetrics QualityReport, real vs synthetic, same columns (time left out)."""
    from sdmetrics.reports.single_table import QualityReport

    warnings.simplefilter("ignore")
    real_path, synth_path = data_paths(rows)
    real, synth = _load(real_path).drop(columns=[TIME]), _load(synth_path).drop(columns=[TIME])
    metadata = {"columns": {c: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(real[c])
                                else "categorical"} for c in real.columns}}
    t0 = time.perf_counter()
    report = QualityReport()
    report.generate(real, synth, metadata, verbose=False)
    return {"seconds": time.perf_counter() - t0, "score": float(report.get_score())}


CASES = {"ours": case_ours, "fairlearn": case_fairlearn, "evidently": case_evidently,
         "sdmetrics": case_sdmetrics}


def run_case(case: str, rows: int, **extra) -> dict | None:
    """Run one case in a fresh process and read its JSON answer (None if it failed)."""
    args = [sys.executable, __file__, "--case", case, "--rows", str(rows)]
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        print(f"  {case} failed:\n{done.stderr[-2000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- agreement ----------------------------------------------------------------------------

def check_impact(ours: dict, fairlearn: dict) -> int:
    """Our DI ratio per group equals fairlearn's selection rate / the reference group's rate."""
    di = pd.DataFrame(ours["impact"])
    rates = pd.DataFrame(fairlearn["rates"])
    merged = di.merge(rates, on=["dataset", "attribute", "group"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert np.allclose(merged["selection_rate"], merged["rate"], rtol=0, atol=1e-9)
    for (_, _), block in di.groupby(["dataset", "attribute"]):
        ref_rate = block.loc[block["ratio"] == 1.0, "selection_rate"].iloc[0]
        assert np.allclose(block["ratio"], block["selection_rate"] / ref_rate, rtol=1e-9)
    return len(merged)


def check_drift(ours: dict, evidently: dict) -> tuple[int, int]:
    """Per-column drift decisions (and test names) on the windows evidently ran."""
    mine = pd.DataFrame(ours["drift"])
    theirs = pd.DataFrame(evidently["decisions"])
    merged = mine.merge(theirs, on=["window", "column"])
    same = (merged["drift_detected_x"] == merged["drift_detected_y"]) & (merged["test"] == merged["method"])
    return int(same.sum()), len(merged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="50000,1000000,5000000")
    parser.add_argument("--evidently-windows", type=int, default=3)
    parser.add_argument("--engines", default="pandas")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--engine", default="pandas")
    args = parser.parse_args()
    if args.case:
        rows = int(args.rows)
        extra = {"ours": {"engine": args.engine}, "evidently": {"n_windows": args.evidently_windows}}
        print(json.dumps(CASES[args.case](rows, **extra.get(args.case, {})), default=str))
        return
    print(f"cores: {os.cpu_count()}; load average now {os.getloadavg()[0]:.1f} (other work slows all cases)")
    for rows in (int(r) for r in args.rows.split(",")):
        data_paths(rows)
        print(f"\n== {rows:,} rows per side ==")
        ours = {}
        for engine in args.engines.split(","):
            ours[engine] = result = run_case("ours", rows, engine=engine)
            if result is None:
                continue
            parts = ", ".join(f"{k} {v:.2f}" for k, v in result["parts"].items())
            print(f"  ours ({engine}): full audit {result['audit_s']:.2f} s [{parts}] "
                  f"(load {result['load_s']:.2f} s, not counted)")
            extra_mb = result["peak_mb"] - result["loaded_mb"]
            if engine == "pandas":
                data = result["data_mb"]
                print(f"    memory: data {data:.0f} MB in pandas; peak RSS during the audit "
                      f"{result['peak_mb']:.0f} MB, {extra_mb:.0f} MB over the loaded process "
                      f"(data + audit = {(data + extra_mb) / data:.2f}x the data; interpreter and "
                      f"libraries {result['base_mb']:.0f} MB)")
            else:
                print(f"    memory: peak RSS during the audit {result['peak_mb']:.0f} MB "
                      f"({result['peak_mb'] - result['base_mb']:.0f} MB over the interpreter and "
                      f"libraries; no table held in pandas)")
            if result["errors"]:
                print(f"    errors: {result['errors']}")
        base = ours.get("pandas") or next(iter(ours.values()))
        if args.skip_peers or base is None:
            continue
        total_peers, names = 0.0, []
        fl = run_case("fairlearn", rows)
        if fl:
            n = check_impact(base, fl)
            total_peers += fl["seconds"]
            names.append("fairlearn")
            print(f"  fairlearn MetricFrame: {fl['seconds']:.2f} s "
                  f"({fl['seconds'] / base['parts'].get('disparate_impact', np.nan):,.0f}x our impact "
                  f"part); DI agrees on {n}/{n} groups")
        ev = run_case("evidently", rows, evidently_windows=args.evidently_windows)
        if ev:
            same, compared = check_drift(base, ev)
            total = ev["seconds_per_window"] * (ev["windows"] - 1)
            total_peers += total
            names.append("evidently")
            print(f"  evidently DataDriftPreset: {ev['seconds_per_window']:.2f} s/window on "
                  f"{ev['windows_timed']} windows, extrapolated to {ev['windows'] - 1} windows: "
                  f"{total:.1f} s ({total / base['parts'].get('drift', np.nan):,.0f}x our drift part); "
                  f"decisions agree {same}/{compared}")
            assert same == compared, "drift decisions differ from evidently"
        sd = run_case("sdmetrics", rows)
        if sd:
            total_peers += sd["seconds"]
            names.append("SDMetrics")
            print(f"  SDMetrics QualityReport: {sd['seconds']:.2f} s (score {sd['score']:.3f}; "
                  f"{sd['seconds'] / base['parts'].get('fidelity', np.nan):,.0f}x our fidelity part)")
        print(f"  => peers ({' + '.join(names)}) {total_peers:.1f} s vs our full audit "
              f"{base['audit_s']:.2f} s: {total_peers / base['audit_s']:,.1f}x")


if __name__ == "__main__":
    main()
