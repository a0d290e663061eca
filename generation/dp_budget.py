"""Every statistic the DP synthesizer reads, released through OpenDP under one adaptive compositor.

The real table goes into OpenDP once, as delimited text; each release is an OpenDP measurement
(select a column, count or rank, add the library's noise) answered by an adaptive compositor
whose total is the requested (epsilon, delta). The compositor refuses a query over its share,
and every answered query is written to the ledger with the epsilon and delta OpenDP's privacy
map reports for it, so the ledger is the library's accounting, not ours.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from importlib import metadata
from types import SimpleNamespace

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import InvalidInputError

ENABLE_HINT = "install the optional extra: pip install 'fairsynth[dp]' (OpenDP 0.16)"
# Columns are joined with this byte in the text OpenDP reads; values never hold it (see `clean`).
DELIMITER = "\t"
PRIVACY_UNIT = "one row added or removed (symmetric distance 1)"


def opendp():
    """The OpenDP prelude with its contributed mechanisms enabled, or one sentence saying how to get it."""
    try:
        # The modules, not opendp.prelude: the prelude also imports OpenDP's scikit-learn extras (seconds).
        import opendp.combinators as c
        import opendp.measurements as m
        import opendp.measures as measures
        import opendp.mod as mod
        import opendp.transformations as t
    except ImportError as exc:
        raise InvalidInputError(f"Differentially private generation needs OpenDP: {ENABLE_HINT}.") from exc
    mod.enable_features("contrib")
    return SimpleNamespace(t=t, m=m, c=c, binary_search_param=mod.binary_search_param,
                           OpenDPException=mod.OpenDPException,
                           approximate=measures.approximate, max_divergence=measures.max_divergence)


def opendp_version() -> str | None:
    """The installed OpenDP version (None without the `dp` extra)."""
    try:
        return metadata.version("opendp")
    except metadata.PackageNotFoundError:
        return None


def clean(text: str) -> str:
    """A value as one delimited field (tabs and line breaks would split it)."""
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def check_budget(epsilon: float | None, delta: float | None) -> tuple[float, float]:
    """The (epsilon, delta) pair as floats, or one sentence saying why it is not a budget."""
    try:
        eps = float(epsilon)  # type: ignore[arg-type]
        dlt = 0.0 if delta is None else float(delta)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"epsilon must be a number > 0 and delta in [0, 1), not {epsilon!r}, {delta!r}.") from exc
    if not np.isfinite(eps) or eps <= 0:
        raise InvalidInputError(f"epsilon must be a finite number > 0, not {epsilon!r}.")
    if not np.isfinite(dlt) or not 0 <= dlt < 1:
        raise InvalidInputError(f"delta must be at least 0 and below 1, not {delta!r}.")
    return eps, dlt


@dataclass(frozen=True)
class LedgerEntry:
    """One released statistic: what, by which OpenDP mechanism, at which cost and noise scale."""

    statistic: str
    mechanism: str
    epsilon: float
    delta: float
    scale: float | None = None
    threshold: int | None = None


@dataclass
class PrivacyLedger:
    """The guarantee a DP output carries: budget, how it was split, what was declared public."""

    epsilon: float
    delta: float
    synthesizer: str = "FairSynth stratified-marginal DP synthesizer"
    library: str = "OpenDP"
    library_version: str | None = None
    composition: str = "OpenDP adaptive composition (make_adaptive_composition), basic composition of approximate DP"
    privacy_unit: str = PRIVACY_UNIT
    public: dict[str, str] = field(default_factory=dict)
    entries: list[LedgerEntry] = field(default_factory=list)
    total_reported: tuple[float, float] | None = None

    def spent(self) -> tuple[float, float]:
        """Sum of the answered queries' (epsilon, delta) as OpenDP mapped them."""
        return (float(sum(e.epsilon for e in self.entries)), float(sum(e.delta for e in self.entries)))

    def to_dict(self) -> dict:
        """Plain form for TOML, Parquet metadata, lineage and the report (no None: TOML has no null)."""
        spent = self.spent()
        out = {
            "guarantee": "differential privacy", "epsilon": self.epsilon, "delta": self.delta,
            "epsilon_spent": spent[0], "delta_spent": spent[1], "synthesizer": self.synthesizer,
            "library": self.library, "library_version": self.library_version or "",
            "composition": self.composition, "privacy_unit": self.privacy_unit,
            "public": dict(self.public),
            "split": [{k: v for k, v in e.__dict__.items() if v is not None} for e in self.entries],
        }
        if self.total_reported is not None:
            out["composition_map"] = list(self.total_reported)
        return out


def ledger_sentence(ledger: dict | None) -> str:
    """One sentence for the audit and the HTML summary: the formal guarantee, or that there is none."""
    if not ledger:
        return "No formal privacy guarantee: the synthetic data carries no differential-privacy ledger."
    public = ledger.get("public") or {}
    parts = [f"the {what}s of {', '.join(k for k, v in public.items() if v == what)}"
             for what in ("category domain", "value range") if what in public.values()]
    said = f"; declared public: {' and '.join(parts)}" if parts else "; nothing declared public"
    return (f"Generated with (epsilon={ledger['epsilon']:g}, delta={ledger['delta']:g})-differential "
            f"privacy by the {ledger.get('synthesizer', 'synthesizer')} on {ledger.get('library', 'OpenDP')} "
            f"{ledger.get('library_version', '')}, per {ledger.get('privacy_unit', PRIVACY_UNIT)}, "
            f"budget split over {len(ledger.get('split', []))} releases{said}.")


class Releaser:
    """The real table held inside an OpenDP adaptive compositor; each method spends one share."""

    def __init__(self, table: pd.DataFrame, shares: list[tuple[float, float]], ledger: PrivacyLedger):
        self.dp = opendp()
        self.columns = [str(c) for c in table.columns]
        text = table.to_csv(index=False, header=False, sep=DELIMITER, lineterminator="\n")
        with warnings.catch_warnings():
            # make_split_dataframe is deprecated in favour of Polars but still proven and tested.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._split = self.dp.t.make_split_dataframe(DELIMITER, self.columns)
        measure = self.dp.approximate(self.dp.max_divergence())
        self._compositor = self.dp.c.make_adaptive_composition(
            self._split.input_domain, self._split.input_metric, measure, d_in=1, d_mids=shares)
        total = tuple(float(x) for x in self._compositor.map(1))
        self._queries = self._compositor(text)
        self.ledger = ledger
        # Phases compose sequentially (basic composition): their OpenDP maps add up.
        before = ledger.total_reported or (0.0, 0.0)
        ledger.total_reported = (before[0] + total[0], before[1] + total[1])

    def _column(self, name: str, kind=str):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._split >> self.dp.t.make_select_column(name, kind)

    def _answer(self, measurement, entry: LedgerEntry):
        pure = str(measurement.output_measure).startswith("MaxDivergence")
        query = self.dp.c.make_approximate(measurement) if pure else measurement
        eps, dlt = (float(x) for x in query.map(1))
        try:
            result = self._queries(query)  # the compositor refuses a query over its share
        except self.dp.OpenDPException as exc:
            raise InvalidInputError(
                f"Refused by OpenDP's accounting: releasing the {entry.statistic} would spend "
                f"(epsilon={eps:g}, delta={dlt:g}), more than its share of the budget ({exc.message}).") from exc
        self.ledger.entries.append(LedgerEntry(**{**entry.__dict__, "epsilon": eps, "delta": dlt}))
        return result

    def counts(self, column: str, categories: list[str], epsilon: float, statistic: str) -> np.ndarray:
        """Noisy count of every listed category (plus none other) of one text column: Laplace on integers."""
        dp = self.dp
        base = self._column(column) >> dp.t.then_count_by_categories(categories=categories,
                                                                      null_category=False)
        scale = dp.binary_search_param(lambda s: base >> dp.m.then_laplace(scale=s), d_in=1, d_out=epsilon, T=float)
        values = self._answer(base >> dp.m.then_laplace(scale=scale),
                              LedgerEntry(statistic, "discrete Laplace (then_laplace on count_by_categories)",
                                          epsilon, 0.0, scale=scale))
        return np.asarray(values, dtype=float)

    def categories(self, column: str, epsilon: float, delta: float, statistic: str) -> list[str]:
        """The values of one text column kept by the stability histogram (noisy counts over a threshold)."""
        dp = self.dp
        if delta <= 0:
            raise InvalidInputError(
                f"Column '{column}' has no public category domain: declare it public in the settings "
                "(public = [...]) or give a delta > 0 so its categories can be released privately.")
        base = self._column(column) >> dp.t.then_count_by(TV=int)
        scale = 1.0 / epsilon
        threshold = dp.binary_search_param(
            lambda t: base >> dp.m.then_laplace_threshold(scale=scale, threshold=t),
            d_in=1, d_out=(epsilon, delta), T=int)
        kept = self._answer(base >> dp.m.then_laplace_threshold(scale=scale, threshold=threshold),
                            LedgerEntry(statistic, "Laplace threshold (stability histogram, count_by)",
                                        epsilon, delta, scale=scale, threshold=int(threshold)))
        return sorted(kept)

    def quantile(self, column: str, candidates: list[float], alpha: float, epsilon: float,
                 statistic: str) -> float:
        """One DP quantile of a numeric column over data-independent candidates (exponential mechanism)."""
        dp = self.dp
        base = (self._column(column) >> dp.t.then_cast_default(float)
                >> dp.t.then_impute_constant(0.0))
        scale = dp.binary_search_param(
            lambda s: base >> dp.m.then_private_quantile(dp.max_divergence(), candidates=candidates,
                                                         alpha=alpha, scale=s),
            d_in=1, d_out=epsilon, T=float)
        return float(self._answer(
            base >> dp.m.then_private_quantile(dp.max_divergence(), candidates=candidates, alpha=alpha,
                                               scale=scale),
            LedgerEntry(statistic, "private quantile (exponential mechanism)", epsilon, 0.0, scale=scale)))
