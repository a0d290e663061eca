"""One call that runs every engine on a pair and returns the AuditReport the pages and exports share."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import pandas as pd

from fairsynth.foundation.errors import FairSynthError, InvalidInputError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import Roles
from fairsynth.foundation.windows import FREQS
from fairsynth.governance.findings import Finding, draft_findings
from fairsynth.governance.lineage import build_lineage, input_record
from fairsynth.governance.notes import MitigationNote, utc_now
from fairsynth.governance.policy import Policy, PolicyResult, PolicyTables, evaluate_policy

DRIFT_REFERENCES = ("first", "window", "previous", "synthetic")
PARTS = ("subgroup_gaps", "disparate_impact", "group_metrics", "fidelity", "drift", "utility",
         "privacy", "privacy_attacks")
Progress = Callable[[float, str], None]
# Same default as privacy.report.DEFAULT_SAMPLE_SIZE (a test keeps them equal), so the audit and the
# Privacy page report the same numbers; written out so a broken privacy engine fails only its part.
PRIVACY_SAMPLE_SIZE = 5_000
# Measure rows of the anonymeter attacks (inference has one row per secret, "inference_risk:<col>").
ATTACK_MEASURES = ("singling_out_risk", "linkability_risk", "inference_risk")
# Rows to split off a holdout: privacy.holdout.MIN_ROWS_PER_SIDE on each side.
PRIVACY_MIN_REAL_ROWS = 40


@dataclass(frozen=True)
class AuditOptions:
    """What the audit computes: counts, groups, references, windows and which optional parts run."""

    min_count: int = 30
    max_order: int = 3
    # Reference group per attribute for disparate impact, e.g. (("sex", "Male"),); empty = highest rate.
    reference: tuple[tuple[str, str], ...] = ()
    freq: str = "M"
    drift_reference: str = "first"
    drift_reference_window: str | None = None
    include_fidelity: bool = True
    include_group_metrics: bool = True
    include_drift: bool = True
    include_tstr: bool = False
    # Distance-based privacy (exact copies, DCR, NNDR, k-anonymity): a few seconds, on by default.
    include_privacy: bool = True
    # anonymeter singling-out, linkability and inference attacks: ~20-30 s on Adult, opt in.
    privacy_attacks: bool = False
    # None = the privacy engine's default (protected attributes plus age- and zip-like columns).
    privacy_quasi_identifiers: tuple[str, ...] | None = None
    privacy_sample_size: int = PRIVACY_SAMPLE_SIZE
    privacy_random_state: int = 0
    # anonymeter attacks overall and per protected group (privacy.report defaults 500 and 200).
    privacy_n_attacks: int = 500
    privacy_group_attacks: int = 200

    def __post_init__(self) -> None:
        ref = self.reference.items() if isinstance(self.reference, Mapping) else self.reference
        object.__setattr__(self, "reference", tuple((str(a), str(g)) for a, g in ref))
        if self.privacy_quasi_identifiers is not None:
            qis = self.privacy_quasi_identifiers
            object.__setattr__(self, "privacy_quasi_identifiers",
                               (qis,) if isinstance(qis, str) else tuple(str(c) for c in qis))
        size = self.privacy_sample_size
        if isinstance(size, bool) or int(size) != size or size < 50:
            raise InvalidInputError(
                f"privacy_sample_size must be a whole number of at least 50, not {size!r}.")
        for name, low in (("privacy_random_state", 0), ("privacy_n_attacks", 1),
                          ("privacy_group_attacks", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InvalidInputError(f"{name} must be a whole number of at least {low}, not {value!r}.")
        if isinstance(self.min_count, bool) or int(self.min_count) != self.min_count or self.min_count < 1:
            raise InvalidInputError(f"min_count must be a whole number of at least 1, not {self.min_count!r}.")
        if self.max_order not in (1, 2, 3):
            raise InvalidInputError(f"max_order must be 1, 2 or 3, not {self.max_order!r}.")
        if self.freq not in FREQS:
            raise InvalidInputError(f"Unknown window frequency '{self.freq}'. Available: {', '.join(FREQS)}.")
        if self.drift_reference not in DRIFT_REFERENCES:
            raise InvalidInputError(
                f"Unknown drift reference '{self.drift_reference}'. Available: {', '.join(DRIFT_REFERENCES)}.")

    def to_dict(self) -> dict:
        """JSON-ready form (the reference as a mapping)."""
        data = asdict(self)
        data["reference"] = dict(self.reference)
        if self.privacy_quasi_identifiers is not None:
            data["privacy_quasi_identifiers"] = list(self.privacy_quasi_identifiers)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditOptions:
        """Inverse of `to_dict`; unknown keys are refused with the valid ones listed."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise InvalidInputError(f"Unknown audit option(s) {', '.join(unknown)}; valid: {', '.join(names)}.")
        return cls(**data)


@dataclass(frozen=True)
class PartStatus:
    """How one part of the audit went: ok, skipped (with why) or error (with the message)."""

    part: str
    status: str
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, eq=False)
class AuditReport:
    """Every result of one audit (None = part not run; see `parts`), its findings, notes, lineage, policy."""

    created_at: str
    inputs: dict
    roles: Roles
    options: AuditOptions
    parts: tuple[PartStatus, ...]
    subgroup_gaps: pd.DataFrame | None = None
    disparate_impact: pd.DataFrame | None = None
    impact_change: pd.DataFrame | None = None
    group_metrics: pd.DataFrame | None = None
    fidelity: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    dataset_drift: pd.DataFrame | None = None
    utility: pd.DataFrame | None = None
    # privacy.report.GROUP_COLUMNS: overall rows (attribute/group None) then per protected group;
    # the attack rows are there only when the privacy_attacks part ran.
    privacy: pd.DataFrame | None = None
    # Sample sizes, seed, holdout source, quasi-identifiers and secrets that made `privacy`.
    privacy_settings: dict | None = None
    findings: tuple[Finding, ...] = ()
    notes: tuple[MitigationNote, ...] = ()
    lineage: dict = field(default_factory=dict)
    policy: PolicyResult | None = None

    @property
    def errors(self) -> dict[str, str]:
        """Part -> error message, for the parts that failed."""
        return {p.part: p.message for p in self.parts if p.status == "error"}

    def status(self, part: str) -> PartStatus | None:
        """The status of one part, or None if the audit has no such part."""
        return next((p for p in self.parts if p.part == part), None)

    def policy_tables(self) -> PolicyTables:
        """The tables a policy reads, with why any of them is missing."""
        missing = {p.part: f"{p.status}: {p.message}" for p in self.parts if p.status != "ok"}
        if "drift" in missing:
            missing["dataset_drift"] = missing["drift"]
        distance, attacks = split_privacy(self.privacy)
        return PolicyTables(
            subgroup_gaps=self.subgroup_gaps, disparate_impact=self.disparate_impact,
            impact_change=self.impact_change, fidelity=self.fidelity,
            dataset_drift=self.dataset_drift, min_count=self.options.min_count, missing=missing,
            privacy=None if "privacy" in missing else distance,
            privacy_attacks=None if "privacy_attacks" in missing else attacks)

    def with_policy(self, policy: Policy | None) -> AuditReport:
        """The same report checked against another policy (no engine runs again)."""
        result = None if policy is None else evaluate_policy(policy, self.policy_tables())
        return replace(self, policy=result)

    def with_notes(self, notes: Iterable[MitigationNote]) -> AuditReport:
        """The same report with these mitigation notes (no engine runs again)."""
        return replace(self, notes=tuple(notes))

    @property
    def passed(self) -> bool | None:
        """The policy verdict, or None without a policy."""
        return None if self.policy is None else self.policy.passed


def split_privacy(table: pd.DataFrame | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The privacy table split into distance-based rows and anonymeter attack rows."""
    if table is None:
        return None, None
    attack = table["measure"].str.split(":").str[0].isin(ATTACK_MEASURES)
    return table[~attack].reset_index(drop=True), table[attack].reset_index(drop=True)


# Parts that read the rows themselves: a pair held in DuckDB or Spark (engines.sql.SqlPair) gives counts only.
IN_MEMORY_PARTS = ("utility", "privacy", "privacy_attacks")


def _skip_reason(part: str, pair: DatasetPair, options: AuditOptions) -> str | None:
    roles = pair.roles
    if part in IN_MEMORY_PARTS and not isinstance(pair, DatasetPair):
        return (f"needs the tables in memory; the {getattr(pair, 'engine', 'SQL')} engine "
                "computes counts only")
    if part in ("privacy", "privacy_attacks"):
        return _privacy_skip_reason(part, pair, options)
    if part in ("subgroup_gaps", "disparate_impact", "group_metrics") and not roles.protected:
        return "no protected attribute is set"
    if part in ("disparate_impact", "group_metrics", "utility") and (
            not roles.target or roles.favorable is None):
        return "no target column with a favourable value is set"
    if part == "group_metrics" and not roles.prediction:
        return "no prediction column is set"
    if part == "group_metrics" and not options.include_group_metrics:
        return "turned off in the audit options"
    if part == "fidelity" and not options.include_fidelity:
        return "turned off in the audit options"
    if part == "drift" and not roles.time:
        return "no time column is set"
    if part == "drift" and not options.include_drift:
        return "turned off in the audit options"
    if part == "utility" and not options.include_tstr:
        return "turned off in the audit options (train-on-synthetic is slow)"
    return None


def _privacy_skip_reason(part: str, pair: DatasetPair, options: AuditOptions) -> str | None:
    if not options.include_privacy:
        return "privacy is turned off in the audit options"
    if part == "privacy_attacks" and not options.privacy_attacks:
        return "turned off in the audit options (the anonymeter attacks are slow; opt in to run them)"
    if not pair.analysis_columns:
        return "no shared column to compare"
    if len(pair.real) < PRIVACY_MIN_REAL_ROWS:
        return (f"the real data has {len(pair.real)} rows; at least {PRIVACY_MIN_REAL_ROWS} are "
                "needed to split off a holdout")
    if options.privacy_quasi_identifiers is None and not _default_qis(pair):
        return ("no quasi-identifier: set a protected attribute or choose quasi-identifier "
                "columns in the audit options")
    return None


def _default_qis(pair: DatasetPair) -> list[str]:
    from fairsynth.privacy.kanon import default_quasi_identifiers
    return default_quasi_identifiers(pair.analysis_columns, pair.roles.protected)


def _privacy(pair: DatasetPair, options: AuditOptions, *, attacks: bool) -> dict[str, Any]:
    from fairsynth.privacy.report import privacy_risk
    qis = options.privacy_quasi_identifiers
    result = privacy_risk(pair, quasi_identifiers=None if qis is None else list(qis),
                          sample_size=options.privacy_sample_size, attacks=attacks,
                          n_attacks=options.privacy_n_attacks,
                          group_attacks=options.privacy_group_attacks,
                          random_state=options.privacy_random_state)
    table = pd.DataFrame(result.to_records())
    distance, attack_rows = split_privacy(table)
    settings = {**result.settings, "holdout_note": result.holdout_note, "notes": list(result.notes),
                "real_holdout_match_rate": _real_match_rate(pair, result.settings)}
    if attacks:
        from importlib import metadata
        settings["anonymeter_version"] = metadata.version("anonymeter")
        return {"privacy_attacks": attack_rows, "privacy_attack_settings": settings}
    return {"privacy": distance, "privacy_settings": settings}


def _real_match_rate(pair: DatasetPair, settings: Mapping[str, Any]) -> float:
    """Share of real holdout rows identical to a real training row: the chance baseline of copies.

    Real people share whole rows when the columns are few and coarse (8% in COMPAS, 0.1% in
    Adult); a synthetic copy rate at that level is no sign of memorisation. Hashing every row
    of the same seeded split the privacy engine used is cheap at any size.
    """
    import numpy as np

    from fairsynth.privacy.distance import row_hashes
    from fairsynth.privacy.holdout import split_holdout

    split = split_holdout(pair.real.reset_index(drop=True), holdout_fraction=settings["holdout_fraction"],
                          random_state=settings["random_state"])
    columns = settings["columns"]
    return float(np.isin(row_hashes(split.holdout, columns), row_hashes(split.train, columns)).mean())


def _compute(part: str, pair: DatasetPair, options: AuditOptions) -> dict[str, Any]:
    # Engines are imported here so a missing or broken engine fails only its own part.
    reference = dict(options.reference) or None
    if part == "subgroup_gaps":
        from fairsynth.fairness.subgroups import subgroup_gaps
        return {part: subgroup_gaps(pair, min_count=options.min_count, max_order=options.max_order)}
    if part == "disparate_impact":
        from fairsynth.fairness.impact import change_from_impact, disparate_impact
        impact = disparate_impact(pair, reference=reference, max_order=options.max_order)
        return {part: impact, "impact_change": change_from_impact(impact)}
    if part == "group_metrics":
        from fairsynth.fairness.impact import group_metrics
        return {part: group_metrics(pair, max_order=options.max_order)}
    if part == "fidelity":
        from fairsynth.fairness.fidelity import column_fidelity
        return {part: column_fidelity(pair, by_group=True)}
    if part == "drift":
        from fairsynth.drift.timeline import dataset_drift, drift_over_time
        drift = drift_over_time(pair, freq=options.freq, reference=options.drift_reference,
                                reference_window=options.drift_reference_window,
                                min_rows=options.min_count)
        return {part: drift, "dataset_drift": dataset_drift(drift)}
    if part == "utility":
        from fairsynth.fairness.utility import tstr
        return {part: tstr(pair)}
    if part == "privacy":
        return _privacy(pair, options, attacks=False)
    if part == "privacy_attacks":
        # privacy_risk measures the distances again (~2 s beside the attacks' ~25 s), which keeps
        # this part independent: a missing anonymeter fails it alone, not the exact-copy checks.
        return _privacy(pair, options, attacks=True)
    raise InvalidInputError(f"Unknown audit part '{part}'. Available: {', '.join(PARTS)}.")


def run_audit(
    pair: DatasetPair,
    *,
    options: AuditOptions | Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    notes: Iterable[MitigationNote] = (),
    generator_settings: Any = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Run every applicable engine on `pair`, draft the findings and check the policy.

    `pair` may also be an engines.sql.SqlPair (files held in DuckDB or Spark): the counting parts
    run there and the parts that need the rows in memory are skipped with the reason.

    A part whose role is absent (no target, no time column) is skipped with the reason; a
    part that raises is recorded as an error (and a finding) while the others still run.
    `options` may be a mapping (from `AuditOptions.to_dict`), so cached UI calls stay JSON-able.

    Examples
    --------
    >>> from governance.samples import load_sample
    >>> report = run_audit(load_sample("adult"))  # doctest: +SKIP
    >>> report.findings[0].sentence  # doctest: +SKIP
    """
    if options is None:
        options = AuditOptions()
    elif not isinstance(options, AuditOptions):
        options = AuditOptions.from_dict(options)
    tables: dict[str, Any] = {}
    statuses = []
    for i, part in enumerate(PARTS):
        if progress is not None:
            progress(i / len(PARTS), part.replace("_", " "))
        reason = _skip_reason(part, pair, options)
        if reason:
            statuses.append(PartStatus(part, "skipped", reason))
            continue
        start = time.perf_counter()
        try:
            tables.update(_compute(part, pair, options))
        except (FairSynthError, ValueError, KeyError, ImportError, ArithmeticError, TypeError) as exc:
            # SDMetrics style: one failing part is recorded, the rest of the audit still runs.
            message = str(exc) or type(exc).__name__
            statuses.append(PartStatus(part, "error", message, time.perf_counter() - start))
            continue
        statuses.append(PartStatus(part, "ok", "", time.perf_counter() - start))
    if progress is not None:
        progress(1.0, "findings")
    errors = {s.part: s.message for s in statuses if s.status == "error"}
    privacy, privacy_settings = _merge_privacy(tables)
    findings = draft_findings(
        subgroup_gaps=tables.get("subgroup_gaps"), disparate_impact=tables.get("disparate_impact"),
        fidelity=tables.get("fidelity"), drift=tables.get("drift"),
        dataset_drift=tables.get("dataset_drift"), privacy=privacy,
        privacy_settings=privacy_settings, errors=errors, min_count=options.min_count,
        freq=options.freq)
    created = utc_now()
    lineage = build_lineage(pair, generator_settings=generator_settings, now=created, extra={
        "audit_options": options.to_dict(),
        "engine": getattr(pair, "engine", "pandas"),
        "parts": [asdict(s) for s in statuses],
        "privacy_settings": privacy_settings,
    })
    report = AuditReport(
        created_at=created, inputs=input_record(pair), roles=pair.roles, options=options,
        parts=tuple(statuses), findings=findings, notes=tuple(notes), lineage=lineage,
        **{k: tables.get(k) for k in ("subgroup_gaps", "disparate_impact", "impact_change",
                                      "group_metrics", "fidelity", "drift", "dataset_drift",
                                      "utility")},
        privacy=privacy, privacy_settings=privacy_settings,
    )
    return report.with_policy(policy)


def _merge_privacy(tables: Mapping[str, Any]) -> tuple[pd.DataFrame | None, dict | None]:
    """One privacy table (distance rows, then attack rows) and the settings that made it."""
    distance, attacks = tables.get("privacy"), tables.get("privacy_attacks")
    settings = tables.get("privacy_settings") or tables.get("privacy_attack_settings")
    if attacks is not None:
        attack_settings = tables["privacy_attack_settings"]
        settings = {**settings, **{k: attack_settings[k] for k in (
            "n_attacks", "group_attacks", "linkability_split", "anonymeter_version")}}
        settings["notes"] = attack_settings["notes"]
    frames = [t for t in (distance, attacks) if t is not None]
    if not frames:
        return None, settings
    return pd.concat(frames, ignore_index=True), settings
