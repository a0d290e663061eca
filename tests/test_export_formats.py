"""Exports: JSON valid against the schema, Markdown and HTML with escaped user strings, safe CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import jsonschema
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from test_audit_pairs import adult_skewed_pair, compas_pair

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.foundation.samples import SAMPLE_DIR
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import (
    EXPORTS,
    csv_tables,
    format_for_path,
    load_schema,
    report_to_dict,
    to_csv_zip,
    to_json,
)
from fairsynth.governance.export_html import to_html
from fairsynth.governance.export_markdown import to_markdown
from fairsynth.governance.notes import new_note
from fairsynth.governance.policy import load_policy

TOP_KEYS = ["schema_version", "created_at", "inputs", "roles", "subgroup_gaps", "fidelity",
            "disparate_impact", "impact_summary", "impact_change", "group_metrics", "drift", "dataset_drift",
            "subgroups_over_time", "impact_over_time", "staleness", "utility", "privacy", "findings", "notes", "lineage", "policy"]
EVIL_COLUMN = "<img src=x onerror=alert(1)>"
EVIL_GROUP = "</script><script>alert(2)</script>"
FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def evil_pair(adult_real: pd.DataFrame):
    """Adult with a hostile protected column name and hostile group values."""
    real = adult_real.head(4000).rename(columns={"race": EVIL_COLUMN}).copy()
    real[EVIL_COLUMN] = real[EVIL_COLUMN].astype(str).replace({"Black": EVIL_GROUP, "Other": FORMULAS[0]})
    synth = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    synth = synth[synth[EVIL_COLUMN] != "Asian-Pac-Islander"]
    roles = Roles(protected=(EVIL_COLUMN, "sex"), target="income", favorable=">50K")
    return make_pair(real, synth, roles, real_name="<b>real</b>.csv", synthetic_name="s&s.csv")


@pytest.fixture(scope="module")
def reports(adult_real, compas_real):
    policy = load_policy(SAMPLE_DIR.parent / "policy.example.toml")
    skewed = run_audit(adult_skewed_pair(adult_real), policy=policy)
    note = new_note(action="Regenerate </script> with shares", finding_code=skewed.findings[0].code,
                    owner=EVIL_COLUMN, rationale="=1+1")
    return {
        "adult": skewed.with_notes([note, new_note(action="free note")]),
        "compas": run_audit(compas_pair(compas_real), policy=policy),
        "evil": run_audit(evil_pair(adult_real)).with_notes([note]),
    }


@pytest.mark.parametrize("name", ["adult", "compas", "evil"])
def test_json_report_is_valid_against_the_schema(reports, name):
    data = json.loads(to_json(reports[name]))
    jsonschema.validate(data, load_schema(), format_checker=jsonschema.FormatChecker())
    assert list(data) == TOP_KEYS and data["schema_version"] == 1


@pytest.mark.parametrize("name", ["adult", "evil"])
def test_json_text_holds_the_report_dict_with_one_table_row_per_line(reports, name):
    text = to_json(reports[name]).decode("utf-8")
    data = report_to_dict(reports[name])
    assert json.loads(text) == data
    lines = text.splitlines()
    # Each row of a table is one line, two levels in; the hostile text stays text, not markup.
    for row in data["subgroup_gaps"]:
        line = "    " + json.dumps(row, ensure_ascii=False, allow_nan=False)
        assert line in lines or line + "," in lines
    assert lines[0] == "{" and lines[1].startswith('  "schema_version": 1') and lines[-1] == "}"


def test_json_records_carry_the_design_fields(reports):
    data = report_to_dict(reports["adult"])
    row = next(r for r in data["subgroup_gaps"] if r["group"] == "Black&Female")
    assert row["attributes"] == ["race", "sex"] and row["group_values"] == {"race": "Black", "sex": "Female"}
    gaps = reports["adult"].subgroup_gaps.set_index("group")
    assert row["gap"] == pytest.approx(gaps.loc["Black&Female", "gap"])
    missing = next(r for r in data["subgroup_gaps"] if r["group"] == "Other&Female")
    assert missing["missing_side"] == "synthetic" and missing["synthetic_count"] == 0
    assert {r["dataset"] for r in data["disparate_impact"]} == {"real", "synthetic"}
    assert data["policy"]["passed"] is False and data["notes"][0]["owner"] == EVIL_COLUMN
    compas = report_to_dict(reports["compas"])
    assert compas["drift"] and {"window", "p_value", "drift_detected"} <= set(compas["drift"][0])
    assert {r["metric"] for r in compas["group_metrics"]} == {"selection_rate", "tpr", "fpr", "fnr", "accuracy"}


def test_schema_rejects_a_broken_report(reports):
    data = report_to_dict(reports["adult"])
    del data["subgroup_gaps"][0]["gap"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema())
    data = report_to_dict(reports["adult"])
    data["findings"][0]["severity"] = "urgent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema())


def test_html_escapes_every_user_string_and_inlines_plotly_once(reports):
    html = to_html(reports["evil"])
    for raw in (EVIL_COLUMN, EVIL_GROUP, "<b>real</b>", "Regenerate </script>"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;real&lt;/b&gt;.csv" in html and "s&amp;s.csv" in html
    # Outside the plotly.js bundle, the only script tags are ours (the bundle, charts' data, drawing).
    bundle = get_plotlyjs()
    assert html.count(bundle[:2000]) == 1
    rest = html.replace(bundle, "")
    assert rest.count("<script") == rest.count("</script>") == 2 + rest.count("class='chart'")
    assert "\\u003c/script\\u003e" in rest  # the group value inside chart JSON, escaped


def test_markdown_lists_findings_and_escapes_user_text(reports):
    text = to_markdown(reports["evil"])
    assert "<img" not in text and "</script>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    adult = to_markdown(reports["adult"])
    assert "Policy FAILED" in adult and "Black &amp; Female: " in adult
    assert adult.count("\n| ") >= len(reports["adult"].findings)


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_exports_neutralise_formula_injection(reports):
    tables = csv_tables(reports["evil"])
    dangerous = tuple("=+-@\t\r")
    for text in tables.values():
        for row in _cells(text):
            for cell in row:
                if cell.startswith(dangerous):
                    # Only plain numbers may start with '-' or '+'.
                    float(cell)
    gaps = pd.read_csv(io.StringIO(tables["subgroup_gaps.csv"]))
    assert "'" + FORMULAS[0] in set(gaps["group"]) | set(gaps["group"].str.split("&").str[0])
    # Numbers stay numbers: negative gaps are written as numbers, not text.
    assert gaps["gap"].dtype == float and (gaps["gap"] < 0).any()
    notes = pd.read_csv(io.StringIO(tables["notes.csv"]))
    assert notes.loc[0, "rationale"] == "'=1+1"


def test_csv_zip_holds_every_table_and_is_reproducible(reports):
    blob = to_csv_zip(reports["compas"])
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert {"subgroup_gaps.csv", "disparate_impact.csv", "drift.csv", "findings.csv",
            "policy_checks.csv"} <= set(names)
    assert to_csv_zip(reports["compas"]) == blob


def test_registry_picks_the_format_by_extension():
    assert format_for_path("out/report.HTML").name == "html"
    assert format_for_path("r.md").name == format_for_path("r.markdown").name == "markdown"
    assert set(EXPORTS) == {"json", "markdown", "html", "csv"}
    with pytest.raises(InvalidInputError, match="Cannot tell the export format"):
        format_for_path("report.docx")
