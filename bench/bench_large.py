"""Benchmark: a Parquet pair larger than pandas should hold, audited out of core through DuckDB.

Run by hand (writes two files of ROWS rows each under /tmp/fairsynth_bench/large-ROWS/, reused by
later runs; their size is printed):

    .venv/bin/python bench/bench_large.py [--rows 50000000] [--engine duckdb] [--memory-limit 4GB]

The files are written in 5M-row chunks (the same Adult-shaped rows and 24-month drift as
bench_audit.py), so generating them never holds the whole table either. The audit is the CLI's
(`--engine duckdb`, privacy off: it needs the rows in memory) and runs in a child process whose peak
RSS (VmHWM) is reported with the wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHUNK = 5_000_000


def write(path: Path, source: str, rows: int, seed: int) -> None:
    """ROWS Adult-shaped rows in chunks into one Parquet file (microsecond timestamps)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from bench_audit import _side

    writer = None
    try:
        for i, start in enumerate(range(0, rows, CHUNK)):
            n = min(CHUNK, rows - start)
            frame = _side(ROOT / "sample_data" / source, n, seed * 1000 + i)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.cast(pa.schema([f.with_type(pa.timestamp("us")) if f.name == "month" else f
                                          for f in table.schema]))
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1 << 20)
    finally:
        if writer is not None:
            writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = Path(f"/tmp/fairsynth_bench/large-{args.rows}")
    real, synth = folder / "real.parquet", folder / "synthetic.parquet"
    if args.child:
        from bench_audit import _reset_peak, _rss_mb

        from fairsynth.governance.cli import main as cli

        # ru_maxrss survives exec (it would show the parent's peak): reset VmHWM and read it instead.
        _reset_peak()

        out = folder / f"report-{args.engine}.json"
        t0 = time.perf_counter()
        code = cli(["audit", "--real", str(real), "--synthetic", str(synth), "--protected", "race,sex",
                    "--target", "income", "--favorable", ">50K", "--time", "month", "--no-privacy",
                    "--engine", args.engine, "--out", str(out), "--quiet"])
        seconds = time.perf_counter() - t0
        report = json.loads(out.read_text())
        parts = {p["part"]: round(p["seconds"], 1) for p in report["lineage"]["parts"] if p["status"] == "ok"}
        print(json.dumps({"code": code, "seconds": seconds, "parts": parts,
                          "peak_mb": _rss_mb("VmHWM"),
                          "findings": len(report["findings"]), "windows": len({d["window"] for d in report["drift"]})}))
        return
    if not (real.exists() and synth.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        write(real, "adult.parquet", args.rows, 0)
        write(synth, "adult_synthetic.parquet", args.rows, 1)
        print(f"wrote 2 x {args.rows:,} rows in {time.perf_counter() - t0:.0f} s: "
              f"{(real.stat().st_size + synth.stat().st_size) / 2**30:.2f} GiB of Parquet")
    done = subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--engine", args.engine,
                           "--child"], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit(1)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # What pandas would need: the same columns in memory (category text), both sides.
    pandas_gb = args.rows * 2 * 65 / 2**30
    print(f"{args.engine}: audit of 2 x {args.rows:,} rows in {result['seconds']:.1f} s "
          f"(parts: {result['parts']}), peak RSS {result['peak_mb']:.0f} MB "
          f"(pandas would hold ~{pandas_gb:.1f} GiB for the data alone); exit {result['code']}, "
          f"{result['findings']} findings, {result['windows']} windows")


if __name__ == "__main__":
    main()
