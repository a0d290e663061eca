"""privacy_risk(): every privacy measure of a dataset pair, overall and per protected group, in one report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from fairsynth.engines import as_counter
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.intervals import wilson_interval
from fairsynth.foundation.pair import DatasetPair
from fairsynth.privacy.attacks import (
    AttackResult,
    default_linkability_split,
    inference_risk,
    linkability_risk,
    singling_out_risk,
)
from fairsynth.privacy.closeness import MEASURE_COLUMNS, closeness, closeness_measures
from fairsynth.privacy.distance import category_text, is_in, row_hashes, text_codes, text_counts
from fairsynth.privacy.holdout import DEFAULT_HOLDOUT_FRACTION, sample_rows, split_holdout
from fairsynth.privacy.kanon import DEFAULT_K, class_sizes, default_quasi_identifiers
from fairsynth.privacy.measures import risk_level

DEFAULT_SAMPLE_SIZE = 5_000
DEFAULT_MAX_REAL_ROWS = 20_000
DEFAULT_N_ATTACKS = 500
DEFAULT_GROUP_ATTACKS = 200
# The holdout -> training reference distances only give a median: fewer rows suffice.
REFERENCE_ROWS = 2_000
# Nearest-neighbour work grows with (synthetic sample) x (real sample), not with the tables: on a
# pair with a side over LARGE_PAIR_ROWS rows (the bundled samples have 48,842 and 7,214) it runs on
# these smaller seeded samples, so a 1M-row audit spends ~0.3 s there instead of ~5 s. The
# measures keep their intervals (over the sample) and the report says the sizes.
LARGE_PAIR_ROWS = 250_000
LARGE_SAMPLE_SIZE = 2_000
LARGE_MAX_REAL_ROWS = 4_000
LARGE_REFERENCE_ROWS = 1_000
CLOSEST_PAIRS = 10
OVERALL_COLUMNS = MEASURE_COLUMNS
GROUP_COLUMNS = ["attribute", "group", *MEASURE_COLUMNS]
PAIR_COLUMNS = ["rank", "synthetic_row", "real_row", "distance", "closer_to_train", "exact_copy"]


@dataclass(frozen=True, eq=False)
class PrivacyReport:
    """All privacy results of a pair: tidy tables with fixed columns plus the settings that made them."""

    overall: pd.DataFrame  # OVERALL_COLUMNS
    by_group: pd.DataFrame  # GROUP_COLUMNS
    closest_pairs: pd.DataFrame  # PAIR_COLUMNS; rows are positions in pair.synthetic / pair.real
    distances: pd.DataFrame  # per sampled synthetic row: synthetic_row, dcr_train, dcr_holdout, ...
    settings: dict = field(default_factory=dict)
    holdout_note: str = ""
    notes: tuple[str, ...] = ()
    # Share of real holdout rows identical to a real training row (all rows, by hash): the chance
    # baseline of exact copies.
    real_match_rate: float = math.nan
    # Set when the distances ran on the large-pair samples (also one of `notes`).
    sample_note: str = ""

    def to_records(self) -> list[dict]:
        """Flat records for the report JSON `privacy` key (overall rows have attribute/group null)."""
        overall = self.overall.assign(attribute=None, group=None)
        table = pd.concat([overall, self.by_group], ignore_index=True)[GROUP_COLUMNS]
        table = table.astype(object).where(table.notna(), None)
        return [{k: _plain(v) for k, v in rec.items()} for rec in table.to_dict("records")]


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def privacy_risk(
    pair: DatasetPair,
    *,
    holdout: pd.DataFrame | None = None,
    quasi_identifiers: list[str] | tuple[str, ...] | None = None,
    secrets: list[str] | tuple[str, ...] | None = None,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    max_real_rows: int = DEFAULT_MAX_REAL_ROWS,
    holdout_fraction: float = DEFAULT_HOLDOUT_FRACTION,
    n_attacks: int = DEFAULT_N_ATTACKS,
    group_attacks: int = DEFAULT_GROUP_ATTACKS,
    attacks: bool = True,
    singling_out_mode: Literal["univariate", "multivariate"] = "univariate",
    k: int = DEFAULT_K,
    random_state: int = 0,
    large_pair_rows: int | None = LARGE_PAIR_ROWS,
) -> PrivacyReport:
    """Privacy risk of the synthetic side: copies, closeness, anonymeter attacks and k-anonymity.

    Parameters
    ----------
    pair : the dataset pair; its real side is the training data unless `holdout` is given.
    holdout : real rows the generator never saw; default a seeded split of the real rows.
    quasi_identifiers : columns for k-anonymity and the attacker's first table in linkability;
        default the protected attributes plus age-like and zip-like columns.
    secrets : columns the inference attack tries to guess; default the protected attributes.
    sample_size : synthetic rows sampled for distances and attacks.
    max_real_rows : real rows sampled for distances (half training, half holdout).
    n_attacks, group_attacks : anonymeter attacks overall and per protected group.
    attacks : False skips anonymeter (distances and k-anonymity only).
    singling_out_mode : anonymeter's predicate search; "univariate" (one column per predicate)
        by default because "multivariate" takes ~10x longer (about 5 s per 200 attacks on Adult).
    k : class size under which a quasi-identifier combination counts as small.
    random_state : seed of the holdout split, the samples and the attacks.
    large_pair_rows : above this many rows on either side, the distances run on at most
        LARGE_SAMPLE_SIZE synthetic and LARGE_MAX_REAL_ROWS real rows (LARGE_REFERENCE_ROWS
        reference rows), said in `notes`; None keeps the sizes asked for at any size. Exact
        copies and k-anonymity always read every row.
    """
    columns = pair.analysis_columns
    if not columns:
        raise InvalidInputError("The pair has no shared column to compare for privacy.")
    if sample_size < 50 or max_real_rows < 100:
        raise InvalidInputError("sample_size must be at least 50 and max_real_rows at least 100.")
    qis = _check_columns(list(quasi_identifiers) if quasi_identifiers is not None else
                         default_quasi_identifiers(columns, pair.roles.protected), columns,
                         "quasi-identifier")
    secrets = _check_columns(list(secrets) if secrets is not None else
                             [c for c in pair.roles.protected if c in columns], columns, "secret")
    if holdout is not None:
        missing = [c for c in columns if c not in holdout.columns]
        if missing:
            raise InvalidInputError(f"The holdout lacks column(s): {', '.join(missing)}.")
    real, synthetic = _positional(pair.real), _positional(pair.synthetic)
    split = split_holdout(real, holdout=None if holdout is None else holdout.reset_index(drop=True),
                          holdout_fraction=holdout_fraction, random_state=random_state)
    notes: list[str] = []
    reference_rows, sample_note = REFERENCE_ROWS, ""
    if large_pair_rows is not None and max(len(real), len(synthetic)) > large_pair_rows:
        sample_size = min(sample_size, LARGE_SAMPLE_SIZE)
        max_real_rows = min(max_real_rows, LARGE_MAX_REAL_ROWS)
        reference_rows = min(reference_rows, LARGE_REFERENCE_ROWS)
        sample_note = large_pair_note(max(len(real), len(synthetic)), sample_size, max_real_rows,
                                      reference_rows, large_pair_rows, random_state)
        notes.append(sample_note)
    # Equal training and holdout samples: the closer-to-training share is 0.5 only between equals.
    n_ref = min(split.n_train, split.n_holdout, max_real_rows // 2)
    train = split.sample_train(n_ref, random_state=random_state + 1)
    held = split.sample_holdout(n_ref, random_state=random_state + 2)
    syn = sample_rows(synthetic, sample_size, random_state=random_state + 3)
    ref_rows = sample_rows(held, reference_rows, random_state=random_state + 4)
    # Every real row hashed once: exact copies (against the whole split) and the real-to-real
    # baseline read the same hashes. Integer columns hash their distinct values through the count
    # engine's coding (shared with the other parts), not every row.
    real_coded, synthetic_coded = _integer_codes(pair, columns)
    real_hashes = row_hashes(real, columns, real_coded)
    if split.source == "split":
        train_hashes, hold_hashes = real_hashes[split.train_rows], real_hashes[split.holdout_rows]
    else:
        train_hashes, hold_hashes = real_hashes, row_hashes(split.holdout, columns)
    # Only membership is asked of them: sorted once, every lookup is a binary search.
    train_hashes, hold_hashes = np.sort(train_hashes), np.sort(hold_hashes)
    close = closeness(syn, train, held, columns=columns, reference=ref_rows,
                      train_hashes=train_hashes, holdout_hashes=hold_hashes)
    close_ref = close.reference

    overall = [closeness_measures(close.rows, close_ref)]
    sizes = class_sizes(synthetic, qis, synthetic_coded)
    overall.append(_kanon_rows(sizes, k))
    plan = _AttackPlan(columns, qis, secrets, singling_out_mode, random_state)
    if attacks:
        overall.append(_attack_rows(plan.run(train, syn, held, n_attacks, syn), notes, ""))
    by_group = _by_group(pair, synthetic, train, held, syn, close, close_ref, sizes, k,
                         plan if attacks else None, group_attacks, notes)
    closest = _closest_pairs(close.rows)
    settings = {
        "columns": columns, "quasi_identifiers": qis, "secrets": secrets, "k": k,
        "holdout_source": split.source, "holdout_fraction": round(split.holdout_fraction, 4),
        "train_rows": split.n_train, "holdout_rows": split.n_holdout,
        "sampled_synthetic_rows": len(syn), "sampled_train_rows": len(train),
        "sampled_holdout_rows": len(held), "reference_rows": len(ref_rows),
        "n_attacks": n_attacks if attacks else 0, "group_attacks": group_attacks if attacks else 0,
        "linkability_split": list(map(list, default_linkability_split(columns, qis))),
        "random_state": random_state,
    }
    return PrivacyReport(pd.concat(overall, ignore_index=True)[OVERALL_COLUMNS],
                         by_group, closest, close.rows, settings, split.describe(), tuple(notes),
                         real_match_rate=float(is_in(hold_hashes, train_hashes).mean()),
                         sample_note=sample_note)


def _integer_codes(pair: DatasetPair, columns: list[str]) -> tuple[dict, dict]:
    """Per side, each integer column (both sides integer-typed) as the count engine codes it:
    (distinct values as floats, each row's position), which `row_hashes` and `class_sizes` read."""
    counter = as_counter(pair)
    real, synthetic = {}, {}
    for col in columns:
        if not all(f[col].dtype.kind in "iu" for f in (pair.real, pair.synthetic)):
            continue
        enc = counter.encoded(col)
        real[col] = (enc.values, enc.codes["real"])
        synthetic[col] = (enc.values, enc.codes["synthetic"])
    return real, synthetic


def _positional(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame indexed by row position: itself when it already is (no copy of a large table)."""
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame
    return frame.reset_index(drop=True)


def large_pair_note(rows: int, sample_size: int, max_real_rows: int, reference_rows: int,
                    threshold: int, seed: int) -> str:
    """The sentence a report carries when the distances ran on the large-pair samples."""
    return (f"{rows:,} rows (over {threshold:,}): distances to closest records (and any anonymeter "
            f"attacks) measured on seeded "
            f"samples (seed {seed}) of up to {sample_size:,} synthetic and {max_real_rows // 2:,} "
            f"training + {max_real_rows // 2:,} holdout rows ({reference_rows:,} holdout rows for "
            "the reference); their intervals are over those samples. Exact copies and "
            "k-anonymity read every row.")


def _check_columns(names: list[str], columns: list[str], what: str) -> list[str]:
    unknown = [c for c in names if c not in columns]
    if unknown:
        raise InvalidInputError(
            f"Unknown {what} column(s): {', '.join(map(str, unknown))}. Compared columns: "
            f"{', '.join(map(str, columns))}.")
    return names


def _kanon_rows(sizes: np.ndarray, k: int) -> pd.DataFrame:
    return _kanon_table(len(sizes), int((sizes < k).sum()),
                        float(sizes.min()) if len(sizes) else math.nan, k)


def _kanon_by_group(sizes: np.ndarray, codes: np.ndarray, n_groups: int, k: int) -> list[pd.DataFrame]:
    """`_kanon_rows` of each group's rows (`codes`: each row's group), in one pass over the rows."""
    n = np.bincount(codes, minlength=n_groups)
    below = np.bincount(codes[sizes < k], minlength=n_groups)
    # Same dtype as the sizes: ufunc.at runs its fast loop only without a cast (float: ~40x slower).
    smallest = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, codes, sizes.astype(np.int64, copy=False))
    return [_kanon_table(int(n[g]), int(below[g]), float(smallest[g]) if n[g] else math.nan, k)
            for g in range(n_groups)]


def _kanon_table(n: int, below: int, k_min: float, k: int) -> pd.DataFrame:
    share = below / n if n else math.nan
    # One k-anonymity level for the page, the findings and the exports: how many rows sit in
    # classes under k. The smallest class alone (k = 1 as soon as one row is unique) would call
    # almost every real table "high" while the finding, which reads the share, said "low".
    level = risk_level("k_share_below", share)
    return pd.DataFrame([
        {"measure": "k_anonymity", "value": k_min, "ci_low": math.nan, "ci_high": math.nan,
         "reference": float(k), "risk_level": level, "n": n},
        {"measure": "k_share_below", "value": share,
         **dict(zip(("ci_low", "ci_high"), wilson_interval(below, n), strict=True)),
         "reference": float(k), "risk_level": level, "n": n},
    ], columns=MEASURE_COLUMNS)


@dataclass(frozen=True)
class _AttackPlan:
    """What the anonymeter attacks look at; the same plan runs overall and per group."""

    columns: list[str]
    quasi_identifiers: list[str]
    secrets: list[str]
    singling_out_mode: str
    seed: int

    def run(self, train, syn, held, n_attacks, syn_for_singling) -> list[AttackResult]:
        """Singling-out, linkability and one inference attack per secret."""
        cols = self.columns
        ori, control, syn = (_for_anonymeter(f[cols]) for f in (train, held, syn))
        results = [
            singling_out_risk(ori, _for_anonymeter(syn_for_singling[cols]), control,
                              n_attacks=n_attacks, mode=self.singling_out_mode, seed=self.seed),
            linkability_risk(ori, syn, control,
                             aux_cols=default_linkability_split(cols, self.quasi_identifiers),
                             n_attacks=n_attacks, seed=self.seed),
        ]
        for secret in self.secrets:
            # The attacker knows every other column: the worst case for this secret.
            aux = [c for c in cols if c != secret]
            results.append(inference_risk(ori, syn, control, aux_cols=aux, secret=secret,
                                          n_attacks=n_attacks, seed=self.seed))
        return results


def _for_anonymeter(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain dtypes anonymeter handles: categories and booleans as text, numbers as they are."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(out[col]) \
                or pd.api.types.is_string_dtype(out[col]):
            out[col] = category_text(out[col])
    return out


def _attack_rows(results: list[AttackResult], notes: list[str], where: str) -> pd.DataFrame:
    rows = []
    for res in results:
        if res.note:
            notes.append(f"{res.measure}{where}: {res.note}")
        rows.append({"measure": res.measure, "value": res.value, "ci_low": res.ci_low,
                     "ci_high": res.ci_high, "reference": 0.0,
                     "risk_level": risk_level(res.measure, res.value), "n": res.n_attacks})
    inference = [r for r in rows if r["measure"].startswith("inference_risk:") and not math.isnan(r["value"])]
    if inference:
        worst = max(inference, key=lambda r: r["value"])
        rows.append({**worst, "measure": "inference_risk"})
    return pd.DataFrame(rows, columns=MEASURE_COLUMNS)


def _by_group(pair, synthetic, train, held, syn, close, close_ref, sizes, k, plan, group_attacks,
              notes) -> pd.DataFrame:
    tables = []
    for attribute in pair.roles.protected:
        if attribute not in pair.analysis_columns:
            continue
        syn_labels = category_text(syn[attribute])
        row_labels = pd.Series(syn_labels.to_numpy(), index=syn.index)
        held_labels = category_text(held[attribute])
        train_labels = category_text(train[attribute])
        # Every synthetic row's group as a position among the distinct texts (not 1M strings).
        all_texts, all_codes = text_codes(synthetic[attribute])
        kanon = dict(zip(all_texts, _kanon_by_group(sizes, all_codes, len(all_texts), k),
                         strict=True))
        for group in text_counts(pair.real[attribute]).index:
            in_syn = row_labels.loc[close.rows["synthetic_row"]].to_numpy() == group
            rows = close.rows[in_syn]
            ref = close_ref[held_labels.loc[close_ref["holdout_row"]].to_numpy() == group]
            parts = [closeness_measures(rows, ref, reference_exact=float(
                close.rows.loc[in_syn, "exact_holdout"].mean()) if in_syn.any() else math.nan)]
            parts.append(kanon[group] if group in kanon else _kanon_rows(sizes[:0], k))
            if plan is not None:
                g_train, g_held = train[train_labels == group], held[held_labels == group]
                g_syn = syn[syn_labels.to_numpy() == group]
                # Targets are the group's real rows; singling-out predicates come from the
                # group's synthetic rows (an attacker who knows the target's group).
                results = plan.run(g_train, syn, g_held, group_attacks, g_syn) if len(g_syn) else []
                parts.append(_attack_rows(results, notes, f" ({attribute}={group})"))
            table = pd.concat([p for p in parts if len(p)], ignore_index=True)
            tables.append(table.assign(attribute=attribute, group=str(group)))
    if not tables:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    return pd.concat(tables, ignore_index=True)[GROUP_COLUMNS]


def _closest_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    top = rows.sort_values(["dcr_train", "synthetic_row"], kind="stable").head(CLOSEST_PAIRS)
    return pd.DataFrame({
        "rank": np.arange(1, len(top) + 1), "synthetic_row": top["synthetic_row"].to_numpy(),
        "real_row": top["train_row"].to_numpy(), "distance": top["dcr_train"].to_numpy(),
        "closer_to_train": top["closer_to_train"].to_numpy(), "exact_copy": top["exact_train"].to_numpy(),
    }, columns=PAIR_COLUMNS)
