"""Benchmark: server time of each analysis page on a 1,000,000-row pair, first visit and page switch.

Run by hand: `.venv/bin/python bench/bench_pages.py [--rows 1000000]`. Uses Streamlit's AppTest
(the script run on the server, without a browser): the first visit computes (through the count
engine and ui.cache), a later switch back to the page must only read the caches and draw.
Targets: a page switch on a cached 1M-row audit under 300 ms server time (issue 7); the first
visit of each analysis page at most 1.5 s (issue 17). A missed target says MISSED.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGES = ["pages/representativeness.py", "pages/fairness.py", "pages/drift.py"]
TARGET_MS = 300
FIRST_VISIT_S = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from bench_audit import _load, _roles, data_paths

    from fairsynth.foundation.pair import make_pair
    from fairsynth.ui.page_timing import page_times

    real, synth = data_paths(args.rows)
    pair = make_pair(_load(real), _load(synth), _roles())
    first, switch = page_times(pair, PAGES, rounds=args.rounds, label=f"bench: {args.rows:,} rows")
    print(f"{args.rows:,}-row pair, server time per page run (AppTest):")
    for page in PAGES:
        best, worst = min(switch[page]) * 1000, max(switch[page]) * 1000
        verdict = "met" if worst < TARGET_MS else "MISSED"
        first_verdict = "met" if first[page] <= FIRST_VISIT_S else "MISSED"
        print(f"  {page:32s} first visit {first[page]:6.2f} s (target <= {FIRST_VISIT_S} s: "
              f"{first_verdict}) | switch back {best:5.0f}-{worst:5.0f} ms "
              f"(target < {TARGET_MS} ms: {verdict})")


if __name__ == "__main__":
    main()
