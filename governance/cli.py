"""The `fairsynth` command: audit, generate, registry, app. Exit 0 ok, 1 policy failed, 2 bad input."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from fairsynth.foundation.errors import FairSynthError

EXIT_OK, EXIT_POLICY_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# Subcommands live in their own modules, each with add_arguments(parser) and run(args) -> int.
SUBCOMMANDS = {
    "audit": ("fairsynth.governance.cli_audit", "Audit a real/synthetic pair and export a fairness summary."),
    "generate": ("fairsynth.governance.cli_generate", "Generate a synthetic table with the conditional synthesizer."),
    "registry": ("fairsynth.governance.cli_registry", "The governance registry: charters, versions, decisions, trail."),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"fairsynth: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, subcommands included."""
    parser = _Parser(prog="fairsynth", description=__doc__)
    subs = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module, help_text) in SUBCOMMANDS.items():
        sub = subs.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(sub)
    app = subs.add_parser("app", help="Start the dashboard.")
    app.add_argument("--port", type=int, default=8501)
    return parser


def run_app(port: int) -> int:
    """Start the Streamlit dashboard on localhost."""
    # A process of its own, so the audit commands never import Streamlit (the UI layer is above).
    return subprocess.call([sys.executable, "-m", "fairsynth.ui.launch", "--port", str(port)])


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "app":
        return run_app(args.port)
    try:
        return int(importlib.import_module(SUBCOMMANDS[args.command][0]).run(args))
    except (FairSynthError, OSError, UnicodeError) as exc:
        sys.stderr.write(f"fairsynth: error: {_one_line(str(exc))}\n")
        return EXIT_BAD_INPUT
    except Exception as exc:
        # Exit 1 means "policy failed" to a pipeline, so an unexpected error must not end there.
        sys.stderr.write(f"fairsynth: error: internal error ({type(exc).__name__}: "
                         f"{_one_line(str(exc))}); please report it\n")
        return EXIT_BAD_INPUT


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    raise SystemExit(main())
