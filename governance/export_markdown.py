"""Markdown summary of an AuditReport: verdict, findings with their notes, policy, tables, lineage."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from fairsynth.governance.audit import AuditReport
from fairsynth.governance.export_privacy import (
    OVERALL_HEADER,
    group_table,
    overall_rows,
    privacy_intro,
)
from fairsynth.governance.tables import TABLES, number

# Markdown syntax characters escaped in user text (after html.escape, since renderers allow raw HTML).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md(text: object) -> str:
    """User-supplied text made inert in Markdown: HTML escaped, syntax characters backslashed, one line."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def md_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A pipe table; every cell escaped."""
    lines = ["| " + " | ".join(md(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: object) -> str:
    """A value by the summaries' one number rule (governance.tables.number); missing as a dash."""
    return number(value)


def verdict(report: AuditReport) -> str:
    """One line: the policy verdict, or that no policy was given."""
    if report.policy is None:
        return "No policy given: findings only."
    failed = len(report.policy.failed)
    return "Policy PASSED." if report.policy.passed else f"Policy FAILED ({failed} check(s) failed)."


def notes_by_finding(report: AuditReport) -> dict[str | None, list]:
    """Notes grouped by the finding they answer (None = free notes)."""
    out: dict[str | None, list] = {}
    for note in report.notes:
        out.setdefault(note.finding_code, []).append(note)
    return out


def to_markdown(report: AuditReport) -> str:
    """The summary as Markdown text."""
    real, synth = report.inputs["real"], report.inputs["synthetic"]
    parts = [
        f"# FairSynth audit: {md(real['path'])} vs {md(synth['path'])}",
        f"Created {md(report.created_at)}. **{verdict(report)}** "
        f"{len(report.findings)} finding(s).",
        "## Inputs",
        md_table([(side, info["path"], f"{info['rows']:,}", info["columns"], info["sha256"])
                  for side, info in report.inputs.items()],
                 ["side", "file", "rows", "columns", "sha256"]),
        "## Roles",
        md_table([(k, ", ".join(v) if isinstance(v, list) else fmt(v))
                  for k, v in report.roles.to_dict().items()], ["role", "column(s)"]),
    ]
    if report.policy is not None:
        parts += ["## Policy", md_table(
            [("pass" if c.passed else "FAIL" if c.passed is False else "n/a", c.name,
              fmt(c.value), fmt(c.threshold), c.explanation) for c in report.policy.checks],
            ["result", "check", "value", "threshold", "explanation"])]
    notes = notes_by_finding(report)
    parts.append("## Findings")
    if report.findings:
        parts.append(md_table(
            [(f.severity, f.sentence, "; ".join(f"{n.status}: {n.action}" for n in notes.get(f.code, []))
              or "no note", f.code) for f in report.findings],
            ["severity", "finding", "mitigation", "code"]))
    else:
        parts.append("No finding: the synthetic data matches the real data on every check run.")
    parts.append("## Mitigation notes")
    if report.notes:
        parts.append(md_table(
            [(n.finding_code or "(free note)", n.action, n.owner, n.status, n.rationale, n.updated)
             for n in report.notes],
            ["finding", "action", "owner", "status", "rationale", "updated"]))
    else:
        parts.append("No mitigation note yet.")
    parts += _tables(report)
    parts += ["## Audit parts", md_table(
        [(p.part, p.status, p.message, f"{p.seconds:.2f} s") for p in report.parts],
        ["part", "status", "detail", "time"])]
    lineage = report.lineage
    parts += ["## Lineage", md_table(
        [("FairSynth", fmt(lineage.get("fairsynth_version"))),
         ("Python", fmt(lineage.get("python_version")))]
        + [(name, fmt(v)) for name, v in lineage.get("packages", {}).items()]
        + ([("generator seed", str(lineage["generator"]["seed"]))] if lineage.get("generator") else [])
        + _approval_rows((lineage.get("generator") or {}).get("approval")),
        ["software", "version"])]
    return "\n\n".join(parts) + "\n"


def _approval_rows(approval: dict | None) -> list[tuple[str, str]]:
    """The approved configuration the generator settings name: which, by whom, when, on which data."""
    if not approval:
        return []
    data = "this real data" if approval.get("tried_on_real_input") else \
        f"other data (sha256 {str(approval.get('dataset_sha256'))[:12]})"
    return [("approved configuration", f"{fmt(approval.get('name'))}, approved by "
             f"{fmt(approval.get('approved_by'))} at {fmt(approval.get('approved_at'))} on {data}")]


def _tables(report: AuditReport) -> list[str]:
    """Every declared table's summary (governance.tables), then the privacy section."""
    out = []
    for spec in TABLES.values():
        frame = report.tables.get(spec.key)
        if spec.generic_summary and frame is not None and not frame.empty:
            heading, header, rows = spec.summary(frame)
            out += [f"## {heading}", md_table(rows, header)]
    out += privacy_section(report)
    return out


def privacy_section(report: AuditReport) -> list[str]:
    """The Privacy section: what ran, the overall measures, and each protected group's values.

    Markdown carries no chart; the group table holds the numbers the HTML summary draws.
    """
    out = ["## Privacy", md(privacy_intro(report))]
    privacy = report.privacy
    if privacy is None or privacy.empty:
        return out
    out.append(md_table(overall_rows(privacy), OVERALL_HEADER))
    header, rows = group_table(privacy)
    if rows:
        out += ["### Privacy per protected group (value [95% CI] risk level)", md_table(rows, header)]
    return out
