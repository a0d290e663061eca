"""`fairsynth privacy-sweep`: what differential privacy costs each protected group, as JSON or HTML.

Heavy modules (the generators, OpenDP, plotly) are imported inside `run`, so the parser stays cheap.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import atomic_write

OUTPUT_FORMATS = (".json", ".html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `fairsynth privacy-sweep`."""
    parser.add_argument("--real", required=True, help="Real table (CSV or Parquet).")
    parser.add_argument("--protected", required=True, help="Protected attributes, comma separated.")
    parser.add_argument("--target", required=True, help="Target (outcome) column.")
    parser.add_argument("--favorable", help="Favourable value of the target (guessed if left out).")
    parser.add_argument("--epsilons", default="0.25,0.5,1,2,4,8",
                        help="Budgets to sweep, comma separated (default 0.25,0.5,1,2,4,8); a run "
                             "without DP is added for comparison unless --no-baseline.")
    parser.add_argument("--seeds", type=int, default=3, help="Runs per budget (default 3).")
    parser.add_argument("--delta", type=float, default=0.0, help="DP delta per run (default 0).")
    parser.add_argument("--public", default="*",
                        help="Columns whose domain or range is declared public (default '*': all; "
                             "every ledger says so).")
    parser.add_argument("--policy", type=Path, help="Policy TOML whose thresholds judge the groups "
                        "(max_abs_share_gap, max_disparate_impact_change, min_column_fidelity).")
    parser.add_argument("--min-count", type=int, default=30,
                        help="Groups with fewer real rows are shown but not judged (default 30).")
    parser.add_argument("--no-baseline", action="store_true", help="Skip the run without DP.")
    parser.add_argument("--out", required=True, help="sweep.json or sweep.html.")


def _epsilons(text: str) -> list[float]:
    out = []
    for item in (t.strip() for t in text.split(",")):
        try:
            value = float(item)
        except ValueError as exc:
            raise InvalidInputError(f"--epsilons: '{item}' is not a number.") from exc
        if not value > 0 or value == float("inf"):
            raise InvalidInputError(f"--epsilons: every epsilon must be a finite number > 0, not {item}.")
        out.append(value)
    return out


def run(args: argparse.Namespace) -> int:
    """Run the sweep and write --out; returns the exit code (bad input raises InvalidInputError)."""
    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_FORMATS:
        raise InvalidInputError(f"--out must end in {' or '.join(OUTPUT_FORMATS)}, not '{out.name}'.")
    epsilons = _epsilons(args.epsilons)
    from fairsynth.foundation.loading import load_table
    from fairsynth.foundation.roles import Roles, guess_favorable
    from fairsynth.generation.privacy_sweep import privacy_sweep
    from fairsynth.governance.policy import load_policy

    thresholds = dict(load_policy(args.policy).thresholds) if args.policy else None
    real = load_table(args.real).frame
    protected = tuple(c.strip() for c in args.protected.split(",") if c.strip())
    missing = [c for c in (*protected, args.target) if c not in real.columns]
    if missing:
        raise InvalidInputError(f"Column(s) not in {Path(args.real).name}: {', '.join(missing)}.")
    favorable = args.favorable or guess_favorable(real[args.target], args.target)
    roles = Roles(protected=protected, target=args.target, favorable=favorable)
    public = tuple(p.strip() for p in args.public.split(",") if p.strip())
    result = privacy_sweep(real, roles, epsilons=epsilons, seeds=args.seeds, delta=args.delta,
                           public=public, baseline=not args.no_baseline, thresholds=thresholds,
                           min_count=args.min_count)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        text = json.dumps(result.to_dict(), indent=2, default=str)
    else:
        text = sweep_html(result, source=Path(args.real).name)
    atomic_write(out, text.encode("utf-8"), private=False)
    print(f"wrote {out}: {result.sentence}")
    return 0


def sweep_html(result, *, source: str) -> str:
    """A self-contained page: the sentence, one chart per metric, and the ledger of one run."""
    from plotly.offline import get_plotlyjs

    from fairsynth.governance.charts.privacy_sweep import METRIC_TITLES, sweep_figure

    charts = "".join(
        sweep_figure(result.table, metric=m).to_html(full_html=False, include_plotlyjs=False)
        for m in METRIC_TITLES)
    ledgers = "".join(f"<li>{html.escape(k)}: {html.escape(str(len(v.get('split', []))))} releases, "
                      f"{html.escape(v.get('composition', ''))}</li>" for k, v in result.ledgers.items())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>FairSynth privacy sweep</title>"
            f"<script>{get_plotlyjs()}</script></head><body style='font-family:sans-serif;max-width:70rem;"
            f"margin:auto'><h1>The fairness cost of privacy: {html.escape(source)}</h1>"
            f"<p>{html.escape(result.sentence)}</p>{charts}<h2>Ledgers</h2><ul>{ledgers}</ul></body></html>")
