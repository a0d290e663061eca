"""Side-by-side schema of a pair: dtype, missing rate and distinct count per column and side."""

from __future__ import annotations

import pandas as pd

from fairsynth.foundation.pair import DatasetPair

SCHEMA_COLUMNS = [
    "column", "role", "real_dtype", "synthetic_dtype", "real_missing", "synthetic_missing",
    "real_distinct", "synthetic_distinct", "status",
]


def column_role(pair: DatasetPair, column: str) -> str:
    """The role of one column as a word (protected, target, ..., or 'feature')."""
    roles = pair.roles
    if column in roles.protected:
        return "protected"
    for role in ("target", "prediction", "time"):
        if getattr(roles, role) == column:
            return role
    return "ignored" if column in roles.ignored else "feature"


def schema_comparison(pair: DatasetPair) -> pd.DataFrame:
    """One row per column of either side: dtypes, missing share, distinct values and a status word."""
    real, synth = pair.real, pair.synthetic
    columns = list(real.columns) + [c for c in synth.columns if c not in set(real.columns)]
    rows = []
    for col in columns:
        in_real, in_synth = col in real.columns, col in synth.columns
        status = "ok"
        if not in_real:
            status = "only in synthetic"
        elif not in_synth:
            status = "only in real"
        elif col in pair.excluded:
            status = "type mismatch: not compared"
        rows.append({
            "column": col,
            "role": column_role(pair, col),
            "real_dtype": str(real[col].dtype) if in_real else None,
            "synthetic_dtype": str(synth[col].dtype) if in_synth else None,
            "real_missing": float(real[col].isna().mean()) if in_real else None,
            "synthetic_missing": float(synth[col].isna().mean()) if in_synth else None,
            "real_distinct": int(real[col].nunique()) if in_real else None,
            "synthetic_distinct": int(synth[col].nunique()) if in_synth else None,
            "status": status,
        })
    return pd.DataFrame(rows, columns=SCHEMA_COLUMNS)
