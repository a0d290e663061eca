"""Build the bundled real samples in sample_data/ from the raw files in ../shared/datasets.

Run from the project root: `python scripts/build_samples.py [RAW_DIR]`. Deterministic:
the same raw files give the same Parquet bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RAW = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "datasets"
OUT = ROOT / "sample_data"

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income",
]
# ProPublica's analysis columns; direct identifiers (id, names, birth date, case numbers)
# and the jail/charge detail columns are not shipped.
COMPAS_COLUMNS = [
    "compas_screening_date", "sex", "age", "age_cat", "race", "juv_fel_count", "juv_misd_count",
    "juv_other_count", "priors_count", "days_b_screening_arrest", "c_charge_degree",
    "decile_score", "score_text", "two_year_recid",
]


def build_adult() -> pd.DataFrame:
    """Adult train + test merged: trimmed strings, '?' as missing, test labels without the dot."""
    parts = []
    for name, skip in (("adult.data.gz", 0), ("adult.test.gz", 1)):
        part = pd.read_csv(RAW / name, header=None, names=ADULT_COLUMNS, skiprows=skip,
                           skipinitialspace=True, na_values=["?"], compression="gzip")
        parts.append(part)
    adult = pd.concat(parts, ignore_index=True).dropna(how="all")
    for col in adult.select_dtypes(include="object"):
        adult[col] = adult[col].str.strip()
    adult["income"] = adult["income"].str.rstrip(".")
    assert len(adult) == 48_842, len(adult)
    return adult


def build_compas() -> pd.DataFrame:
    """COMPAS two-year file: analysis columns, screening date as a date, plus the model's call."""
    raw = pd.read_csv(RAW / "compas-scores-two-years.csv.gz", compression="gzip")
    compas = raw[COMPAS_COLUMNS].copy()
    compas["compas_screening_date"] = pd.to_datetime(compas["compas_screening_date"])
    # ProPublica's reading of the score: Medium or High counts as predicted to reoffend.
    compas["predicted_recid"] = (compas["score_text"] != "Low").astype("int64")
    assert len(compas) == 7_214, len(compas)
    return compas


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, frame in (("adult", build_adult()), ("compas", build_compas())):
        path = OUT / f"{name}.parquet"
        frame.to_parquet(path, index=False, compression="zstd")
        print(f"{path.relative_to(ROOT)}: {len(frame):,} rows x {frame.shape[1]} columns")


if __name__ == "__main__":
    main()
