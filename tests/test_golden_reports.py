"""Golden reports on the bundled samples: a restructuring may not change a single number.

Regenerate (only when an issue says the numbers change) with
`FAIRSYNTH_UPDATE_GOLDEN=1 pytest tests/test_golden_reports.py`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import pytest

from fairsynth.foundation.samples import load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import csv_tables, report_to_dict

GOLDEN = Path(__file__).parent / "data" / "golden"
# Floats may differ in the last bits between BLAS builds; anything beyond this is a real change.
REL_TOL = 1e-9
# Fields that record when, where and how long, not what was measured.
VOLATILE = {"created_at", "seconds", "at", "created", "updated", "path", "fairsynth_version",
            "generated_at", "python", "platform"}


def scrub(value):
    """The report without timestamps, durations and machine-specific paths."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def csv_records(report) -> dict[str, list[dict]]:
    """Every CSV export table parsed back to rows of text."""
    return {name: list(csv.DictReader(io.StringIO(text)))
            for name, text in csv_tables(report).items()}


def assert_same(actual, expected, where="report"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert sorted(actual) == sorted(expected), f"{where}: keys differ"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: length"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, int | float), f"{where}: {actual!r} is not a number"
        assert math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=1e-12), (
            f"{where}: {actual!r} != {expected!r}")
    elif isinstance(expected, str) and isinstance(actual, str):
        try:
            a, e = float(actual), float(expected)
        except ValueError:
            assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        else:
            assert math.isclose(a, e, rel_tol=REL_TOL, abs_tol=1e-12) or (
                math.isnan(a) and math.isnan(e)), f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("sample", ["adult-skewed", "compas"])
def test_report_matches_golden(sample):
    # Setup
    report = run_audit(load_sample(sample))
    # Run
    actual = {"json": scrub(report_to_dict(report)), "csv": scrub(csv_records(report))}
    actual = json.loads(json.dumps(actual, allow_nan=True))
    path = GOLDEN / f"{sample}.json"
    if os.environ.get("FAIRSYNTH_UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=1, sort_keys=True, allow_nan=True) + "\n")
    # Assert
    expected = json.loads(path.read_text())
    assert_same(actual, expected)
