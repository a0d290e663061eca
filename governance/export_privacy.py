"""The Privacy section of the Markdown and HTML summaries: the same rows for both, escaped by each."""

from __future__ import annotations

import math

import pandas as pd

from fairsynth.governance.audit import AuditReport
from fairsynth.governance.tables import number
from fairsynth.privacy.measures import MEASURES, base_measure

OVERALL_HEADER = ["measure", "value", "95% CI", "reference", "risk", "n"]
# Measures shown per group in the summary table (the rest are in the JSON and CSV exports).
GROUP_MEASURES = ("exact_copy_rate", "dcr_closer_to_train_share", "k_share_below",
                  "singling_out_risk", "linkability_risk", "inference_risk")


def _num(value: object) -> str:
    # The summaries' one number rule (governance.tables.number), for ints stored as floats too.
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return number(float(value))


def _interval(row: pd.Series) -> str:
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return "-"
    return f"{_num(row['ci_low'])} to {_num(row['ci_high'])}"


def measure_label(measure: str) -> str:
    """The registry label of a measure row ("inference_risk:race" -> "Attribute-inference risk (race)")."""
    spec = MEASURES.get(base_measure(measure))
    label = spec.label if spec else measure
    return f"{label} ({measure.split(':', 1)[1]})" if ":" in measure else label


def privacy_intro(report: AuditReport) -> str:
    """One paragraph: what ran, on how many rows, and where the holdout came from."""
    status = report.status("privacy")
    if report.privacy is None or report.privacy.empty:
        why = f"{status.status}: {status.message}" if status else "not part of this audit"
        return f"Privacy was not measured ({why})."
    s = report.privacy_settings or {}
    attacks = report.status("privacy_attacks")
    attack_text = (f"anonymeter attacks ran ({s.get('n_attacks')} overall, {s.get('group_attacks')} "
                   "per group)." if attacks and attacks.status == "ok" else
                   f"the anonymeter attacks did not run: {attacks.message}."
                   if attacks else "")
    return (f"{s.get('holdout_note', '')} Distances on {s.get('sampled_synthetic_rows', 0):,} sampled "
            f"synthetic rows against {s.get('sampled_train_rows', 0):,} training and "
            f"{s.get('sampled_holdout_rows', 0):,} holdout rows (seed {s.get('random_state')}); "
            f"quasi-identifiers: {', '.join(map(str, s.get('quasi_identifiers', []))) or '-'}; "
            f"{attack_text}")


def overall_rows(privacy: pd.DataFrame) -> list[tuple[str, ...]]:
    """One row per overall measure: label, value, interval, reference, risk level, n."""
    rows = privacy[privacy["attribute"].isna()]
    return [(measure_label(r["measure"]), _num(r["value"]), _interval(r), _num(r["reference"]),
             str(r["risk_level"]), f"{int(r['n']):,}") for _, r in rows.iterrows()]


def group_table(privacy: pd.DataFrame) -> tuple[list[str], list[tuple[str, ...]]]:
    """Header and rows: one row per protected group, one cell per measure ("value [low-high] risk")."""
    groups = privacy[privacy["attribute"].notna()]
    measures = [m for m in GROUP_MEASURES if (groups["measure"] == m).any()]
    header = ["group", *(measure_label(m) for m in measures)]
    out = []
    keys = groups[["attribute", "group"]].drop_duplicates()
    for attribute, group in keys.itertuples(index=False):
        block = groups[(groups["attribute"] == attribute) & (groups["group"] == group)]
        block = block.set_index("measure")
        cells = []
        for m in measures:
            if m not in block.index:
                cells.append("-")
                continue
            r = block.loc[m]
            ci = "" if _interval(r) == "-" else f" [{_interval(r)}]"
            cells.append(f"{_num(r['value'])}{ci} {r['risk_level']}")
        out.append((f"{attribute} = {group}", *cells))
    return header, out
