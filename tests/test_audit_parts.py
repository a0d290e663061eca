"""Every audit part and table is declared once, and every export carries every declared table."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

import fairsynth.fairness.fidelity
from fairsynth.foundation.samples import load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import csv_tables, load_schema, report_to_dict
from fairsynth.governance.export_html import to_html
from fairsynth.governance.export_markdown import md, to_markdown
from fairsynth.governance.options import AuditOptions
from fairsynth.governance.parts import PART_NAMES, PARTS
from fairsynth.governance.tables import TABLES

# Every part on, the slow anonymeter attacks aside (tests/test_audit_privacy.py runs them).
ALL_PARTS = AuditOptions(include_tstr=True)


@pytest.fixture(scope="module")
def compas_report():
    return run_audit(load_sample("compas"), options=ALL_PARTS)


def test_every_part_writes_declared_tables_and_every_table_has_a_part():
    written = {t for p in PARTS for t in p.tables}
    assert written == set(TABLES)
    assert len(set(PART_NAMES)) == len(PART_NAMES)


def test_schema_covers_every_declared_table_with_its_columns():
    schema = load_schema()
    for key, spec in TABLES.items():
        assert key in schema["properties"] and key in schema["required"], key
        item = schema["properties"][key]["items"]["properties"]
        missing = [c for c in spec.columns if c not in item and c != "undefined_reason"]
        assert not missing, f"{key}: schema lacks {missing}"


def test_each_computed_table_has_exactly_its_declared_columns(compas_report):
    ran = {p.part for p in compas_report.parts if p.status == "ok"}
    assert {"subgroup_gaps", "disparate_impact", "group_metrics", "fidelity", "drift", "utility",
            "privacy"} <= ran
    for key, spec in TABLES.items():
        frame = compas_report.tables[key]
        assert frame is not None and not frame.empty, key
        assert tuple(frame.columns) == spec.columns, key


def test_json_holds_every_table_the_csv_export_holds(compas_report):
    data = report_to_dict(compas_report)
    jsonschema.validate(data, load_schema())
    for name, text in csv_tables(compas_report).items():
        key = name.removesuffix(".csv")
        if key in TABLES:
            rows = list(csv.DictReader(io.StringIO(text)))
            assert len(data[key]) == len(rows) > 0, key


def test_markdown_and_html_summarise_every_non_empty_table(compas_report):
    markdown, html = to_markdown(compas_report), to_html(compas_report)
    for spec in TABLES.values():
        if spec.generic_summary:
            heading = spec.summary(compas_report.tables[spec.key])[0]
            assert f"## {md(heading)}" in markdown, spec.key
            assert json.dumps(heading)[1:-1].replace("&", "&amp;") in html or heading in html, spec.key
    assert "## Privacy" in markdown


def test_summary_ranks_rows_by_the_declared_column(compas_report):
    spec = TABLES["subgroup_gaps"]
    gaps = compas_report.tables["subgroup_gaps"]
    _, header, rows = spec.summary(gaps)
    largest = gaps.loc[gaps["gap"].abs().idxmax()]
    assert rows[0][header.index("group")] == largest["group"]


def test_a_programming_error_in_a_part_is_not_swallowed(monkeypatch):
    def broken(pair, **options):
        raise TypeError("a bug, not bad data")

    monkeypatch.setattr(fairsynth.fairness.fidelity, "column_fidelity", broken)
    with pytest.raises(TypeError, match="a bug"):
        run_audit(load_sample("adult-skewed"), options=AuditOptions(include_privacy=False))


def test_row_reading_parts_run_on_the_engines_reproducible_sample():
    # Setup: the bundled Adult pair held in DuckDB (counts in SQL, rows only by sampling).
    from fairsynth.engines.sources import open_pair
    from fairsynth.foundation.paths import resource
    from fairsynth.foundation.samples import SAMPLES

    sample = SAMPLES["adult-skewed"]
    data = resource("sample_data")
    pair = open_pair(data / sample.real, data / sample.synthetic, sample.roles, engine="duckdb")
    options = AuditOptions(privacy_sample_size=500)
    # Run
    first = run_audit(pair, options=options)
    again = run_audit(pair, options=options)
    # Assert: privacy ran, says it ran on a sample, and the same seed gives the same numbers.
    status = first.status("privacy")
    assert status.status == "ok" and "reproducible sample" in status.message and "duckdb" in status.message
    assert first.privacy is not None and not first.privacy.empty
    assert first.privacy.equals(again.privacy)
