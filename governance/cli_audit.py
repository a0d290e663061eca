"""`fairsynth audit`: audit a real/synthetic pair, write the summary, exit 1 when the policy fails.

--out picks the format by extension and may be repeated: report.json, report.md, report.html,
tables.zip (one CSV per table, zipped), or a folder path ending in / (one CSV file per table).
Exit codes: 0 done (policy passed or none), 1 policy failed, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engines.sources import choose_engine, open_audit_pair
from governance.audit import DRIFT_REFERENCES, FREQS, AuditOptions, run_audit
from governance.data import make_pair
from governance.errors import InvalidInputError
from governance.export import format_for_path, write_report
from governance.loading import load_table
from governance.policy import load_policy
from governance.roles import Roles, guess_favorable

EXIT_OK, EXIT_POLICY_FAILED = 0, 1


def _columns(text: str) -> tuple[str, ...]:
    cols = tuple(c.strip() for c in text.split(",") if c.strip())
    if not cols:
        raise argparse.ArgumentTypeError("give at least one column name")
    return cols


def _reference(text: str) -> tuple[str, str]:
    attribute, sep, group = text.partition("=")
    if not sep or not attribute.strip() or not group.strip():
        raise argparse.ArgumentTypeError(f"expected ATTRIBUTE=GROUP (e.g. sex=Male), got '{text}'")
    return attribute.strip(), group.strip()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The audit's flags (see DESIGN.md, "CLI and exit codes")."""
    parser.epilog = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--real", required=True, type=Path, help="real table (CSV or Parquet)")
    parser.add_argument("--synthetic", required=True, type=Path, help="synthetic table (CSV or Parquet)")
    parser.add_argument("--protected", required=True, type=_columns,
                        help="protected attribute column(s), comma separated")
    parser.add_argument("--target", required=True, help="target (outcome) column")
    parser.add_argument("--favorable", help="favourable target value (guessed when left out)")
    parser.add_argument("--prediction", help="model prediction column (enables error-rate metrics)")
    parser.add_argument("--time", help="time column (enables drift over time)")
    parser.add_argument("--freq", default="M", choices=FREQS, help="drift window frequency (default M)")
    parser.add_argument("--drift-reference", default="first", choices=DRIFT_REFERENCES,
                        help="drift reference: first window, previous window or synthetic data")
    parser.add_argument("--reference", action="append", type=_reference, default=[],
                        metavar="ATTR=GROUP", help="disparate impact reference group (repeatable)")
    parser.add_argument("--min-count", type=int, default=30, help="minimum subgroup count (default 30)")
    parser.add_argument("--max-order", type=int, default=3, choices=(1, 2, 3),
                        help="largest intersection of protected attributes (default 3)")
    parser.add_argument("--ignore", type=_columns, default=(), help="columns left out, comma separated")
    parser.add_argument("--tstr", action="store_true", help="also train on synthetic, test on real (slow)")
    privacy = parser.add_mutually_exclusive_group()
    privacy.add_argument("--privacy-attacks", action="store_true",
                         help="also run the anonymeter singling-out, linkability and inference "
                              "attacks (about half a minute on Adult)")
    privacy.add_argument("--no-privacy", action="store_true",
                         help="skip the privacy measures (exact copies, distances, k-anonymity)")
    parser.add_argument("--quasi-identifiers", type=_columns, default=None,
                        help="quasi-identifier columns for k-anonymity and linkability, comma "
                             "separated (default: protected attributes plus age- and zip-like columns)")
    parser.add_argument("--generator-settings", type=Path,
                        help="FairSynth generation settings TOML that made the synthetic data (for lineage)")
    parser.add_argument("--policy", type=Path, help="policy TOML with thresholds (exit 1 when one fails)")
    parser.add_argument("--out", required=True, action="append", default=None,
                        help="output file: .json, .md, .html, .zip (CSV tables) or folder/ (repeatable)")
    parser.add_argument("--engine", choices=("pandas", "duckdb", "spark"),
                        help="where the counts are computed: pandas (in memory), duckdb (out of core) "
                             "or spark; default: duckdb for files over 1 GB, else pandas")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")


def _check_outputs(outs: list[str]) -> None:
    for out in outs:
        if out.endswith(("/", "\\")) or Path(out).is_dir():
            continue
        format_for_path(out)
        if not Path(out).parent.is_dir():
            raise InvalidInputError(f"Cannot write '{out}': the folder {Path(out).parent} does not exist.")


def _settings(path: Path | None):
    if path is None:
        return None
    from generation.settings import GenerationSettings

    if not path.is_file():
        raise InvalidInputError(f"{path}: no such generation settings file.")
    return GenerationSettings.from_toml(path.read_text(encoding="utf-8"))


def run(args: argparse.Namespace) -> int:
    """Load, validate, audit, write every --out, and return the exit code."""
    # Everything that can be refused is checked before the (slower) audit runs.
    _check_outputs(args.out)
    policy = load_policy(args.policy) if args.policy is not None else None
    options = AuditOptions(min_count=args.min_count, max_order=args.max_order,
                           reference=tuple(args.reference), freq=args.freq,
                           drift_reference=args.drift_reference, include_tstr=args.tstr,
                           include_privacy=not args.no_privacy, privacy_attacks=args.privacy_attacks,
                           privacy_quasi_identifiers=args.quasi_identifiers)
    settings = _settings(args.generator_settings)
    engine = choose_engine([args.real, args.synthetic], getattr(args, "engine", None))
    if engine != "pandas":
        # The files stay in DuckDB/Spark; only grouped counts come back (engines/sql.py).
        pair = open_audit_pair(args.real, args.synthetic, protected=args.protected,
                               target=args.target, favorable=args.favorable,
                               prediction=args.prediction, time=args.time, ignored=args.ignore,
                               engine=engine, freq=args.freq)
        report = run_audit(pair, options=options, policy=policy, generator_settings=settings)
        return _finish(report, args)
    real = load_table(args.real)
    synthetic = load_table(args.synthetic)
    if args.target not in real.frame.columns:
        raise InvalidInputError(
            f"Target column '{args.target}' is not in {args.real.name}; columns: "
            f"{', '.join(map(str, real.frame.columns[:20]))}.")
    favorable = args.favorable or guess_favorable(real.frame[args.target], args.target)
    roles = Roles(protected=args.protected, target=args.target, favorable=favorable,
                  prediction=args.prediction, time=args.time, ignored=args.ignore)
    pair = make_pair(real, synthetic, roles, real_name=str(args.real),
                     synthetic_name=str(args.synthetic))
    report = run_audit(pair, options=options, policy=policy, generator_settings=settings)
    return _finish(report, args)


def _finish(report, args: argparse.Namespace) -> int:
    written = [p for out in args.out for p in write_report(report, out)]
    if not args.quiet:
        counts = {}
        for f in report.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"
        print(f"fairsynth audit: {len(report.findings)} finding(s) ({summary}); "
              f"wrote {', '.join(map(str, written))}")
        for part, message in report.errors.items():
            print(f"fairsynth audit: warning: the {part} part failed: {message}", file=sys.stderr)
    if report.policy is None:
        return EXIT_OK
    if report.policy.passed:
        if not args.quiet:
            print(f"fairsynth audit: policy passed ({len(report.policy.checks)} check(s)).")
        return EXIT_OK
    for check in report.policy.failed:
        sys.stderr.write(f"fairsynth audit: policy check failed: {check.name}: {check.explanation}\n")
    return EXIT_POLICY_FAILED
