"""How many synthetic rows each stratum gets, so shares and outcome rates are met by count."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.generation.settings import SEPARATOR, GenerationSettings

# Log-odds shifts searched when an outcome rate is set for a group of cells.
MAX_SHIFT = 40.0


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integers proportional to `weights`, exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    # Stable order: ties go to the earlier entry, so the result is deterministic.
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    return base


def plan_counts(strata: pd.DataFrame, settings: GenerationSettings, *,
                real_for_groups: pd.DataFrame) -> pd.DataFrame:
    """Add a `synthetic` count to every stratum (one row per observed conditioning cell x target value).

    `strata` holds the conditioning attributes' value labels, `fav` (favourable target value
    or not; absent without a target) and `n` (real rows). `real_for_groups` is the real
    table, used only to resolve which attribute the share and rate keys name.
    """
    cond = list(settings.conditioning)
    strata = strata.reset_index(drop=True).copy()
    strata["cell"] = _join(strata, cond)
    cells = strata.groupby("cell", sort=False)["n"].sum()
    cell_attrs = strata.drop_duplicates("cell").set_index("cell")[cond]
    synthetic_cells = _cell_counts(cells, cell_attrs, settings, real_for_groups)
    if "fav" not in strata:
        strata["synthetic"] = strata["cell"].map(synthetic_cells).astype(np.int64)
        return strata
    fav_real = strata[strata["fav"]].groupby("cell")["n"].sum().reindex(cells.index, fill_value=0)
    totals = synthetic_cells + (cells if settings.mode == "augment" else 0)
    rates, rate_groups = _cell_rates(fav_real / cells, totals, cell_attrs, settings, real_for_groups)
    fav_total = _favorable_totals(rates, totals, rate_groups)
    if settings.mode == "augment":
        fav_synth = (fav_total - fav_real).clip(lower=0).clip(upper=synthetic_cells)
    else:
        fav_synth = fav_total
    strata["synthetic"] = 0
    for cell, idx in strata.groupby("cell", sort=False).groups.items():
        part = strata.loc[idx]
        is_fav = part["fav"].to_numpy()
        counts = np.zeros(len(part), dtype=np.int64)
        counts[is_fav] = fav_synth[cell]
        counts[~is_fav] = allocate(int(synthetic_cells[cell] - fav_synth[cell]),
                                   part["n"].to_numpy()[~is_fav])
        strata.loc[idx, "synthetic"] = counts
    strata["synthetic"] = strata["synthetic"].astype(np.int64)
    return strata


def _join(frame: pd.DataFrame, attrs: list[str]) -> pd.Series:
    if not attrs:
        return pd.Series("", index=frame.index, dtype=object)
    out = frame[attrs[0]].astype(str)
    for attr in attrs[1:]:
        out = out + SEPARATOR + frame[attr].astype(str)
    return out


def _cell_counts(cells: pd.Series, cell_attrs: pd.DataFrame, settings: GenerationSettings,
                 real: pd.DataFrame) -> pd.Series:
    """Synthetic rows per conditioning cell: group totals from the shares, split as in the real data."""
    if settings.shares:
        level = list(settings.share_level(real))
        group = _join(cell_attrs, level)
    else:
        group = pd.Series(cells.index, index=cells.index)
    real_groups = cells.groupby(group, sort=False).sum()
    if settings.shares:
        shares = pd.Series(settings.shares).reindex(real_groups.index, fill_value=0.0)
    else:
        shares = real_groups / real_groups.sum()
    if settings.mode == "augment":
        total = _augment_total(real_groups, shares, settings.rows)
        wanted = pd.Series(allocate(total, shares.to_numpy()), index=shares.index) - real_groups
    else:
        wanted = pd.Series(allocate(settings.rows, shares.to_numpy()), index=shares.index)
    out = pd.Series(0, index=cells.index, dtype=np.int64)
    for g, n_g in wanted.items():
        members = group.index[group.to_numpy() == g]
        out[members] = allocate(int(n_g), cells[members].to_numpy())
    return out


def _augment_total(real_groups: pd.Series, shares: pd.Series, rows: int) -> int:
    """Fewest total rows (at least `rows`) whose exact split by `shares` keeps every real row."""
    dropped = [str(g) for g in real_groups.index if shares[g] == 0 and real_groups[g] > 0]
    if dropped:
        raise InvalidInputError(
            f"Augment mode keeps every real row, so group(s) {', '.join(dropped)} cannot get a "
            "share of 0; give them a share or use replace mode."
        )
    need = int(np.ceil((real_groups / shares).max() - 1e-9))
    total = max(rows, need, int(real_groups.sum()))
    while (allocate(total, shares.to_numpy()) < real_groups.to_numpy()).any():
        total += 1
    return total


def _cell_rates(real_rates: pd.Series, totals: pd.Series, cell_attrs: pd.DataFrame,
                settings: GenerationSettings, real: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Favourable rate per cell (real, or shifted on the log-odds scale to meet a group rate) and its rate group."""
    rates = real_rates.astype(float).copy()
    # Rate groups as integers: each cell its own, then one per targeted group. (A "\0"-prefixed
    # label was used before; pandas hashes strings as C strings, so every such label was one group.)
    groups = pd.Series(np.arange(len(rates)), index=rates.index)
    if not settings.outcome_rates:
        return rates, groups
    level = list(settings.rate_level(real))
    group = _join(cell_attrs, level)
    for k, (g, target) in enumerate(settings.outcome_rates.items()):
        members = group.index[group.to_numpy() == g]
        rates[members] = _shift_rates(real_rates[members], totals[members], target, g)
        groups[members] = len(rates) + k
    return rates, groups


def _favorable_totals(rates: pd.Series, totals: pd.Series, groups: pd.Series) -> pd.Series:
    """Favourable rows per cell, rounded so that each rate group's total is exact (largest remainder)."""
    exact = rates.to_numpy(float) * totals.to_numpy(float)
    out = np.floor(exact + 1e-9).astype(np.int64)
    frac = exact - out
    for _, members in pd.Series(np.arange(len(rates))).groupby(groups.to_numpy()):
        idx = members.to_numpy()
        short = int(round(exact[idx].sum())) - int(out[idx].sum())
        if short > 0:
            top = idx[np.argsort(-frac[idx], kind="stable")[:short]]
            out[top] += 1
    return pd.Series(np.minimum(out, totals.to_numpy()), index=rates.index)


def _shift_rates(p: pd.Series, weight: pd.Series, target: float, group: str) -> pd.Series:
    """Rates moved by one common log-odds shift so their weighted mean is `target` (keeps the pattern inside)."""
    if weight.sum() == 0:
        return p
    free = (p > 0) & (p < 1)
    if target in (0.0, 1.0):
        # The ends are reached only in the limit of the shift: set them directly.
        out = p.copy()
        out[free] = target
        fixed_ok = (out[~free] == target).all()
        if fixed_ok:
            return out
    fixed_sum = float((p[~free] * weight[~free]).sum())
    w, lo = weight[free].to_numpy(float), logit(p[free].to_numpy(float))

    def gap(shift: float) -> float:
        return (fixed_sum + float((expit(lo + shift) * w).sum())) / float(weight.sum()) - target

    # A target equal to the group's real rate leaves its cells as they are: the solver would land
    # a round-off away from shift 0 and could move a favourable count by one.
    if abs(gap(0.0)) <= 1e-12:
        return p
    if free.any() and gap(-MAX_SHIFT) <= 0 <= gap(MAX_SHIFT):
        shift = brentq(gap, -MAX_SHIFT, MAX_SHIFT, xtol=1e-12)
        out = p.copy()
        out[free] = expit(lo + shift)
        return out
    if not free.any() and abs(gap(0.0)) < 1e-9:
        return p
    reachable = _reachable(p, weight, free)
    raise InvalidInputError(
        f"An outcome rate of {target:g} cannot be generated for '{group}': the real data "
        f"only allows rates between {reachable[0]:.3g} and {reachable[1]:.3g} there (cells with "
        "only favourable or only unfavourable rows cannot change)."
    )


def _reachable(p: pd.Series, weight: pd.Series, free: pd.Series) -> tuple[float, float]:
    fixed = float((p[~free] * weight[~free]).sum())
    total = float(weight.sum())
    return fixed / total, (fixed + float(weight[free].sum())) / total
