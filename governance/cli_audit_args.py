"""The flags of `fairsynth audit`, apart from the audit itself: parsing them (and `--help`)
imports argparse and constants only, not pandas, scipy or the registry (issue 17: <= 0.3 s).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fairsynth.foundation.constants import DEFAULT_FREQ, DRIFT_REFERENCES, FREQS

AUDIT_DOC = """\
--out picks the format by extension and may be repeated: report.json, report.md, report.html,
tables.zip (one CSV per table, zipped), or a folder path ending in / (one CSV file per table).
Exit codes: 0 done (policy passed or none), 1 policy failed, 2 bad input (one line on stderr).
"""


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
    """The audit's flags; exit codes as the README's "Command line" says: 0 passed, 1 a policy
    check failed, 2 bad input."""
    parser.epilog = AUDIT_DOC
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--real", required=True, type=Path, help="real table (CSV or Parquet)")
    parser.add_argument("--synthetic", required=True, type=Path, help="synthetic table (CSV or Parquet)")
    parser.add_argument("--protected", required=True, type=_columns,
                        help="protected attribute column(s), comma separated")
    parser.add_argument("--target", required=True, help="target (outcome) column")
    parser.add_argument("--favorable", help="favourable target value (guessed when left out)")
    parser.add_argument("--prediction", help="model prediction column (enables error-rate metrics)")
    parser.add_argument("--time", help="time column (enables drift over time)")
    parser.add_argument("--freq", default=DEFAULT_FREQ, choices=FREQS,
                        help=f"drift window frequency (default {DEFAULT_FREQ})")
    parser.add_argument("--drift-reference", default="first", choices=DRIFT_REFERENCES,
                        help="drift reference: first window, a chosen window "
                             "(--drift-reference-window), previous window or synthetic data")
    parser.add_argument("--drift-reference-window", metavar="YYYY-MM-DD",
                        help="start of the reference window, with --drift-reference window")
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
    parser.add_argument("--register", metavar="PROJECT",
                        help="record this audit in the registry under PROJECT (both files registered "
                             "if new; the charter's policy applies unless --policy)")


