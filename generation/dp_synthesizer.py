"""A differentially private synthesizer: noisy stratum counts and per-stratum marginals, via OpenDP.

What it reads from the real data, and only through OpenDP (generation/dp_budget.py):
1. domains (phase 1, skipped for columns declared public): a category column's values by a
   stability histogram (needs delta > 0), a numeric column's range by two private quantiles;
2. counts (phase 2): the stratum counts (conditioning x target) and, per other column, its
   histogram within every stratum (Laplace on each cell).
Dependence structure: columns are independent given the stratum. That is a data-independent
choice, so it costs no budget, and it keeps exactly what fairness needs (shares, outcome rates,
within-group marginals) while spending nothing on pairs of non-protected columns.
Sampling is post-processing of the released numbers, so it keeps the guarantee.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.foundation.codes import MISSING, value_text
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import is_number
from fairsynth.generation.dp_budget import (
    PrivacyLedger,
    Releaser,
    check_budget,
    clean,
    opendp_version,
)
from fairsynth.generation.plan import plan_counts
from fairsynth.generation.settings import GenerationSettings

# Budget split, written down: domains (when any is not public) get DOMAIN_SHARE of epsilon and
# all of delta; of the rest, the stratum counts get STRATA_SHARE and the columns share the remainder.
DOMAIN_SHARE = 0.1
STRATA_SHARE = 0.2
NUMERIC_BINS = 16
# An integer column with at most this many values in its range keeps one bin per value.
MAX_INTEGER_LEVELS = 24
# Pseudo-rows of the pooled (all-strata) histogram added to each stratum's: post-processing that
# steadies small strata, whose own noisy histogram is mostly noise at small epsilon.
POOLED_PRIOR_ROWS = 10.0
# Quantiles that stand for the range of a numeric column that is not declared public.
RANGE_QUANTILES = (0.01, 0.99)
PUBLIC_ALL = "*"


def _grid() -> list[float]:
    """Candidate range ends, fixed before any data is seen: 0 and +-m*10^k."""
    mant = (1, 2, 5)
    pos = sorted({round(m * 10.0 ** k, 6) for k in range(-3, 10) for m in mant})
    return [-x for x in reversed(pos)] + [0.0] + pos


class DPSynthesizer:
    """Stratified-marginal synthesizer under (epsilon, delta)-DP; the ledger says how it was spent."""

    def __init__(self, *, conditioning: tuple[str, ...] = (), target: str | None = None,
                 favorable: str | None = None, epsilon: float = 1.0, delta: float = 0.0,
                 public: tuple[str, ...] = (), random_state: int = 0):
        self.conditioning = tuple(conditioning)
        self.target = target
        self.favorable = favorable
        self.epsilon = epsilon
        self.delta = delta
        self.public = tuple(public)
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, real: pd.DataFrame) -> DPSynthesizer:
        """Release the domains and counts through OpenDP; `real` is read only inside OpenDP after this check."""
        eps, dlt = check_budget(self.epsilon, self.delta)
        if not isinstance(real, pd.DataFrame) or len(real) == 0:
            raise InvalidInputError("The synthesizer needs a real table with at least one row.")
        self.keys_ = [*self.conditioning, *([self.target] if self.target else [])]
        missing = [c for c in self.keys_ if c not in real.columns]
        if missing:
            raise InvalidInputError(f"Column(s) not in the real table: {', '.join(missing)}.")
        unknown = [c for c in self.public if c != PUBLIC_ALL and c not in real.columns]
        if unknown:
            raise InvalidInputError(f"Public column(s) not in the real table: {', '.join(unknown)}.")
        self.columns_ = [str(c) for c in real.columns]
        self.dtypes_ = real.dtypes.to_dict()
        self.others_ = [c for c in self.columns_ if c not in self.keys_]
        self.numeric_ = {c for c in self.others_ if is_number(real[c])}
        public = set(self.columns_) if PUBLIC_ALL in self.public else set(self.public)
        self.ledger_ = PrivacyLedger(epsilon=eps, delta=dlt, library_version=opendp_version())
        private = [c for c in self.columns_ if c not in public]
        domain_eps = DOMAIN_SHARE * eps if private else 0.0
        self._release_domains(real, public, private, domain_eps, dlt)
        self._release_counts(real, eps - domain_eps)
        return self

    def _release_domains(self, real, public, private, eps, dlt) -> None:
        self.domains_: dict[str, list[str]] = {}
        self.ranges_: dict[str, tuple[float, float]] = {}
        for col in self.columns_:
            if col not in public:
                continue
            if col in self.numeric_:
                values = real[col].dropna()
                self.ranges_[col] = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
            else:
                self.domains_[col] = sorted({clean(value_text(v)) for v in real[col].unique()})
        for col in (c for c in self.columns_ if c in public):
            self.ledger_.public[col] = "value range" if col in self.numeric_ else "category domain"
        if not private:
            return
        # Each private column gets an equal part; a numeric one spends it on its two range ends.
        queries, cats = [], [c for c in private if c not in self.numeric_]
        cat_delta = dlt / len(cats) if cats else 0.0
        part = eps / len(private)
        for col in private:
            if col in self.numeric_:
                queries += [(col, "low", (part / 2, 0.0)), (col, "high", (part / 2, 0.0))]
            else:
                queries.append((col, "domain", (part, cat_delta)))
        table = pd.DataFrame({c: _text(real[c], c in self.numeric_) for c in private})
        release = Releaser(table, [q[2] for q in queries], self.ledger_)
        grid, found = _grid(), {}
        for col, what, (e, d) in queries:
            if what == "domain":
                self.domains_[col] = release.categories(col, e, d, f"category domain of {col}")
                if not self.domains_[col]:
                    raise InvalidInputError(
                        f"At this budget no value of '{col}' survives the private threshold; raise "
                        "epsilon or delta, or declare the column's domain public.")
            else:
                alpha = RANGE_QUANTILES[0 if what == "low" else 1]
                found[(col, what)] = release.quantile(col, grid, alpha, e, f"{what} end of {col}'s range")
        for col in private:
            if col in self.numeric_:
                lo, hi = found[(col, "low")], found[(col, "high")]
                self.ranges_[col] = (min(lo, hi), max(lo, hi))

    def _release_counts(self, real, eps) -> None:
        self.bins_ = {c: _Bins.build(self.ranges_[c], real[c].dtype) for c in self.numeric_}
        # Every row becomes small integer codes on the released (or public) domains: a
        # data-independent mapping, so OpenDP sees one short field per statistic.
        stratum = np.zeros(len(real), dtype=np.int64)
        for k in self.keys_:
            stratum = stratum * len(self.domains_[k]) + _domain_codes(real[k], self.domains_[k])
        self.strata_ = _product([self.domains_[k] for k in self.keys_])
        n_strata = len(self.strata_)
        # Rows whose key value is outside a released domain are counted nowhere (code -1).
        outside = np.zeros(len(real), dtype=bool)
        for k in self.keys_:
            outside |= _domain_codes(real[k], self.domains_[k]) < 0
        table = {"__strata__": np.where(outside, -1, stratum)}
        self.levels_: dict[str, list[str]] = {}
        for col in self.others_:
            if col in self.numeric_:
                codes = self.bins_[col].codes(real[col])
                self.levels_[col] = [str(i) for i in range(self.bins_[col].size)]
            else:
                self.levels_[col] = self.domains_[col]
                codes = _domain_codes(real[col], self.domains_[col])
            size = len(self.levels_[col])
            table[col] = np.where(outside | (codes < 0), -1, stratum * size + codes)
        col_eps = (1 - STRATA_SHARE) * eps / len(self.others_) if self.others_ else 0.0
        strata_eps = eps - col_eps * len(self.others_)
        shares = [(strata_eps, 0.0)] + [(col_eps, 0.0)] * len(self.others_)
        release = Releaser(pd.DataFrame(table), shares, self.ledger_)
        self.strata_counts_ = np.clip(np.rint(release.counts(
            "__strata__", [str(i) for i in range(n_strata)], strata_eps,
            "stratum counts (" + " x ".join(self.keys_) + ")")), 0, None)
        self.histograms_: dict[str, np.ndarray] = {}
        for col in self.others_:
            cells = [str(i) for i in range(n_strata * len(self.levels_[col]))]
            noisy = release.counts(col, cells, col_eps, f"histogram of {col} per stratum")
            self.histograms_[col] = np.clip(noisy, 0, None).reshape(n_strata, -1)

    # --------------------------------------------------------------- sample
    def plan(self, settings: GenerationSettings) -> pd.DataFrame:
        """Per stratum: key labels, released count `n`, and the `synthetic` rows the settings give it.

        Conditioning cells whose released count is 0 are left out (they get no rows): their
        outcome rate is undefined.
        """
        strata = pd.DataFrame(self.strata_, columns=self.keys_)
        strata["n"] = self.strata_counts_.astype(np.int64)
        if strata["n"].sum() == 0:
            strata["n"] = 1  # nothing survived the noise: every stratum equally likely
        cond = list(self.conditioning)
        if cond:
            cell_total = strata.groupby(cond, sort=False)["n"].transform("sum")
            strata = strata[cell_total > 0]
        self.planned_strata_ = strata.index.to_numpy()
        out = strata[cond + ["n"]].reset_index(drop=True)
        if self.target:
            out["fav"] = (strata[self.target] == clean(value_text(self.favorable))).to_numpy()
        frame = strata[cond].reset_index(drop=True)
        return plan_counts(out, settings, real_for_groups=frame)

    def sample(self, settings: GenerationSettings) -> pd.DataFrame:
        """Rows drawn from the released numbers only (post-processing), deterministic per seed for one fit."""
        if not hasattr(self, "strata_counts_"):
            raise InvalidInputError("Call fit(real) before sample().")
        if settings.mode == "augment":
            raise InvalidInputError("Augment mode would publish real rows; DP generation uses replace mode.")
        counts = self.plan(settings)["synthetic"].to_numpy()
        rng = np.random.default_rng([settings.seed, 3])
        total = int(counts.sum())
        stratum = np.repeat(self.planned_strata_, counts)
        out = {}
        for i, k in enumerate(self.keys_):
            labels = np.array([s[i] for s in self.strata_], dtype=object)
            out[k] = _decode_text(labels[stratum], self.dtypes_[k])
        for col in self.others_:
            hist = self.histograms_[col]
            pooled = hist.sum(axis=0)
            pooled = pooled / pooled.sum() if pooled.sum() > 0 else np.full(hist.shape[1], 1 / hist.shape[1])
            probs = hist + POOLED_PRIOR_ROWS * pooled
            probs = probs / probs.sum(axis=1, keepdims=True)
            # Inverse CDF per row: one uniform each, so the draw is vectorised over strata.
            cdf = np.cumsum(probs, axis=1)[stratum]
            code = (cdf < rng.random(total)[:, None]).sum(axis=1).clip(0, hist.shape[1] - 1)
            if col in self.numeric_:
                out[col] = self.bins_[col].values(code, rng)
            else:
                levels = np.array(self.levels_[col], dtype=object)
                out[col] = _decode_text(levels[code], self.dtypes_[col])
        frame = pd.DataFrame(out)[self.columns_]
        frame = frame.iloc[rng.permutation(total)].reset_index(drop=True)
        return _cast(frame, self.dtypes_)


class _Bins:
    """Numeric bins on a released (or public) range: one per integer, or equal width plus exact zero."""

    def __init__(self, edges: np.ndarray, integer: bool, levels: np.ndarray | None, nullable: bool):
        self.edges, self.integer, self.levels, self.nullable = edges, integer, levels, nullable
        self.size = (len(levels) if levels is not None else len(edges)) + int(nullable)

    @classmethod
    def build(cls, bounds: tuple[float, float], dtype) -> _Bins:
        lo, hi = bounds
        integer = pd.api.types.is_integer_dtype(dtype)
        nullable = not integer  # an integer dtype cannot hold a missing value (schema, not data)
        if integer:
            lo, hi = np.floor(lo), np.ceil(hi)
            if hi - lo + 1 <= MAX_INTEGER_LEVELS:
                return cls(np.array([]), True, np.arange(lo, hi + 1), nullable)
        if hi <= lo:
            return cls(np.array([]), integer, np.array([lo]), nullable)
        return cls(np.linspace(lo, hi, NUMERIC_BINS + 1), integer, None, nullable)

    def codes(self, values: pd.Series) -> np.ndarray:
        """Bin code per value (clamped into the range); missing values get the last code."""
        x = pd.to_numeric(values, errors="coerce").to_numpy(float)
        if self.levels is not None:
            code = np.abs(x[:, None] - self.levels[None, :]).argmin(axis=1) if len(x) else np.zeros(0, int)
        else:
            lo, hi = self.edges[0], self.edges[-1]
            clamped = np.clip(x, lo, hi)
            # Code 0 holds exact zeros (when zero is in range); codes 1.. the equal-width bins.
            inner = np.clip(np.searchsorted(self.edges, clamped, side="right") - 1, 0, NUMERIC_BINS - 1) + 1
            code = np.where((clamped == 0) & (lo <= 0 <= hi), 0, inner)
        if self.nullable:
            code = np.where(np.isnan(x), self.size - 1, code)
        return code.astype(np.int64)

    def values(self, code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A value per code: the level itself, zero, or uniform within the bin (rounded for integers)."""
        out = np.full(len(code), np.nan)
        if self.levels is not None:
            inside = code < len(self.levels)
            out[inside] = self.levels[code[inside]]
        else:
            lo = self.edges[np.clip(code - 1, 0, NUMERIC_BINS - 1)]
            hi = self.edges[np.clip(code, 1, NUMERIC_BINS)]
            draw = lo + rng.random(len(code)) * (hi - lo)
            out = np.where(code == 0, 0.0, draw)
            if self.integer:
                out = np.rint(out)
            if self.nullable:
                out[code == self.size - 1] = np.nan
        return out


def _domain_codes(values: pd.Series, domain: list[str]) -> np.ndarray:
    """Position of each value's label in `domain` (-1 outside it), labelling distinct values only."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    where = {v: i for i, v in enumerate(domain)}
    lookup = np.array([where.get(clean(value_text(u)), -1) for u in uniques] or [-1], dtype=np.int64)
    return lookup[codes]


def _text(values: pd.Series, numeric: bool) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if numeric:
        labels = ["" if pd.isna(u) else repr(float(u)) for u in uniques]
    else:
        labels = [clean(value_text(u)) for u in uniques]
    return pd.Series(np.array(labels or [""], dtype=object)[codes], index=values.index)


def _product(domains: list[list[str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for dom in domains:
        out = [(*o, v) for o in out for v in dom]
    return out


def _decode_text(labels: np.ndarray, dtype) -> np.ndarray:
    out = np.where(labels == MISSING, None, labels).astype(object)
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return pd.to_numeric(pd.Series(out), errors="coerce").to_numpy()
    return out


def _cast(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    for col, dtype in dtypes.items():
        try:
            frame[col] = frame[col].astype(dtype)
        except (TypeError, ValueError):
            pass  # a released missing value in a column typed without one: keep the wider type
    return frame
