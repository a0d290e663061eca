"""A German-credit upload for the browser tests: the raw UCI file decoded, and a synthetic side
from FairSynth's own generator that drops most women (a gap a person would notice)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd

from fairsynth.foundation.roles import Roles
from fairsynth.generation import GenerationSettings, fit_synthesizer

RAW = Path("/work/shared/datasets")
COLUMNS = ["status", "duration", "credit_history", "purpose", "amount", "savings",
           "present_employment", "installment_rate", "status_sex", "other_debtors",
           "present_residence", "property", "age", "installment_plans", "housing",
           "existing_credits", "job", "people_liable", "telephone", "foreign_worker", "credit"]
ROLES = Roles(protected=("sex",), target="credit", favorable="good")


def german_real() -> pd.DataFrame:
    """The 1,000 applicants with readable values, `sex` split out of `status_sex`."""
    with gzip.open(RAW / "german.data.gz", "rt") as f:
        frame = pd.read_csv(f, sep=" ", header=None, names=COLUMNS)
    with gzip.open(RAW / "values_maps.json.gz", "rt") as f:
        maps = json.load(f)
    for column, mapping in maps.items():
        if column in frame:
            frame[column] = frame[column].map(lambda v, m=mapping: str(m.get(str(v), v)).strip())
    frame["sex"] = frame["status_sex"].str.split(":").str[0].str.strip()
    return frame


def german_files(folder: Path) -> tuple[Path, Path]:
    """german_real.csv and german_synthetic.csv (women 31% of real rows, about 5% synthetic)."""
    real = german_real()
    settings = GenerationSettings(rows=len(real), conditioning=("sex",),
                                  shares={"female": 0.05, "male": 0.95}, seed=3)
    synthetic = fit_synthesizer(real, ROLES, settings).sample(settings)
    real_path, synth_path = folder / "german_real.csv", folder / "german_synthetic.csv"
    real.to_csv(real_path, index=False)
    synthetic.to_csv(synth_path, index=False)
    return real_path, synth_path
