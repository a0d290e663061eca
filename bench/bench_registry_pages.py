"""Benchmark: server time of each Govern page on a registry of 1,000 versions and 10,000 events.

Run by hand: `.venv/bin/python bench/bench_registry_pages.py [--versions 1000 --events 10000]`.
The registry is built through the Registry API (every event hash-chained, as in use) in a
temporary data folder; each page is then run with Streamlit's AppTest (the script run on the
server, without a browser) and timed on later runs, as a user switching to it would see.
Target (issue 15): every registry page under 1 s. Prints PASS or FAIL per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0
PAGES = ["pages/govern_projects.py", "pages/govern_datasets.py", "pages/govern_version.py"]


def build(folder: Path, n_versions: int, n_events: int) -> int:
    """Fill the registry; returns the id of the busiest synthetic version (most events)."""
    import pandas as pd

    from fairsynth.foundation.paths import resource
    from fairsynth.governance.registry.store import Registry

    reg = Registry.open()
    reg.init("admin")
    reg.grant("admin", "ana", "analyst")
    reg.create_project("admin", "bench", purpose="benchmark the Govern pages",
                       policy_toml=resource("policy.example.toml").read_text(), review_days=30)
    files = folder / "files"
    files.mkdir()
    base = pd.DataFrame({"sex": ["F", "M"] * 20, "income": ["<=50K", ">50K", ">50K", "<=50K"] * 10})
    n_real = max(1, n_versions // 20)
    seeds, synthetic = [], []
    for i in range(n_versions):
        path = files / f"t{i}.csv"
        base.assign(row=range(i, i + len(base))).to_csv(path, index=False)  # distinct bytes
        if i < n_real:
            seeds.append(reg.register("ana", path, project="bench", kind="real")[0])
        else:
            parent = seeds[i % n_real]
            synthetic.append((parent, reg.register("ana", path, project="bench", kind="synthetic",
                                                   parent=str(parent))[0]))
    shas = {v: reg.details(str(v))["sha256"] for pair in synthetic for v in pair}
    for j, (seed, version) in enumerate(synthetic):
        passed = j % 3 != 0
        checks = [] if passed else [{"name": "max_abs_share_gap", "value": 0.05, "threshold": 0.02,
                                     "passed": False, "explanation": "bench"}]
        report = {"inputs": {"real": {"sha256": shas[seed]}, "synthetic": {"sha256": shas[version]}},
                  "findings": [], "policy": {"passed": passed, "source": "bench", "checks": checks},
                  "disparate_impact": [{"dataset": "synthetic", "ratio": 0.7 + (j % 30) / 100}],
                  "subgroup_gaps": [{"gap": (j % 7) / 100}]}
        reg.record_audit("ana", real_version=seed, synthetic_version=version, report=report)
    busiest = synthetic[0][1]
    with reg.engine.connect() as connection:
        from sqlalchemy import func, select

        from fairsynth.governance.registry.schema import events
        have = connection.execute(select(func.count()).select_from(events)).scalar()
    for k in range(max(0, n_events - have)):
        version = busiest if k % 10 == 0 else synthetic[k % len(synthetic)][1]
        if k % 5 == 0:
            reg.file_concern("ana", str(version), f"bench concern {k}")
        else:
            reg.add_note("ana", str(version), f"bench note {k}")
    reg.close()
    return busiest


def time_pages(busiest: int, rounds: int) -> dict[str, list[float]]:
    from fairsynth.ui.page_timing import rerun_times

    os.environ["FAIRSYNTH_USER"] = "admin"
    return rerun_times(PAGES, state={"govern_version": busiest}, rounds=rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the registry in this folder once and "
                        "reuse it on later runs (building takes minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        os.environ["FAIRSYNTH_DATA_DIR"] = str(folder / "data")
        os.environ.pop("FAIRSYNTH_REGISTRY_URL", None)
        os.environ.pop("FAIRSYNTH_AUTH", None)
        start, start_wall = time.perf_counter(), time.time()
        built = folder / "busiest.txt"
        if built.is_file():
            busiest = int(built.read_text())
        else:
            folder.mkdir(parents=True, exist_ok=True)
            busiest = build(folder, args.versions, args.events)
            built.write_text(str(busiest))
        from fairsynth.governance.registry.store import Registry

        reg = Registry.open()
        report = reg.verify()
        reg.close()
        how = "reused" if args.keep and built.stat().st_mtime < start_wall else \
            f"built in {time.perf_counter() - start:.0f} s"
        print(f"registry: {report.checked:,} events ({how}); verify: {report.sentence()}")
        times = time_pages(busiest, args.rounds)
    failed = False
    for page, runs in times.items():
        median, worst = statistics.median(runs), max(runs)
        verdict = "PASS" if worst < TARGET_S else "FAIL"
        failed |= verdict == "FAIL"
        print(f"  {page:28s} server time median {median * 1000:6.0f} ms, worst {worst * 1000:6.0f} ms"
              f" (target < {TARGET_S * 1000:.0f} ms): {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
