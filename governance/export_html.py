"""A single self-contained HTML summary: interactive offline charts, every user-supplied string escaped."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from fairsynth.governance.audit import AuditReport
from fairsynth.governance.charts import over_time as time_charts
from fairsynth.governance.charts import report as charts
from fairsynth.governance.export_lineage import LINEAGE_HEADER, lineage_rows, when
from fairsynth.governance.export_markdown import fmt, notes_by_finding, verdict
from fairsynth.governance.export_privacy import (
    OVERALL_HEADER,
    group_table,
    overall_rows,
    privacy_intro,
)
from fairsynth.governance.notes import utc_now
from fairsynth.governance.tables import NUMBER_RULE, TABLES, number

PRIVACY_CAPTIONS = {
    "exact_copy_rate": "Share of each protected group's sampled synthetic rows that copy a real "
                       "training row exactly, with 95% intervals; diamonds mark the same share "
                       "against the real holdout rows.",
    "dcr_closer_to_train_share": "Share of each group's synthetic rows closer to a training row than "
                                 "to a holdout row, with 95% intervals; 0.5 means no sign of "
                                 "memorisation.",
    "k_share_below": "Share of each group's synthetic rows in a quasi-identifier class smaller than "
                     "k: the rows that point at few people.",
    "singling_out_risk": "anonymeter singling-out risk per group with its 95% interval (0 = no "
                         "excess risk over unseen real rows).",
    "linkability_risk": "anonymeter linkability risk per group with its 95% interval (0 = no excess "
                        "risk over unseen real rows).",
    "inference_risk": "anonymeter inference risk of the worst secret column per group, with its 95% "
                      "interval (0 = no excess risk over unseen real rows).",
}
SEVERITY_COLORS = {"critical": "#7b1010", "high": "#c62828", "medium": "#e07b00", "low": "#7f7f7f"}
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1b1b1b;padding:0 1rem;line-height:1.45}
h1{font-size:1.7rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.92rem}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f6f8}.sev{color:#fff;border-radius:4px;padding:.1rem .45rem;font-weight:600}
.verdict{font-size:1.15rem;font-weight:700;padding:.6rem .9rem;border-radius:6px;display:inline-block}
.pass{background:#e8f5e9;color:#1b5e20}.fail{background:#ffebee;color:#b71c1c}.none{background:#eef}
.chart{min-height:360px;margin:1rem 0}.muted{color:#666}code{word-break:break-all}
.lineage td:nth-child(-n+2){white-space:nowrap;width:1%}details{margin:.8rem 0}summary{cursor:pointer;font-weight:600}pre{white-space:pre-wrap}
"""


def esc(value: object) -> str:
    """Text escaped for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no '<', '>', '&' or line separators survive literally."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def table(rows: Sequence[Sequence[object]], header: Sequence[str], *, raw_cols: Sequence[int] = ()) -> str:
    """An HTML table; every cell escaped except columns in `raw_cols` (markup we built ourselves)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if i in raw_cols else esc(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_figures(report: AuditReport) -> list[tuple[str, str, go.Figure]]:
    """(id, caption, figure) for every chart the report's tables allow."""
    out = []
    if report.subgroup_gaps is not None and not report.subgroup_gaps.empty:
        out.append(("gaps", "Share of each subgroup in the synthetic minus the real data, in percentage "
                    "points, with 95% intervals: bars left of zero are under-represented groups.",
                    charts.gap_figure(report.subgroup_gaps)))
    if report.disparate_impact is not None and not report.disparate_impact.empty:
        out.append(("impact", "Each group's selection rate relative to the reference group's (whose own bar "
                    "is 1), real beside synthetic; under the dashed 0.8 line the four-fifths rule "
                    "fails.",
                    charts.impact_figure(report.disparate_impact)))
    if report.fidelity is not None and not report.fidelity.empty:
        out.append(("fidelity", "How closely each synthetic column follows the real one (1 - KS or "
                    "total variation distance); red bars are under 0.9.",
                    charts.fidelity_figure(report.fidelity)))
    if report.drift is not None and not report.drift.empty:
        out.append(("drift", "Which column drifted in which time window against the reference.",
                    charts.drift_figure(report.drift)))
    if report.dataset_drift is not None and not report.dataset_drift.empty:
        out.append(("dataset-drift", "Share of drifted columns per window; at or above the dashed line "
                    "the whole dataset counts as drifted.",
                    charts.dataset_drift_figure(report.dataset_drift)))
    out += _over_time_figures(report)
    privacy = report.privacy
    if privacy is not None and not privacy.empty:
        groups = privacy[privacy["attribute"].notna()]
        for measure in charts.PRIVACY_CHART_MEASURES:
            if (groups["measure"] == measure).any():
                out.append((f"privacy-{measure.replace('_', '-')}", PRIVACY_CAPTIONS[measure],
                            charts.privacy_figure(privacy, measure)))
    return out


def _over_time_figures(report: AuditReport) -> list[tuple[str, str, go.Figure]]:
    """Share and disparate impact per window for every protected attribute alone."""
    out = []
    shares, impact = report.subgroups_over_time, report.impact_over_time
    for i, attribute in enumerate(report.roles.protected):
        if shares is not None and not shares.empty:
            out.append((f"shares-over-time-{i}", f"Share of each {attribute} group per time window; "
                        "solid lines are the real data, dashed the synthetic data's windows.",
                        time_charts.window_share_figure(shares, attribute)))
        if impact is not None and (impact["attribute"] == attribute).any():
            out.append((f"impact-over-time-{i}", f"Each {attribute} group's selection rate relative "
                        "to the reference group per window; under the dotted 0.8 line the "
                        "four-fifths rule fails.", time_charts.window_impact_figure(impact, attribute)))
    return out


def _findings(report: AuditReport) -> str:
    if not report.findings:
        return "<p>No finding: the synthetic data matches the real data on every check run.</p>"
    notes = notes_by_finding(report)
    rows = []
    for f in report.findings:
        badge = f'<span class="sev" style="background:{SEVERITY_COLORS[f.severity]}">{esc(f.severity)}</span>'
        answered = "; ".join(f"{n.status}: {n.action} ({n.owner or 'no owner'}, {when(n.updated)})"
                             for n in notes.get(f.code, []))
        rows.append((badge, f.sentence, answered or "no note yet", f.code))
    return table(rows, ["severity", "finding", "mitigation", "code"], raw_cols=(0,))


def _sections(report: AuditReport) -> list[str]:
    out = []
    if report.policy is not None:
        rows = [("pass" if c.passed else "FAIL" if c.passed is False else "n/a", c.name, fmt(c.value),
                 fmt(c.threshold), c.explanation) for c in report.policy.checks]
        out.append("<h2 id='policy'>Policy checks</h2>"
                   + table(rows, ["result", "check", "value", "threshold", "explanation"]))
    out.append("<h2 id='findings'>Findings</h2>" + _findings(report))
    note_rows = [(n.finding_code or "(free note)", n.action, n.owner, n.status, n.rationale,
                  when(n.created), when(n.updated)) for n in report.notes]
    out.append("<h2 id='notes'>Mitigation notes</h2>" + (
        table(note_rows, ["finding", "action", "owner", "status", "rationale", "written", "updated"])
        if note_rows else "<p class='muted'>No mitigation note yet.</p>"))
    return out


def _chart_blocks(figures: list[tuple[str, str, go.Figure]], nonce: str) -> str:
    blocks = []
    for fid, caption, fig in figures:
        payload = script_json(json.loads(fig.to_json()))
        blocks.append(
            f"<div class='chart' id='chart-{fid}'></div><p class='muted'>{esc(caption)}</p>"
            f"<script type='application/json' id='chart-{fid}-data' nonce='{nonce}'>{payload}</script>")
    return "\n".join(blocks)


def _tables(report: AuditReport) -> str:
    """Every declared table's summary (governance.tables); privacy has a section of its own."""
    out = []
    for spec in TABLES.values():
        frame = report.tables.get(spec.key)
        if spec.generic_summary and frame is not None and not frame.empty:
            heading, header, rows = spec.summary(frame)
            out.append(f"<h3>{esc(heading)}</h3>" + table(rows, header))
    return "\n".join(out)


def _privacy(report: AuditReport, figures: list[tuple[str, str, go.Figure]], nonce: str) -> str:
    out = [f"<p>{esc(privacy_intro(report))}</p>"]
    privacy = report.privacy
    if privacy is not None and not privacy.empty:
        out.append(table(overall_rows(privacy), OVERALL_HEADER))
        header, rows = group_table(privacy)
        if rows:
            out.append("<h3>Per protected group (value [95% CI] risk level)</h3>" + table(rows, header))
        out.append(_chart_blocks(figures, nonce))
    return "\n".join(out)


def _lineage(report: AuditReport) -> str:
    """The lineage as a table, and the raw record in a collapsed block for whoever needs it."""
    raw = esc(json.dumps(report.lineage, indent=2, ensure_ascii=False, default=str))
    return ("<div class='lineage'>" + table(lineage_rows(report.lineage), LINEAGE_HEADER) + "</div>"
            + "<details id='lineage-json'><summary>The lineage record as JSON</summary>"
            f"<pre><code>{raw}</code></pre></details>")


def to_html(report: AuditReport, *, exported_at: str | None = None) -> str:
    """The summary as one HTML document that works offline (plotly.js inlined once).

    `exported_at` (default now) is stamped beside the audit's own time: notes written after the
    audit are part of the export, so the export is at least as recent as every note it holds.
    """
    exported_at = exported_at or utc_now()
    real, synth = report.inputs["real"], report.inputs["synthetic"]
    figures = report_figures(report)
    # The privacy charts sit in the Privacy section beside their table; the rest under Charts.
    privacy_figures = [f for f in figures if f[0].startswith("privacy-")]
    main_figures = [f for f in figures if not f[0].startswith("privacy-")]
    # The nonce only has to differ from anything an attacker could guess in advance; a digest of
    # the report's inputs and time keeps the same report byte-identical across exports.
    nonce = hashlib.sha256(f"{report.created_at}{real['sha256']}{synth['sha256']}".encode()).hexdigest()[:24]
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}' 'unsafe-eval'; "
           "style-src 'unsafe-inline'; img-src data: blob:; font-src data:")
    state = "none" if report.policy is None else ("pass" if report.policy.passed else "fail")
    inputs = table([(side, info["path"], f"{info['rows']:,}", info["columns"], info["sha256"])
                    for side, info in report.inputs.items()],
                   ["side", "file", "rows", "columns", "sha256"])
    roles = table([(k, ", ".join(v) if isinstance(v, list) else fmt(v))
                   for k, v in report.roles.to_dict().items()], ["role", "column(s)"])
    parts = table([(p.part, p.status, p.message, f"{number(float(p.seconds))} s") for p in report.parts],
                  ["part", "status", "detail", "time"])
    plotly_js = "" if not figures else f"<script nonce='{nonce}'>{get_plotlyjs()}</script>"
    draw = "" if not figures else f"""<script nonce='{nonce}'>
document.querySelectorAll('div.chart').forEach(function (el) {{
  var fig = JSON.parse(document.getElementById(el.id + '-data').textContent);
  Plotly.newPlot(el, fig.data, fig.layout, {{responsive: true, displaylogo: false}});
}});
</script>"""
    title = f"FairSynth audit: {esc(real['path'])} vs {esc(synth['path'])}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{CSS}</style></head>
<body>
<h1>{title}</h1>
<p class="muted" id="stamps">Audited {esc(when(report.created_at))} &middot; exported {esc(when(exported_at))}
&middot; FairSynth {esc(report.lineage.get('fairsynth_version'))} &middot; {len(report.findings)} finding(s)
&middot; {len(report.notes)} note(s)</p>
<p class="verdict {state}">{esc(verdict(report))}</p>
{''.join(_sections(report))}
<h2 id="charts">Charts</h2>
{_chart_blocks(main_figures, nonce) if main_figures else "<p class='muted'>No chart: no table to draw.</p>"}
<h2 id="tables">Tables</h2>
<p class="muted">{esc(NUMBER_RULE)}</p>
{_tables(report)}
<h2 id="privacy">Privacy</h2>
{_privacy(report, privacy_figures, nonce)}
<h2 id="inputs">Inputs and roles</h2>
{inputs}{roles}
<h2 id="parts">Audit parts</h2>
{parts}
<h2 id="lineage">Lineage</h2>
{_lineage(report)}
{plotly_js}
{draw}
</body></html>
"""
