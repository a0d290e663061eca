"""The HTML summary reads well for a stakeholder (issue 18, point 6): lineage as a table, labels not
column names, one number format, export and note times, the reference's own bar."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from fairsynth.foundation.samples import load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export_html import report_figures, to_html
from fairsynth.governance.export_lineage import lineage_rows
from fairsynth.governance.notes import new_note
from fairsynth.governance.tables import number
from fairsynth.privacy.measures import MEASURES

AUDITED = "2026-01-05T09:00:00+00:00"
NOTE_TIME = "2026-01-06T14:30:00+00:00"
EXPORTED = "2026-01-07T08:15:00+00:00"


@pytest.fixture(scope="module")
def adult():
    # A fixed audit time, so the page's stamps are known (the report is frozen: replace it).
    report = replace(run_audit(load_sample("adult-skewed")), created_at=AUDITED)
    note = new_note(action="Reweighted the generator", finding_code=report.findings[0].code,
                    owner="ana", now=NOTE_TIME)
    report = report.with_notes([note])
    return report, to_html(report, exported_at=EXPORTED)


def _outside_details(page: str) -> str:
    return re.sub(r"<details.*?</details>", "", page, flags=re.S)


def _visible_text(page: str) -> str:
    """Body text without scripts (chart data and plotly.js)."""
    return re.sub(r"<script.*?</script>", "", page, flags=re.S)


def test_lineage_is_a_table_and_its_json_only_in_a_closed_details_block(adult):
    report, page = adult
    details = re.findall(r"<details id='lineage-json'>(.*?)</details>", page, flags=re.S)
    assert len(details) == 1 and "<pre>" in details[0]
    # Closed by default: no 'open' attribute.
    assert "<details id='lineage-json' open" not in page
    outside = _visible_text(_outside_details(page))
    assert "<pre>" not in outside
    assert "&quot;fairsynth_version&quot;" not in outside and '"audit_options"' not in outside
    # The readable table carries what the JSON says, e.g. the packages and the real file's hash.
    assert "pandas " + report.lineage["packages"]["pandas"] in outside
    assert report.inputs["real"]["sha256"] in outside
    # And the JSON inside the block is the full record.
    raw = details[0].split("<code>", 1)[1].split("</code>", 1)[0]
    assert json.loads(raw.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">").replace("&#x27;", "'"))["inputs"] == report.lineage["inputs"]


def test_every_lineage_key_has_a_row(adult):
    report, _ = adult
    rows = lineage_rows(report.lineage)
    sections = [r[0] for r in rows if r[0]]
    assert len(sections) == len(set(sections)), "each section is written once"
    items = " ".join(r[1] for r in rows)
    for key in ("audited at", "packages", "real file", "protected", "min count", "parts"):
        assert key in items


def test_axis_titles_are_human_labels_not_column_names(adult):
    report, _ = adult
    figures = {fid: fig for fid, _, fig in report_figures(report)}
    assert figures["privacy-exact-copy-rate"].layout.xaxis.title.text == MEASURES["exact_copy_rate"].label
    assert (figures["privacy-dcr-closer-to-train-share"].layout.xaxis.title.text
            == MEASURES["dcr_closer_to_train_share"].label)
    for fig in figures.values():
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert not re.search(r"\w_\w", axis.title.text or ""), axis.title.text


def test_one_number_format_in_the_tables(adult):
    _, page = adult
    tables = _visible_text(page.split("<h2 id=\"tables\">", 1)[1].split("<h2 id=\"inputs\">", 1)[0])
    cells = re.findall(r"<td>([^<]*)</td>", tables)
    numeric = [c for c in cells if re.fullmatch(r"[-+]?[\d,]*\.?\d+(e[-+]?\d+)?%?", c)]
    assert numeric
    for cell in numeric:
        # A count in full, a percentage/points with two decimals, or three decimals.
        assert re.fullmatch(r"\d{1,3}(,\d{3})*|[-+]?\d+\.\d{2}%?|-?\d+\.\d{3}", cell), cell
    assert number(1.0) == "1.000" and number(0.36) == "0.360" and number(-0.000109) == "> -0.001"


def test_export_time_and_note_times_are_stamped(adult):
    _, page = adult
    stamps = re.search(r"<p class=\"muted\" id=\"stamps\">(.*?)</p>", page, flags=re.S).group(1)
    assert "Audited 2026-01-05 09:00:00 UTC" in stamps
    assert "exported 2026-01-07 08:15:00 UTC" in stamps
    notes = page.split("<h2 id='notes'>", 1)[1].split("</table>", 1)[0]
    assert "<th>written</th>" in notes and "<th>updated</th>" in notes
    assert notes.count("2026-01-06 14:30:00 UTC") == 2
    # The finding the note answers says when it was answered.
    findings = page.split("<h2 id='findings'>", 1)[1].split("</table>", 1)[0]
    assert "Reweighted the generator (ana, 2026-01-06 14:30:00 UTC)" in findings


def test_disparate_impact_chart_keeps_each_reference_bar(adult):
    report, _ = adult
    fig = dict((fid, fig) for fid, _, fig in report_figures(report))["impact"]
    real, synthetic = fig.data[:2]
    references = {f"{a.replace('&', ' & ')}: {g.replace('&', ' & ')} (reference)"
                  for a, g in report.disparate_impact[report.disparate_impact["dataset"] == "real"]
                  [["attribute", "reference_group"]].drop_duplicates().itertuples(index=False)}
    labels = list(real.y)
    assert references <= set(labels)
    for label in references:
        i = labels.index(label)
        assert real.x[i] == pytest.approx(1.0)
        # One reference for both sides (DESIGN): its own bar is 1 on the synthetic side too.
        assert synthetic.x[i] == pytest.approx(1.0)
