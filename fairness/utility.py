"""Train on synthetic, test on real: does a model trained on the synthetic data treat groups alike?"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fairsynth.foundation.codes import attribute_sets, combined_codes, label_codes
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import NUMERIC, NUMERIC_MIN_DISTINCT, column_kind
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import favorable_mask

TSTR_COLUMNS = ["model", "trained_on", "attribute", "group", "metric", "value", "n"]
GAP_COLUMNS = ["model", "trained_on", "attribute", "metric", "difference", "ratio"]
MODELS = ("logistic", "gradient_boosting")
OVERALL = "(all)"


def _model(name: str, numeric: list[str], categorical: list[str], random_state: int):
    # scikit-learn takes about a second to import; only this opt-in part needs it, so the audit
    # tables (which name this module's columns) stay light to import.
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    num = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    if name == "logistic":
        # Sparse one-hot keeps lbfgs fast (dense one-hot is about 4x slower on Adult).
        prep = ColumnTransformer([
            ("num", num, numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), categorical),
        ])
        return Pipeline([("prep", prep), ("clf", LogisticRegression(max_iter=1000))])
    if name == "gradient_boosting":
        # Native categorical splits: as accurate as one-hot here and about twice as fast.
        prep = ColumnTransformer([
            ("num", "passthrough", numeric),
            ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                   max_categories=250), categorical),
        ])
        is_cat = [False] * len(numeric) + [True] * len(categorical)
        clf = HistGradientBoostingClassifier(random_state=random_state, categorical_features=is_cat)
        return Pipeline([("prep", prep), ("clf", clf)])
    raise InvalidInputError(f"Unknown model '{name}'; choose from {', '.join(MODELS)}.")


def _features(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    out = frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    for c in categorical:
        codes, labels = label_codes(frame[c])
        out[c] = np.asarray(labels, dtype=object)[codes] if len(codes) else []
    return out


def tstr(
    pair: DatasetPair,
    *,
    models: Sequence[str] = MODELS,
    test_size: float = 0.3,
    random_state: int = 0,
    max_order: int = 3,
) -> pd.DataFrame:
    """Train each model on the synthetic data and on a real training split; score both on real.

    Both are scored on the same held-out real split (stratified by the target, seeded), overall
    (attribute and group "(all)") and per protected group and intersection (up to `max_order`
    attributes, as in `fairness.subgroups`): accuracy, selection_rate, tpr and fpr of the
    favourable value. Features: every analysis column except
    the target and the prediction; categoricals one-hot (rare levels pooled), numbers scaled.
    """
    roles = pair.roles
    if not roles.target or roles.favorable is None:
        raise InvalidInputError("Train-on-synthetic needs a target column and its favourable value.")
    skip = {roles.target, roles.prediction}
    cols = [c for c in pair.analysis_columns if c not in skip]
    if not cols:
        raise InvalidInputError("No feature column is left besides the target and the prediction.")
    numeric = [c for c in cols if column_kind(pair.real[c], min_distinct=NUMERIC_MIN_DISTINCT) == NUMERIC]
    categorical = [c for c in cols if c not in numeric]
    real = pair.real[pair.real[roles.target].notna()]
    synth = pair.synthetic[pair.synthetic[roles.target].notna()]
    y_real = favorable_mask(real[roles.target], roles.favorable).to_numpy(dtype=bool)
    y_synth = favorable_mask(synth[roles.target], roles.favorable).to_numpy(dtype=bool)
    for side, y in (("real", y_real), ("synthetic", y_synth)):
        if y.all() or not y.any():
            raise InvalidInputError(
                f"The {side} target has a single outcome; a classifier needs both outcomes.")
    from sklearn.model_selection import train_test_split

    train_idx, test_idx = train_test_split(
        np.arange(len(real)), test_size=test_size, random_state=random_state, stratify=y_real)
    test = real.iloc[test_idx]
    x_test = _features(test, numeric, categorical)
    training = {
        "real": (_features(real.iloc[train_idx], numeric, categorical), y_real[train_idx]),
        "synthetic": (_features(synth, numeric, categorical), y_synth),
    }
    parts = []
    for name in models:
        for trained_on, (x, y) in training.items():
            model = _model(name, numeric, categorical, random_state).fit(x, y)
            pred = model.predict(x_test).astype(bool)
            parts.append(_scores(test, roles.protected, y_real[test_idx], pred, name, trained_on,
                                 max_order))
    return pd.concat(parts, ignore_index=True)[TSTR_COLUMNS]


def _scores(test, protected, y, p, model, trained_on, max_order) -> pd.DataFrame:
    blocks = [(OVERALL, np.zeros(len(y), dtype=np.int64), [OVERALL])]
    coded = {a: label_codes(test[a]) for a in protected}
    for attrs in attribute_sets(protected, max_order):
        sizes = [len(coded[a][1]) for a in attrs]
        labels = [""]
        for a in attrs:
            labels = [f"{p_}&{t}" if p_ else t for p_ in labels for t in coded[a][1]]
        blocks.append(("&".join(attrs), combined_codes([coded[a][0] for a in attrs], sizes), labels))
    rows = []
    for attribute, codes, labels in blocks:
        size = len(labels)
        n = np.bincount(codes, minlength=size)
        pos = np.bincount(codes, weights=y, minlength=size)
        neg = n - pos
        with np.errstate(invalid="ignore", divide="ignore"):
            metrics = {
                "accuracy": (np.bincount(codes, weights=y == p, minlength=size) / n, n),
                "selection_rate": (np.bincount(codes, weights=p, minlength=size) / n, n),
                "tpr": (np.bincount(codes, weights=y & p, minlength=size) / pos, pos),
                "fpr": (np.bincount(codes, weights=~y & p, minlength=size) / neg, neg),
            }
        for i in np.flatnonzero(n > 0):
            for metric, (value, denom) in metrics.items():
                rows.append((model, trained_on, attribute, labels[i], metric, float(value[i]),
                             int(denom[i])))
    return pd.DataFrame(rows, columns=TSTR_COLUMNS)


def tstr_gaps(result: pd.DataFrame, *, min_count: int = 30) -> pd.DataFrame:
    """Disparity of each TSTR metric across the groups of an attribute (max - min, min / max).

    Groups with a denominator under `min_count` are left out, so a handful of rows cannot set
    the worst case.
    """
    per_group = result[(result["attribute"] != OVERALL) & (result["n"] >= min_count)]
    rows = []
    for (model, trained_on, attribute, metric), block in per_group.groupby(
            ["model", "trained_on", "attribute", "metric"], sort=False):
        v = block["value"].dropna()
        top = v.max() if len(v) else np.nan
        rows.append((model, trained_on, attribute, metric,
                     float(top - v.min()) if len(v) else np.nan,
                     float(v.min() / top) if len(v) and top > 0 else np.nan))
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


__all__ = ["MODELS", "OVERALL", "tstr", "tstr_gaps"]
