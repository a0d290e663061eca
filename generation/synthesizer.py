"""A conditional Gaussian-copula synthesizer fitted per protected stratum (numpy and scipy only).

Every column is encoded as ordered codes (missing first, then sorted values; categories in
order of their favourable-outcome rate) with frequency intervals, so sampling can only emit
values the real data has. Each stratum (conditioning cell x target value) keeps its own
marginals and a correlation of normal scores shrunk toward the pooled one when it is small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from fairsynth.foundation.codes import value_text
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import is_ordered
from fairsynth.foundation.roles import favorable_mask
from fairsynth.generation.dependencies import (
    dependency_map,
    derivation_order,
    derivation_plan,
    functional_dependencies,
)
from fairsynth.generation.plan import plan_counts
from fairsynth.generation.settings import MAX_CONDITIONING_GROUPS, GenerationSettings

Progress = Callable[[float], None]
DEFAULT_SHRINKAGE = 200.0
# Normal scores are clipped away from 0 and 1 so ndtri stays finite.
EPS = 1e-9
# A correlation matrix is repaired to this smallest eigenvalue before its Cholesky factor.
MIN_EIGEN = 1e-6


@dataclass(frozen=True)
class _Column:
    """One column as ordered codes: code 0 is missing, `rows[k]` is a real row holding code k."""

    name: str
    rows: np.ndarray
    size: int


class ConditionalSynthesizer:
    """Gaussian copula per stratum (conditioning cell x target value) over per-column marginals.

    Parameters follow scikit-learn: `__init__` stores them, `fit` learns attributes ending in
    `_`, `sample` refuses before `fit`, and the same `random_state` gives the same bytes.
    """

    def __init__(self, *, conditioning: tuple[str, ...] = (), target: str | None = None,
                 favorable: str | None = None, shrinkage: float = DEFAULT_SHRINKAGE,
                 random_state: int = 0):
        self.conditioning = tuple(conditioning)
        self.target = target
        self.favorable = favorable
        self.shrinkage = shrinkage
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, real: pd.DataFrame) -> ConditionalSynthesizer:
        """Learn marginals, dependencies and correlations per stratum from `real` (not modified)."""
        self._check_input(real)
        rng = np.random.default_rng([self.random_state, 1])
        self.real_ = real
        self.columns_ = list(real.columns)
        fav = self._favorable(real)
        codes, self.encoders_ = {}, {}
        for col in self.columns_:
            codes[col], self.encoders_[col] = _encode(real[col], fav)
        keys = [*self.conditioning, *([self.target] if self.target else [])]
        self.dependencies_ = functional_dependencies(codes)
        self.derived_ = derivation_plan(self.dependencies_, self.columns_, fixed=keys)
        self.derivation_order_ = derivation_order(self.derived_)
        self.maps_ = {b: dependency_map(codes[a], codes[b], self.encoders_[a].size)
                      for b, a in self.derived_.items()}
        self.copula_columns_ = [c for c in self.columns_ if c not in keys and c not in self.derived_]
        self._fit_strata(real, codes, keys, fav, rng)
        return self

    def _check_input(self, real: pd.DataFrame) -> None:
        if not isinstance(real, pd.DataFrame) or len(real) == 0 or real.shape[1] == 0:
            raise InvalidInputError("The synthesizer needs a real table with at least one row and column.")
        named = [*self.conditioning, *([self.target] if self.target else [])]
        missing = [c for c in named if c not in real.columns]
        if missing:
            raise InvalidInputError(f"Column(s) not in the real table: {', '.join(missing)}.")
        if self.target and self.target in self.conditioning:
            raise InvalidInputError(f"The target '{self.target}' cannot also be a conditioning attribute.")
        for col in self.conditioning:
            if real[col].nunique(dropna=False) > MAX_CONDITIONING_GROUPS:
                raise InvalidInputError(
                    f"Conditioning column '{col}' has more than {MAX_CONDITIONING_GROUPS} values."
                )
        if self.shrinkage < 0:
            raise InvalidInputError("shrinkage must be >= 0.")

    def _favorable(self, real: pd.DataFrame) -> np.ndarray | None:
        if not self.target:
            return None
        if self.favorable is None:
            raise InvalidInputError(f"Say which value of the target '{self.target}' is favourable.")
        mask = favorable_mask(real[self.target], self.favorable).fillna(False).to_numpy(bool)
        if not mask.any():
            raise InvalidInputError(
                f"No row of '{self.target}' equals the favourable value '{self.favorable}'."
            )
        return mask

    def _fit_strata(self, real, codes, keys, fav, rng) -> None:
        key_codes = np.column_stack([codes[k] for k in keys]) if keys else np.zeros((len(real), 1), int)
        uniq, stratum = np.unique(key_codes, axis=0, return_inverse=True)
        stratum = stratum.ravel()
        cols = self.copula_columns_
        scores = np.empty((len(real), len(cols)))
        self.cum_counts_ = []
        for s in range(len(uniq)):
            rows = np.flatnonzero(stratum == s)
            cums = []
            for j, col in enumerate(cols):
                counts = np.bincount(codes[col][rows], minlength=self.encoders_[col].size)
                cum = np.cumsum(counts)
                cums.append(cum)
                # Randomised PIT: a uniform draw inside the value's frequency interval.
                low = (cum - counts)[codes[col][rows]]
                u = (low + rng.random(len(rows)) * counts[codes[col][rows]]) / len(rows)
                scores[rows, j] = ndtri(np.clip(u, EPS, 1 - EPS))
            self.cum_counts_.append(cums)
        pooled = _correlation(scores)
        self.pooled_correlation_ = pooled
        self.factors_ = []
        sizes = np.bincount(stratum, minlength=len(uniq))
        for s in range(len(uniq)):
            own = _correlation(scores[stratum == s]) if sizes[s] > 2 else pooled
            weight = sizes[s] / (sizes[s] + self.shrinkage) if sizes[s] > 2 else 0.0
            self.factors_.append(_cholesky(weight * own + (1 - weight) * pooled))
        table = {}
        for i, k in enumerate(keys):
            table[k] = [value_text(real[k].iloc[self.encoders_[k].rows[c]]) for c in uniq[:, i]]
        self.strata_ = pd.DataFrame(table)
        self.strata_codes_ = uniq if keys else np.zeros((len(uniq), 0), int)
        self.strata_["n"] = sizes
        if self.target:
            self.strata_["fav"] = [bool(fav[np.flatnonzero(stratum == s)[0]]) for s in range(len(uniq))]
        self.n_rows_ = len(real)

    # --------------------------------------------------------------- sample
    def sample(self, settings: GenerationSettings | int, *, progress: Progress | None = None
               ) -> pd.DataFrame:
        """Synthetic rows for `settings` (or that many rows as in the real data), deterministic per seed."""
        if not hasattr(self, "strata_"):
            raise InvalidInputError("Call fit(real) before sample().")
        if not isinstance(settings, GenerationSettings):
            settings = GenerationSettings(rows=settings, conditioning=self.conditioning,
                                          seed=self.random_state)
        if tuple(settings.conditioning) != self.conditioning:
            raise InvalidInputError(
                f"These settings condition on {', '.join(settings.conditioning) or 'nothing'} but the "
                f"synthesizer was fitted on {', '.join(self.conditioning) or 'nothing'}; fit it again."
            )
        plan = self.plan(settings)
        counts = plan["synthetic"].to_numpy()
        frame = self._sample_counts(counts, np.random.default_rng([settings.seed, 2]), progress)
        if settings.mode == "augment":
            frame = pd.concat([self.real_.reset_index(drop=True), frame], ignore_index=True)
        return frame

    def plan(self, settings: GenerationSettings) -> pd.DataFrame:
        """Per stratum: its key labels, real rows `n`, and the `synthetic` rows the settings give it."""
        strata = self.strata_.copy()
        for col in self.conditioning:
            strata[col] = strata[col].astype(str)
        return plan_counts(strata, settings, real_for_groups=self.real_)

    def _sample_counts(self, counts: np.ndarray, rng: np.random.Generator,
                       progress: Progress | None) -> pd.DataFrame:
        total = int(counts.sum())
        out_codes = {c: np.zeros(total, dtype=np.int64) for c in self.columns_}
        keys = [*self.conditioning, *([self.target] if self.target else [])]
        start, done = 0, 0
        # One child stream per stratum: a stratum's rows do not depend on the others' counts.
        streams = rng.spawn(len(counts))
        for s, n in enumerate(counts):
            if n == 0:
                continue
            stop = start + int(n)
            for i, k in enumerate(keys):
                out_codes[k][start:stop] = self.strata_codes_[s, i]
            cols = self.copula_columns_
            if cols:
                z = streams[s].standard_normal((int(n), len(cols))) @ self.factors_[s].T
                u = ndtr(z)
                for j, col in enumerate(cols):
                    cum = self.cum_counts_[s][j]
                    idx = np.searchsorted(cum, u[:, j] * cum[-1], side="right")
                    out_codes[col][start:stop] = np.minimum(idx, len(cum) - 1)
            start = stop
            done += int(n)
            if progress is not None:
                progress(0.9 * done / max(total, 1))
        for col in self.derivation_order_:
            out_codes[col] = self.maps_[col][out_codes[self.derived_[col]]]
        order = rng.permutation(total)
        frame = pd.DataFrame({
            col: self.real_[col].take(self.encoders_[col].rows[out_codes[col][order]]).to_numpy()
            for col in self.columns_
        })
        frame = frame.astype(self.real_.dtypes.to_dict())
        if progress is not None:
            progress(1.0)
        return frame


def _encode(values: pd.Series, fav: np.ndarray | None) -> tuple[np.ndarray, _Column]:
    """Ordered codes (0 = missing) and one real row per code, for sampling real values only."""
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # mixed types that do not sort: keep first-seen order
        codes, uniques = pd.factorize(values, sort=False)
    k = len(uniques)
    if fav is not None and _is_categorical(values) and k > 1:
        # Categories ordered by favourable rate, so the copula sees a monotone link to the outcome.
        present = codes >= 0
        rate = np.bincount(codes[present], weights=fav[present], minlength=k) / np.maximum(
            np.bincount(codes[present], minlength=k), 1)
        rank = np.empty(k, dtype=np.int64)
        rank[np.argsort(rate, kind="stable")] = np.arange(k)
        codes = np.where(present, rank[np.maximum(codes, 0)], -1)
    codes = codes.astype(np.int64) + 1
    rows = np.full(k + 1, -1, dtype=np.int64)
    positions = np.arange(len(values))
    rows[codes[::-1]] = positions[::-1]  # first row holding each code
    rows[rows < 0] = 0 if len(values) else -1
    return codes, _Column(str(values.name), rows, k + 1)


def _is_categorical(values: pd.Series) -> bool:
    # Numbers, dates and booleans keep their natural order; only unordered categories are re-ranked.
    return not (is_ordered(values) or pd.api.types.is_bool_dtype(values))


def _correlation(scores: np.ndarray) -> np.ndarray:
    d = scores.shape[1]
    if d == 0:
        return np.zeros((0, 0))
    if d == 1 or len(scores) < 3:
        return np.eye(d)
    corr = np.corrcoef(scores, rowvar=False)
    return np.nan_to_num(corr, nan=0.0)


def _cholesky(corr: np.ndarray) -> np.ndarray:
    """Cholesky factor of the nearest correlation matrix with eigenvalues >= MIN_EIGEN."""
    if corr.size == 0:
        return corr
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
    fixed = (vecs * np.maximum(vals, MIN_EIGEN)) @ vecs.T
    scale = np.sqrt(np.diag(fixed))
    fixed = fixed / np.outer(scale, scale)
    return np.linalg.cholesky(fixed + MIN_EIGEN * np.eye(len(fixed)))
