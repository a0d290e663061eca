"""The `fairsynth` entry point: the top-level help and usage errors import no subcommand."""

from __future__ import annotations

import subprocess
import sys

from conftest import PATIENCE_S

PROBE = """
import sys

from fairsynth.governance.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("LOADED:" + ",".join(m for m in ("pandas", "fairsynth.governance.cli_audit", "streamlit") if m in sys.modules))
"""


def _loaded(argv: list[str]) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True,
                          text=True, timeout=PATIENCE_S)
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("LOADED:")]
    return line.removeprefix("LOADED:"), done.stderr


def test_top_level_help_imports_no_subcommand():
    loaded, _ = _loaded(["--help"])
    assert loaded == ""


def test_unknown_subcommand_is_one_line_and_imports_nothing_heavy():
    loaded, err = _loaded(["bogus"])
    assert loaded == ""
    assert err.count("\n") == 1 and "invalid choice: 'bogus'" in err


def test_subcommand_help_lists_its_own_options():
    done = subprocess.run([sys.executable, "-m", "fairsynth.governance.cli", "audit", "--help"],
                          capture_output=True, text=True, timeout=PATIENCE_S)
    assert done.returncode == 0 and "--favorable" in done.stdout and "--policy" in done.stdout
