"""Golden reports on the bundled samples: a restructuring may not change a single number.

Regenerate (only when an issue says the numbers change) with
`FAIRSYNTH_UPDATE_GOLDEN=1 pytest tests/test_golden_reports.py`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from report_compare import assert_same

from fairsynth.foundation.samples import load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import csv_tables, report_to_dict

GOLDEN = Path(__file__).parent / "data" / "golden"
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
    assert_same(actual, expected, text_numbers=True)
