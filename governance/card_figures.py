"""The figures a dataset card quotes, read from an audit's report JSON (report_to_dict's shape).

Each function reads the report's own tables, so the card says what the audit said: disparate
impact through `impact_summary` when the report has it (each side's four-fifths view), else the
same view derived from `disparate_impact` rows with at least `min_count` rows.
"""

from __future__ import annotations

import math
from itertools import groupby

DEFAULT_MIN_COUNT = 30
FOUR_FIFTHS = 0.8


def _number(value) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def min_count(report: dict) -> int:
    options = (report.get("lineage") or {}).get("audit_options") or {}
    return int(options.get("min_count") or DEFAULT_MIN_COUNT)


def fidelity_summary(report: dict) -> dict | None:
    """Per-column fidelity over the whole table: mean score, lowest column and its score."""
    rows = [r for r in report.get("fidelity") or []
            if r.get("attribute") is None and _number(r.get("score")) is not None]
    if not rows:
        return None
    lowest = min(rows, key=lambda r: r["score"])
    return {"columns": len(rows), "mean_score": sum(r["score"] for r in rows) / len(rows),
            "lowest_score": float(lowest["score"]), "lowest_column": str(lowest["column"]),
            "lowest_metric": lowest.get("metric")}


def representativeness_summary(report: dict) -> dict | None:
    """Subgroup shares: the largest |gap|, the groups under the minimum count, groups on one side only."""
    rows = report.get("subgroup_gaps") or []
    if not rows:
        return None
    measured = [r for r in rows if _number(r.get("gap")) is not None]
    largest = max(measured, key=lambda r: abs(r["gap"]), default=None)
    return {
        "groups": len(rows), "min_count": min_count(report),
        "largest_abs_gap": None if largest is None else abs(float(largest["gap"])),
        "largest_gap_group": None if largest is None else _label(largest),
        "largest_gap_real_share": None if largest is None else largest.get("real_share"),
        "largest_gap_synthetic_share": None if largest is None else largest.get("synthetic_share"),
        "small_groups": [_label(r) for r in rows if r.get("small")],
        "one_side_only": [f"{_label(r)} ({r['missing_side']} side has none)" for r in rows
                          if r.get("missing_side")],
    }


def _label(row: dict) -> str:
    attributes = row.get("attributes") or []
    return f"{' & '.join(attributes)} = {str(row.get('group')).replace('&', ' & ')}"


def impact_summary(report: dict) -> list[dict]:
    """Each side's four-fifths view per attribute: lowest and highest group rate, their ratio."""
    table = report.get("impact_summary")
    if table:
        return [{k: r.get(k) for k in ("dataset", "attribute", "lowest_group", "highest_group",
                                        "min_max_ratio", "passes_four_fifths", "n")} for r in table]
    least = min_count(report)
    rows = [r for r in report.get("disparate_impact") or []
            if _number(r.get("selection_rate")) is not None and (r.get("n") or 0) >= least]
    out = []
    key = lambda r: (str(r["dataset"]), str(r["attribute"]))  # noqa: E731
    for (dataset, attribute), part in groupby(sorted(rows, key=key), key=key):
        part = list(part)
        low = min(part, key=lambda r: (r["selection_rate"], str(r["group"])))
        high = max(part, key=lambda r: (r["selection_rate"], str(r["group"])))
        ratio = low["selection_rate"] / high["selection_rate"] if high["selection_rate"] else None
        out.append({"dataset": dataset, "attribute": attribute, "lowest_group": low["group"],
                    "highest_group": high["group"], "min_max_ratio": ratio,
                    "passes_four_fifths": None if ratio is None else ratio >= FOUR_FIFTHS,
                    "n": sum(int(r.get("n") or 0) for r in part)})
    return out


def largest_impact_change(report: dict) -> dict | None:
    """The group whose disparate impact moved most from the real to the synthetic data."""
    rows = [r for r in report.get("impact_change") or [] if _number(r.get("change")) is not None]
    if not rows:
        return None
    top = max(rows, key=lambda r: abs(r["change"]))
    return {k: top.get(k) for k in ("attribute", "group", "real_ratio", "synthetic_ratio", "change")}


def privacy_summary(report: dict) -> list[dict]:
    """The overall privacy measures (not per group) with their risk level."""
    return [{k: r.get(k) for k in ("measure", "value", "reference", "risk_level", "n")}
            for r in report.get("privacy") or [] if r.get("attribute") is None]


def drift_summary(report: dict) -> dict | None:
    """Windows with dataset drift, and the latest window's staleness against the synthetic data."""
    windows = report.get("dataset_drift") or []
    if not windows:
        return None
    drifted = [w for w in windows if w.get("dataset_drift")]
    stale = report.get("staleness") or []
    latest = next((w for w in stale if w.get("latest")), None)
    best = next((w for w in stale if w.get("best_match")), None)
    return {"windows": len(windows), "drifted_windows": len(drifted),
            "largest_drifted_share": max((_number(w.get("drifted_share")) or 0.0 for w in windows),
                                         default=0.0),
            "latest_window": None if latest is None else latest.get("window"),
            "latest_drifted_share": None if latest is None else latest.get("drifted_share"),
            "best_match_window": None if best is None else best.get("window")}


def findings_of(report: dict, kinds: tuple[str, ...]) -> list[str]:
    """The sentences of the report's findings of these kinds, most severe first (as the report orders them)."""
    return [str(f.get("sentence")) for f in report.get("findings") or [] if f.get("kind") in kinds]
