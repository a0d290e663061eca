"""A dataset card (governance.card) as Markdown, self-contained HTML or Croissant JSON-LD.

Markdown and HTML draw the same sections (`card_sections`), so they cannot say different things;
every registry or user string is escaped on the way out (Markdown: `md`, HTML: html.escape).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import atomic_write
from fairsynth.governance.card import NO_GUARANTEE, lineage_steps
from fairsynth.governance.card_croissant import card_croissant
from fairsynth.governance.export_markdown import fmt, md, md_table

FORMATS = (".md", ".html", ".jsonld")
Block = tuple  # ("p", text) | ("list", [text]) | ("table", header, rows)


def _settings_rows(settings: dict) -> list[tuple[str, str]]:
    rows = []
    for key, value in settings.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) or "as in the real data"
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "-"
        rows.append((key, fmt(value)))
    return rows


def card_sections(card: dict) -> list[tuple[str, list[Block]]]:
    """The card as (heading, blocks) sections, in reading order."""
    v, p, method, audit = card["version"], card["project"], card["method"], card["audit"]
    sections: list[tuple[str, list[Block]]] = [("Dataset", [("table", ["field", "value"], [
        ("project", p["name"]), ("version", v["id"]), ("kind", v["kind"]), ("state", v["state"]),
        ("sha256", v["sha256"]), ("rows x columns", f"{v['rows']} x {v['columns']}"),
        ("file", v["source_name"]), ("registered", f"{v['registered_by']} at {v['registered_at']}"),
        ("card written", card["generated_at"])])])]
    sections.append(("Purpose and uses", [
        ("p", p["purpose"]), ("table", ["charter", "value"], [
            ("intended uses", ", ".join(p["uses"]) or "-"),
            ("audiences", ", ".join(p["audiences"]) or "-"), ("owner", p["owner"]),
            ("decisions by", p["approver_role"]),
            ("review cadence", f"{p['review_days']} days" if p["review_days"] else "none set"),
            ("policy version", p["policy_version"])])]))
    blocks: list[Block] = [("p", method["generator"] or "No generation settings were recorded "
                            "with this version or its audit.")]
    if method["settings"] is not None:
        blocks.append(("table", ["parameter", "value"], _settings_rows(method["settings"])))
        blocks.append(("p", f"Settings {method['settings_source']}; seed {fmt(method['seed'])}."))
    if method["approval"]:
        a = method["approval"]
        blocks.append(("p", f"Approved configuration {a.get('name')}, approved by "
                       f"{a.get('approved_by')} at {a.get('approved_at')} on data with sha256 "
                       f"{a.get('dataset_sha256')}."))
    sections.append(("Method and parameters", blocks))
    budget = card["privacy_budget"]
    privacy: list[Block] = [("p", NO_GUARANTEE if budget is None else "Privacy budget: " + ", ".join(
        f"{k} = {fmt(val)}" for k, val in budget.items()))]
    if audit and audit["privacy"]:
        privacy.append(("table", ["measure", "value", "reference", "risk"], [
            (r["measure"], fmt(r["value"]), fmt(r["reference"]), fmt(r["risk_level"]))
            for r in audit["privacy"]]))
    sections.append(("Privacy", privacy))
    sections.append(("Latest audit", _audit_blocks(audit)))
    sections.append(("Known biases", [("list", card["biases"])]))
    sections.append(("Limitations", [("list", card["limitations"])]))
    decisions: list[Block] = [("table", ["decision", "by", "role", "at", "check", "reason"], [
        (d["kind"], d["by"], fmt(d["role"]), d["at"], fmt(d["check"]), d["reason"])
        for d in card["decisions"]]) if card["decisions"] else ("p", "No decision yet.")]
    decisions.append(("p", "Approvers: " + (", ".join(card["approvers"]) or "none yet") + "."))
    if card["open_concerns"]:
        decisions.append(("list", [f"{'Blocking' if c['blocking'] else 'Open'} concern by "
                                   f"{c['by']} ({c['at']}): {c['text']}" for c in card["open_concerns"]]))
    sections.append(("Decisions and approvers", decisions))
    sections.append(("Lineage", [("list", lineage_steps(card))]))
    return sections


def _audit_blocks(audit: dict | None) -> list[Block]:
    if audit is None:
        return [("p", "No audit has been recorded for this version.")]
    verdict = {True: "passed", False: "failed", None: "no policy"}[audit["policy_passed"]]
    out: list[Block] = [("p", f"Audit run {audit['id']} by {audit['by']} at {audit['at']}: policy "
                         f"{verdict} ({fmt(audit['policy_source'])}); {audit['findings']} finding(s).")]
    rows = []
    if audit["fidelity"]:
        f = audit["fidelity"]
        rows += [("fidelity: mean column score", fmt(f["mean_score"])),
                 ("fidelity: lowest column", f"{f['lowest_column']} ({fmt(f['lowest_score'])})")]
    if audit["representativeness"]:
        r = audit["representativeness"]
        rows += [("representativeness: largest share gap",
                  f"{fmt(r['largest_abs_gap'])} ({fmt(r['largest_gap_group'])})"),
                 (f"representativeness: groups under {r['min_count']} rows", len(r["small_groups"]))]
    if audit["impact_change"]:
        c = audit["impact_change"]
        rows.append(("disparate impact: largest change", f"{fmt(c['change'])} ({c['attribute']} = "
                     f"{c['group']}: real {fmt(c['real_ratio'])}, synthetic {fmt(c['synthetic_ratio'])})"))
    out.append(("table", ["figure", "value"], rows))
    if audit["impact"]:
        out.append(("table", ["side", "attribute", "lowest group", "highest group",
                              "lowest / highest rate", "four-fifths"], [
            (r["dataset"], r["attribute"], r["lowest_group"], r["highest_group"],
             fmt(r["min_max_ratio"]), fmt(r["passes_four_fifths"])) for r in audit["impact"]]))
    if audit["checks"]:
        out.append(("table", ["policy check", "value", "threshold", "passed"], [
            (c["name"], fmt(c["value"]), fmt(c["threshold"]), fmt(c["passed"]))
            for c in audit["checks"]]))
    return out


def card_markdown(card: dict) -> str:
    v, p = card["version"], card["project"]
    parts = [f"# Synthetic dataset card: {md(p['name'])}, version {v['id']}"]
    for heading, blocks in card_sections(card):
        parts.append(f"## {md(heading)}")
        for block in blocks:
            if block[0] == "p":
                parts.append(md(block[1]))
            elif block[0] == "list":
                parts.append("\n".join(f"- {md(item)}" for item in block[1]))
            elif block[2]:
                parts.append(md_table(block[2], block[1]))
    return "\n\n".join(parts) + "\n"


CSS = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
       "color:#1f2933;line-height:1.45}table{border-collapse:collapse;margin:.5rem 0 1rem}"
       "td,th{border:1px solid #cbd2d9;padding:.25rem .5rem;text-align:left;vertical-align:top}"
       "th{background:#f0f4f8}code{word-break:break-all}")


def card_html(card: dict) -> str:
    esc = lambda value: html.escape(str(value), quote=True)  # noqa: E731
    v, p = card["version"], card["project"]
    title = f"Synthetic dataset card: {p['name']}, version {v['id']}"
    body = [f"<h1>{esc(title)}</h1>"]
    for heading, blocks in card_sections(card):
        body.append(f"<h2>{esc(heading)}</h2>")
        for block in blocks:
            if block[0] == "p":
                body.append(f"<p>{esc(block[1])}</p>")
            elif block[0] == "list":
                body.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block[1]) + "</ul>")
            elif block[2]:
                head = "".join(f"<th>{esc(h)}</th>" for h in block[1])
                rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                               for row in block[2])
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}"
            f"</title><style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_card(card: dict, out: Path) -> Path:
    """Write the card in the format `out`'s extension names (.md, .html, .jsonld)."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInputError(f"--out {out.name}: a card is written as {', '.join(FORMATS)}.")
    if not out.parent.is_dir():
        raise InvalidInputError(f"Cannot write '{out}': the folder {out.parent} does not exist.")
    if suffix == ".jsonld":
        # <, > and & as JSON escapes: the same JSON, and safe inside an HTML <script> block.
        text = (json.dumps(card_croissant(card), indent=2, ensure_ascii=False)
                .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")) + "\n"
    else:
        text = card_markdown(card) if suffix == ".md" else card_html(card)
    atomic_write(out, text.encode("utf-8"), private=False)
    return out
