"""A synthetic dataset card per registered version: what it is for, how it was made, what its latest
audit measured, what it cannot be trusted for, who decided what, and where it came from.

`build_card` reads the registry (charter, version, its real seed, audits, decisions, concerns) and
the latest audit's report JSON into one plain dict; `governance.card_render` writes it as Markdown
or HTML and `governance.card_croissant` as Croissant JSON-LD. Every figure is the report's own.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime

from sqlalchemy import select

from fairsynth.governance.card_figures import (
    drift_summary,
    fidelity_summary,
    findings_of,
    impact_summary,
    largest_impact_change,
    min_count,
    privacy_summary,
    representativeness_summary,
)
from fairsynth.governance.registry import queries as q
from fairsynth.governance.registry.schema import audits
from fairsynth.governance.registry.store import Registry

METHOD = ("FairSynth conditional synthesizer: a Gaussian copula per protected group, with the "
          "group shares and favourable-outcome rates met by count")
NO_GUARANTEE = ("No formal privacy guarantee: the generator is not differentially private and "
                "no privacy budget was recorded; the privacy figures below are measured risks.")
SYNTHETIC_CAVEAT = ("Every row is a sample from a model of the real seed: no row describes a real "
                    "person, and relations the model does not capture (beyond pairwise "
                    "correlations within a group) may be missing.")
BIAS_KINDS = ("disparate_impact", "share_gap", "subgroup_gap", "impact_over_time", "missing_group")
VERSION_KEYS = ("id", "kind", "sha256", "rows", "columns", "source_name", "uri", "state",
                "state_changed_at", "registered_by", "registered_at", "seed", "parent_id")


def build_card(registry: Registry, ref: str | int, *, now: datetime | None = None) -> dict:
    """Everything a card says about the version `ref` names (id, file path or sha256 prefix)."""
    parsed = q.parse_ref(ref)
    with registry.engine.connect() as connection:
        row = q.resolve_version(connection, parsed)
        details = q.version_details(connection, row)
        charter = dict(q.project_by_id(connection, row["project_id"]))
        parent = q.version_by_id(connection, row["parent_id"]) if row["parent_id"] else None
        side = audits.c.synthetic_version_id if row["kind"] == "synthetic" else audits.c.real_version_id
        runs = [dict(a) for a in connection.execute(select(audits).where(side == row["id"])
                                                    .order_by(audits.c.id)).mappings()]
        history = q.version_history(connection, row["id"])
    report = json.loads(runs[-1]["report_json"]) if runs else {}
    now = now or datetime.now(UTC)
    roles_by_decision = {e["payload"].get("decision_id"): e["role"] for e in history
                         if e["payload"].get("decision_id") is not None}
    decisions = [{"kind": d["kind"], "reason": d["reason"], "check": d["check_name"],
                  "audit_id": d["audit_id"], "by": d["decided_by"],
                  "role": roles_by_decision.get(d["id"]), "at": d["decided_at"]}
                 for d in details["decisions"]]
    card = {
        "generated_at": now.isoformat(timespec="seconds"),
        "version": {k: row[k] for k in VERSION_KEYS},
        "project": _charter(charter),
        "parent": None if parent is None else {k: parent[k] for k in
                                               ("id", "sha256", "rows", "columns", "source_name")},
        "method": _method(row, report),
        "privacy_budget": _ledger(row["privacy_ledger"]),
        "audit": _audit(runs[-1], report) if runs else None,
        "audits": [_audit_line(a) for a in runs],
        "decisions": decisions,
        "approvers": sorted({d["by"] for d in decisions if d["kind"] in ("approve", "waive")}),
        "open_concerns": [{"text": c["text"], "blocking": bool(c["blocking"]), "by": c["filed_by"],
                           "at": c["filed_at"]} for c in details["open_concerns"]],
        "protected": list((report.get("roles") or {}).get("protected") or []),
        "quasi_identifiers": list(((report.get("lineage") or {}).get("privacy_settings") or {})
                                  .get("quasi_identifiers") or []),
    }
    card["biases"] = _biases(card, report)
    card["limitations"] = _limitations(card, report, now)
    return card


def _charter(charter: dict) -> dict:
    return {"name": charter["name"], "purpose": charter["purpose"],
            "uses": json.loads(charter["uses"]), "audiences": json.loads(charter["audiences"]),
            "owner": charter["owner"], "policy_version": charter["policy_version"],
            "approver_role": charter["approver_role"], "review_days": charter["review_days"]}


def _method(row, report: dict) -> dict:
    """How the version was made: the settings recorded with the file, else those the audit was given."""
    settings, source = None, None
    if row["settings"]:
        try:
            settings, source = tomllib.loads(row["settings"]), "recorded with the file"
        except tomllib.TOMLDecodeError:
            settings, source = {"text": row["settings"]}, "recorded with the file (not TOML)"
    generator = (report.get("lineage") or {}).get("generator") or {}
    if settings is None and generator.get("settings"):
        settings, source = dict(generator["settings"]), "given to the audit"
    approval = (settings or {}).pop("approval", None) or generator.get("approval")
    return {"generator": METHOD if settings is not None else None, "settings": settings,
            "settings_source": source, "seed": row["seed"] if row["seed"] is not None
            else (settings or {}).get("seed"), "approval": approval}


def _ledger(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def _audit_line(run: dict) -> dict:
    return {"id": run["id"], "at": run["run_at"], "by": run["run_by"],
            "policy_passed": run["policy_passed"],
            "failed_checks": json.loads(run["failed_checks"]),
            "lowest_disparate_impact": run["lowest_disparate_impact"],
            "largest_share_gap": run["largest_share_gap"],
            "lowest_fidelity": run["lowest_fidelity"]}


def _audit(run: dict, report: dict) -> dict:
    policy = report.get("policy") or {}
    return {**_audit_line(run), "policy_source": run["policy_source"],
            "fairsynth_version": run["fairsynth_version"], "min_count": min_count(report),
            "checks": [{k: c.get(k) for k in ("name", "value", "threshold", "passed", "explanation")}
                       for c in policy.get("checks") or []],
            "fidelity": fidelity_summary(report),
            "representativeness": representativeness_summary(report),
            "impact": impact_summary(report), "impact_change": largest_impact_change(report),
            "privacy": privacy_summary(report), "drift": drift_summary(report),
            "findings": len(report.get("findings") or [])}


def _biases(card: dict, report: dict) -> list[str]:
    """Disparities the latest audit found in the synthetic data (each side's four-fifths view first)."""
    audit = card["audit"]
    if audit is None:
        return ["Not audited yet: its biases are unknown."]
    out = [f"{r['attribute']}: {r['lowest_group']} is selected {r['min_max_ratio']:.2f} times as "
           f"often as {r['highest_group']} in the synthetic data (four-fifths rule: "
           f"{'passes' if r['passes_four_fifths'] else 'fails'})."
           for r in audit["impact"] if r["dataset"] == "synthetic" and r["min_max_ratio"] is not None
           and not r["passes_four_fifths"]]
    rep = audit["representativeness"]
    if rep and rep["largest_abs_gap"]:
        out.append(f"Largest subgroup share gap: {rep['largest_gap_group']}, "
                   f"{rep['largest_abs_gap']:.3f} (synthetic {rep['largest_gap_synthetic_share']:.3f} "
                   f"vs real {rep['largest_gap_real_share']:.3f}).")
    out += findings_of(report, BIAS_KINDS)
    return out or ["The latest audit found no disparity below the four-fifths line and no share gap."]


def _limitations(card: dict, report: dict, now: datetime) -> list[str]:
    """What the data cannot be trusted for: small groups, drift, staleness, failed checks, age."""
    out = [SYNTHETIC_CAVEAT]
    audit = card["audit"]
    if audit is None:
        return [*out, "No audit has been recorded for this version."]
    rep = audit["representativeness"]
    if rep and rep["small_groups"]:
        shown = ", ".join(rep["small_groups"][:8]) + (" and more" if len(rep["small_groups"]) > 8 else "")
        out.append(f"{len(rep['small_groups'])} subgroup(s) have fewer than {rep['min_count']} real "
                   f"rows, so their figures are noisy: {shown}.")
    if rep and rep["one_side_only"]:
        out.append("Groups present on one side only: " + ", ".join(rep["one_side_only"]) + ".")
    drift = audit["drift"]
    if drift is None:
        out.append("No time column: drift over time and staleness were not measured.")
    else:
        out.append(f"Dataset drift in {drift['drifted_windows']} of {drift['windows']} time windows "
                   f"(up to {drift['largest_drifted_share']:.0%} of columns drifted).")
        if drift["latest_window"] is not None and drift["latest_drifted_share"] is not None:
            out.append(f"Staleness: against the latest real window ({drift['latest_window']}), "
                       f"{drift['latest_drifted_share']:.0%} of columns drifted; the synthetic data "
                       f"matches {drift['best_match_window']} best.")
    if audit["failed_checks"]:
        out.append("The latest audit failed: " + ", ".join(audit["failed_checks"]) + ".")
    if audit["at"]:
        age = (now - datetime.fromisoformat(audit["at"])).days
        cadence = card["project"]["review_days"]
        due = f"; the charter asks for a review every {cadence} days" if cadence else ""
        late = " (overdue)" if cadence and age > cadence else ""
        out.append(f"The latest audit is {age} day(s) old{late}{due}.")
    return out


def lineage_steps(card: dict) -> list[str]:
    """Real seed -> settings and privacy budget -> this version -> audits -> decisions, one line each."""
    parent, v, method = card["parent"], card["version"], card["method"]
    steps = [f"Real seed: version {parent['id']} ({parent['source_name']}, {parent['rows']} rows, "
             f"sha256 {parent['sha256']})" if parent else "Real seed: not recorded"]
    settings = method["settings"] or {}
    approval = method["approval"] or {}
    steps.append(f"Settings: seed {_fmt(method['seed'])}, conditioning "
                 f"{', '.join(settings.get('conditioning') or []) or '-'}"
                 + (f", approved configuration {approval.get('name')} ({approval.get('approved_by')})"
                    if approval else "")
                 + "; privacy budget " + ("none (no formal guarantee)" if card["privacy_budget"] is None
                                          else "recorded"))
    steps.append(f"Synthetic version {v['id']} ({v['source_name']}, sha256 {v['sha256']}), "
                 f"registered by {v['registered_by']} at {v['registered_at']}")
    steps += [f"Audit {a['id']} at {a['at']} by {a['by']}: policy "
              f"{ {True: 'passed', False: 'failed', None: 'none'}[a['policy_passed']] }"
              for a in card["audits"]]
    steps += [f"Decision {d['kind']} by {d['by']} ({_fmt(d['role'])}) at {d['at']}" for d in card["decisions"]]
    return steps


def _fmt(value: object) -> str:
    return "-" if value is None else str(value)
