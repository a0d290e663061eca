"""Every audit part declared once: its name, the tables it writes, why it may be skipped, how it runs.

`run_audit` walks `PARTS` in order; the exports and the policy read the tables they name
(governance.tables). Adding a part is one entry here (and its tables in governance.tables).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pandas as pd

from fairsynth.drift import over_time, timeline
from fairsynth.engines import as_counter, prefetch_columns
from fairsynth.fairness import fidelity, impact, subgroups, utility
from fairsynth.foundation.errors import FairSynthError, InvalidInputError
from fairsynth.governance.options import AuditOptions
from fairsynth.governance.tables import TABLES
from fairsynth.privacy import kanon
from fairsynth.privacy import report as privacy_report

# Measure rows of the anonymeter attacks (inference has one row per secret, "inference_risk:<col>").
ATTACK_MEASURES = ("singling_out_risk", "linkability_risk", "inference_risk")
# Rows to split off a holdout: privacy.holdout.MIN_ROWS_PER_SIDE on each side.
PRIVACY_MIN_REAL_ROWS = 40
TURNED_OFF = "turned off in the audit options"

Skip = Callable[[Any, AuditOptions], "str | None"]
Compute = Callable[[Any, AuditOptions], Mapping[str, Any]]


@dataclass(frozen=True)
class PartSpec:
    """One part of the audit: the tables it writes, why it may not run, and how it runs."""

    name: str
    tables: tuple[str, ...]
    skip: Skip
    compute: Compute
    # True: the part reads rows, not counts; on a DuckDB/Spark pair it runs on the engine's sample.
    needs_rows: bool = False
    # True: in memory, the part runs beside the parts that only count: a row part on the audit's
    # second thread; one that counts too (fairness over time) on whichever thread is free first
    # (governance.audit). Counts it shares with them (cells, windows) are made once: the counter
    # holds one lock per result (the audit alone 0.37 s against 0.43 s without privacy; issue 17).
    beside: bool = False

    def __post_init__(self) -> None:
        unknown = [t for t in self.tables if t not in TABLES]
        if unknown:
            raise ValueError(f"part {self.name} writes undeclared tables {unknown}")


def _needs_protected(pair, options) -> str | None:
    return None if pair.roles.protected else "no protected attribute is set"


def _needs_outcome(pair, options) -> str | None:
    if not pair.roles.target or pair.roles.favorable is None:
        return "no target column with a favorable value is set"
    return _needs_protected(pair, options)


def _skip_group_metrics(pair, options) -> str | None:
    if not options.include_group_metrics:
        return TURNED_OFF
    return _needs_outcome(pair, options) or (
        None if pair.roles.prediction else "no prediction column is set")


def _skip_fidelity(pair, options) -> str | None:
    return None if options.include_fidelity else TURNED_OFF


def _skip_drift(pair, options) -> str | None:
    if not options.include_drift:
        return TURNED_OFF
    return None if pair.roles.time else "no time column is set"


def _skip_over_time(pair, options) -> str | None:
    return _skip_drift(pair, options) or _needs_protected(pair, options)


def _skip_utility(pair, options) -> str | None:
    if not options.include_tstr:
        return f"{TURNED_OFF} (train-on-synthetic is slow)"
    if not pair.roles.target or pair.roles.favorable is None:
        return "no target column with a favorable value is set"
    return None


def _skip_privacy(pair, options) -> str | None:
    if not options.include_privacy:
        return "privacy is turned off in the audit options"
    if not pair.analysis_columns:
        return "no shared column to compare"
    if len(pair.real) < PRIVACY_MIN_REAL_ROWS:
        return (f"the real data has {len(pair.real)} rows; at least {PRIVACY_MIN_REAL_ROWS} are "
                "needed to split off a holdout")
    if options.privacy_quasi_identifiers is None and not kanon.default_quasi_identifiers(
            pair.analysis_columns, pair.roles.protected):
        return ("no quasi-identifier: set a protected attribute or choose quasi-identifier "
                "columns in the audit options")
    return None


def _skip_attacks(pair, options) -> str | None:
    if options.include_privacy and not options.privacy_attacks:
        return f"{TURNED_OFF} (the anonymeter attacks are slow; opt in to run them)"
    return _skip_privacy(pair, options)


def _subgroup_gaps(pair, options) -> dict[str, Any]:
    return {"subgroup_gaps": subgroups.subgroup_gaps(pair, min_count=options.min_count,
                                                     max_order=options.max_order)}


def _disparate_impact(pair, options) -> dict[str, Any]:
    table = impact.disparate_impact(pair, reference=dict(options.reference) or None,
                                    max_order=options.max_order, min_count=options.min_count)
    return {"disparate_impact": table,
            "impact_summary": impact.impact_summary(table, min_count=options.min_count),
            "impact_change": impact.change_from_impact(table)}


def _group_metrics(pair, options) -> dict[str, Any]:
    return {"group_metrics": impact.group_metrics(pair, max_order=options.max_order)}


def _fidelity(pair, options) -> dict[str, Any]:
    if _skip_drift(pair, options) is None:
        _count_windows_ahead(pair, options)
    return {"fidelity": fidelity.column_fidelity(pair, by_group=True)}


def _count_windows_ahead(pair, options) -> None:
    """Count every column with its windows now, for drift and fairness over time later: one pass
    per column gives both counts (on a 1M-row pair ~35 ms less CPU than a column's counts now and
    its window counts later). A time column that cannot be windowed is drift's error to report."""
    counter = as_counter(pair)
    try:
        prefetch_columns(counter, counter.analysis_columns, freq=options.freq, n_windows=None,
                         min_rows=options.min_count)
    except FairSynthError:
        pass


def _drift(pair, options) -> dict[str, Any]:
    table = timeline.drift_over_time(pair, freq=options.freq, reference=options.drift_reference,
                                     reference_window=options.drift_reference_window,
                                     min_rows=options.min_count)
    return {"drift": table, "dataset_drift": timeline.dataset_drift(table)}


def _fairness_over_time(pair, options) -> dict[str, Any]:
    out = over_time.fairness_over_time(pair, freq=options.freq, min_rows=options.min_count,
                                       min_count=options.min_count, max_order=options.max_order,
                                       reference=dict(options.reference) or None)
    return {"subgroups_over_time": out.shares, "impact_over_time": out.impact,
            "staleness": out.staleness, "note": "; ".join(out.notes)}


def _utility(pair, options) -> dict[str, Any]:
    return {"utility": utility.tstr(pair, max_order=options.max_order)}


def split_privacy(table: pd.DataFrame | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The privacy table split into distance-based rows and anonymeter attack rows."""
    if table is None:
        return None, None
    attack = table["measure"].str.split(":").str[0].isin(ATTACK_MEASURES)
    return table[~attack].reset_index(drop=True), table[attack].reset_index(drop=True)


def _privacy(pair, options, *, attacks: bool) -> dict[str, Any]:
    qis = options.privacy_quasi_identifiers
    result = privacy_report.privacy_risk(
        pair, quasi_identifiers=None if qis is None else list(qis),
        sample_size=options.privacy_sample_size, attacks=attacks,
        n_attacks=options.privacy_n_attacks, group_attacks=options.privacy_group_attacks,
        random_state=options.privacy_random_state)
    distance_rows, attack_rows = split_privacy(pd.DataFrame(result.to_records()))
    # real_holdout_match_rate: share of real holdout rows identical to a real training row, the
    # chance baseline of copies (real people share whole rows when the columns are few and coarse:
    # 8% in COMPAS, 0.1% in Adult); a synthetic copy rate at that level is no sign of memorisation.
    settings = {**result.settings, "holdout_note": result.holdout_note, "notes": list(result.notes),
                "real_holdout_match_rate": result.real_match_rate}
    # A large pair's distances ran on smaller samples: the part's status says so.
    note = result.sample_note
    if attacks:
        settings["anonymeter_version"] = metadata.version("anonymeter")
        return {"privacy_attacks": attack_rows, "privacy_attack_settings": settings, "note": note}
    return {"privacy": distance_rows, "privacy_settings": settings, "note": note}


PARTS: tuple[PartSpec, ...] = (
    PartSpec("subgroup_gaps", ("subgroup_gaps",), _needs_protected, _subgroup_gaps),
    PartSpec("disparate_impact", ("disparate_impact", "impact_summary", "impact_change"),
             _needs_outcome, _disparate_impact),
    PartSpec("group_metrics", ("group_metrics",), _skip_group_metrics, _group_metrics),
    PartSpec("fidelity", ("fidelity",), _skip_fidelity, _fidelity),
    PartSpec("drift", ("drift", "dataset_drift"), _skip_drift, _drift),
    PartSpec("fairness_over_time", ("subgroups_over_time", "impact_over_time", "staleness"),
             _skip_over_time, _fairness_over_time, beside=True),
    PartSpec("utility", ("utility",), _skip_utility, _utility, needs_rows=True, beside=True),
    PartSpec("privacy", ("privacy",), _skip_privacy,
             lambda pair, options: _privacy(pair, options, attacks=False), needs_rows=True,
             beside=True),
    # privacy_risk measures the distances again (~2 s beside the attacks' ~25 s), which keeps this
    # part independent: a missing anonymeter fails it alone, not the exact-copy checks.
    PartSpec("privacy_attacks", ("privacy",), _skip_attacks,
             lambda pair, options: _privacy(pair, options, attacks=True), needs_rows=True,
             beside=True),
)
PART_NAMES = tuple(p.name for p in PARTS)


def part(name: str) -> PartSpec:
    """The declaration of one part; an unknown name lists the available ones."""
    for spec in PARTS:
        if spec.name == name:
            return spec
    raise InvalidInputError(f"Unknown audit part '{name}'. Available: {', '.join(PART_NAMES)}.")
