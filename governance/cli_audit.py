"""`fairsynth audit`: audit a real/synthetic pair, write the summary, exit 1 when the policy fails.

The flags, outputs and exit codes are in cli_audit_args (parsing them imports nothing heavy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from fairsynth.engines import as_counter
from fairsynth.engines.sources import choose_engine, open_audit_pair
from fairsynth.engines.tables import marginal
from fairsynth.fairness.ratios import ordered_groups
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles, guess_favorable
from fairsynth.foundation.windows import iso_start
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import format_for_path, write_report
from fairsynth.governance.openlineage_events import complete_audit, lineage_run
from fairsynth.governance.options import AuditOptions
from fairsynth.governance.policy import load_policy
from fairsynth.governance.settings_file import recorded_settings_text

EXIT_OK, EXIT_POLICY_FAILED = 0, 1
# Distinct target values read from a SQL engine to tell a binary target from another.
DISTINCT_LIMIT = 50


def _check_outputs(outs: list[str]) -> None:
    for out in outs:
        if out.endswith(("/", "\\")) or Path(out).is_dir():
            continue
        format_for_path(out)
        if not Path(out).parent.is_dir():
            raise InvalidInputError(f"Cannot write '{out}': the folder {Path(out).parent} does not exist.")


def _settings(path: Path | None, synthetic: Path):
    # --generator-settings, else what `generate` recorded with the synthetic file; an [approval]
    # table in either (governance.approvals) goes into the lineage too.
    record = recorded_settings_text(synthetic) if path is None else None
    if path is None and record is None:
        return None
    # Only then: reading settings imports the generation package (scipy's optimisers).
    from fairsynth.governance.approvals import read_generator_settings, settings_from_record

    return settings_from_record(record) if path is None else read_generator_settings(path)


def run(args: argparse.Namespace) -> int:
    """Load, validate, audit, write every --out, and return the exit code.

    The run is an OpenLineage run: START now, COMPLETE once written (governance.openlineage_events),
    FAIL when anything raises.
    """
    with lineage_run("audit", [args.real, args.synthetic]) as args.lineage:
        return _audit(args)


def _audit(args: argparse.Namespace) -> int:
    # Everything that can be refused is checked before the (slower) audit runs.
    _check_outputs(args.out)
    _check_flags(args)
    policy = load_policy(args.policy) if args.policy is not None else None
    if policy is None and args.register:
        # Only with --register: the registry imports SQLAlchemy and Alembic (~0.5 s).
        from fairsynth.governance.registry.audit_link import charter_policy

        policy = charter_policy(args.register)
    options = AuditOptions(min_count=args.min_count, max_order=args.max_order,
                           reference=tuple(args.reference), freq=args.freq,
                           drift_reference=args.drift_reference,
                           drift_reference_window=args.drift_reference_window, include_tstr=args.tstr,
                           include_privacy=not args.no_privacy, privacy_attacks=args.privacy_attacks,
                           privacy_quasi_identifiers=args.quasi_identifiers)
    settings = _settings(args.generator_settings, Path(args.synthetic))
    engine = args.engine_used = choose_engine([args.real, args.synthetic], getattr(args, "engine", None))
    if engine != "pandas":
        # The files stay in DuckDB/Spark; only grouped counts come back (engines/sql.py).
        pair = open_audit_pair(args.real, args.synthetic, protected=args.protected,
                               target=args.target, favorable=args.favorable,
                               prediction=args.prediction, time=args.time, ignored=args.ignore,
                               engine=engine, freq=args.freq)
        if args.favorable is None:
            _check_binary(pair.distinct(args.target, limit=DISTINCT_LIMIT), args)
        _check_against_data(pair, args)
        _note_guess(pair, args)
        report = run_audit(pair, options=options, policy=policy, generator_settings=settings)
        return _finish(report, args)
    real = load_table(args.real)
    synthetic = load_table(args.synthetic)
    if args.target not in real.frame.columns:
        raise InvalidInputError(
            f"Target column '{args.target}' is not in {args.real.name}; columns: "
            f"{', '.join(map(str, real.frame.columns[:20]))}.")
    favorable = args.favorable
    if favorable is None and _check_binary(real.frame[args.target].dropna().unique(), args):
        favorable = guess_favorable(real.frame[args.target], args.target)
    roles = Roles(protected=args.protected, target=args.target, favorable=favorable,
                  prediction=args.prediction, time=args.time, ignored=args.ignore)
    pair = make_pair(real, synthetic, roles, real_name=str(args.real),
                     synthetic_name=str(args.synthetic))
    _check_against_data(pair, args)
    _note_guess(pair, args)
    report = run_audit(pair, options=options, policy=policy, generator_settings=settings)
    return _finish(report, args)


def _check_flags(args: argparse.Namespace) -> None:
    """Refuse flag combinations that cannot mean anything, before any file is read."""
    for role in ("target", "prediction", "time"):
        column = getattr(args, role)
        if column is not None and column in args.protected:
            raise InvalidInputError(
                f"Column '{column}' cannot be both the {role} and a protected attribute.")
    window = args.drift_reference_window
    if args.drift_reference == "window":
        if not args.time:
            raise InvalidInputError("--drift-reference window needs a time column (--time).")
        if not window:
            raise InvalidInputError(
                "--drift-reference window needs --drift-reference-window YYYY-MM-DD (a window start).")
    elif window:
        raise InvalidInputError("--drift-reference-window is only used with --drift-reference window.")


def _check_binary(distinct, args: argparse.Namespace) -> bool:
    """Whether a favourable value may be guessed; a target without two values is refused."""
    n = len(distinct)
    if n == 0:
        return False  # make_pair says the target has no values
    if n != 2:
        # The SQL engines return at most DISTINCT_LIMIT distinct values.
        count = f"{n}+" if args.engine_used != "pandas" and n >= DISTINCT_LIMIT else str(n)
        raise InvalidInputError(
            f"Target '{args.target}' is not binary ({count} value{'' if n == 1 else 's'}); "
            "pass --favorable.")
    return True


def _note_guess(pair, args: argparse.Namespace) -> None:
    # Said once every input check has passed, so a refused run still has one line on stderr.
    if args.favorable is None and pair.roles.favorable is not None and not args.quiet:
        print(f"fairsynth audit: note: favourable value of '{args.target}' guessed as "
              f"'{pair.roles.favorable}' (pass --favorable to choose)", file=sys.stderr)


def _check_against_data(pair, args: argparse.Namespace) -> None:
    """Refuse a --reference or --drift-reference-window that names nothing in the data."""
    if args.reference:
        _check_references(pair, args.reference, max_order=args.max_order)
    if args.drift_reference == "window":
        _check_window_start(pair, args.drift_reference_window, freq=args.freq,
                            min_rows=args.min_count)


def _check_references(pair, references, *, max_order: int) -> None:
    # The attribute names and groups disparate impact reads (fairness.impact), real side.
    protected = tuple(pair.roles.protected)
    sets = {"&".join(attrs): attrs for attrs in attribute_sets(protected, max_order)}
    cells = as_counter(pair).cells()
    for attribute, group in references:
        attrs = sets.get(attribute)
        if attrs is None:
            raise InvalidInputError(
                f"--reference {attribute}={group}: '{attribute}' is not a protected attribute; "
                f"available: {', '.join(sets)}.")
        present = np.flatnonzero(marginal(cells.counts["real"]["rows"], cells.attributes, attrs) > 0)
        groups = ordered_groups(cells, attrs, present, cells.first["real"])[1]
        if group not in groups:
            shown = _listed(groups, 20)
            raise InvalidInputError(
                f"--reference {attribute}={group}: '{group}' is not a group of '{attribute}' in "
                f"the real data; groups: {shown}.")


def _check_window_start(pair, text: str, *, freq: str, min_rows: int) -> None:
    try:
        when = pd.to_datetime(text, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            f"--drift-reference-window '{text}' is not a date (YYYY-MM-DD).") from exc
    starts = list(as_counter(pair).windows(freq=freq, n_windows=None, min_rows=min_rows)
                  .table["window"])
    if when not in starts:
        shown = _listed([iso_start(s) for s in starts], 12)
        raise InvalidInputError(
            f"--drift-reference-window {text} is not the start of a window with rows "
            f"(--freq {freq}); window starts: {shown}.")


def _listed(items: list[str], limit: int) -> str:
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def _finish(report, args: argparse.Namespace) -> int:
    written = [p for out in args.out for p in write_report(report, out)]
    complete_audit(args.lineage, report, real=args.real, synthetic=args.synthetic, written=written)
    if args.register and _register(report, args) != EXIT_OK:
        return EXIT_POLICY_FAILED
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


def _register(report, args: argparse.Namespace) -> int:
    """Record the run in the registry (--register); a refusal by the registry's rules exits 1."""
    from fairsynth.governance.registry.audit_link import register_audit_run
    from fairsynth.governance.registry.errors import RefusedError

    try:
        audit_id = register_audit_run(report, real=args.real, synthetic=args.synthetic,
                                      project=args.register, policy_path=args.policy)
    except RefusedError as exc:
        sys.stderr.write(f"fairsynth audit: registry refused: {exc}\n")
        return EXIT_POLICY_FAILED
    if not args.quiet:
        print(f"fairsynth audit: recorded as audit run {audit_id} of project {args.register}.")
    return EXIT_OK
