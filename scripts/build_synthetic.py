"""Build the bundled synthetic counterparts in sample_data/ with FairSynth's own synthesizer.

Run from the project root: `python scripts/build_synthetic.py`. Deterministic: fixed settings
and seeds, saved as TOML next to each Parquet file, give the same bytes on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairsynth.foundation.roles import Roles, favorable_mask  # noqa: E402
from fairsynth.foundation.samples import ADULT_ROLES, COMPAS_ROLES  # noqa: E402
from fairsynth.generation import GenerationSettings, generate  # noqa: E402
from fairsynth.generation.settings import group_labels  # noqa: E402

OUT = ROOT / "sample_data"
SEED = 20240501
# The skewed demo keeps this fraction of the real share of Black women.
SKEW_FRACTION = 1 / 3


def faithful(real: pd.DataFrame) -> GenerationSettings:
    """Same rows, shares and outcome rates as the real data, conditioned on race x sex."""
    return GenerationSettings(rows=len(real), conditioning=("race", "sex"), seed=SEED)


def skewed(real: pd.DataFrame, roles: Roles) -> GenerationSettings:
    """Black women at a third of their real share; women's favourable rate raised to men's."""
    shares = group_labels(real, ("race", "sex")).value_counts(normalize=True).sort_index()
    cut = shares["Black&Female"] * (1 - SKEW_FRACTION)
    shares["Black&Female"] -= cut
    others = shares.index != "Black&Female"
    shares[others] += cut * shares[others] / shares[others].sum()
    fav = favorable_mask(real[roles.target], roles.favorable)
    male_rate = float(fav[real["sex"] == "Male"].mean())
    return GenerationSettings(
        rows=len(real), conditioning=("race", "sex"),
        shares={k: round(float(v), 12) for k, v in shares.items()},
        outcome_rates={"Female": round(male_rate, 12), "Male": round(male_rate, 12)},
        seed=SEED,
    )


def _fix_sum(settings: GenerationSettings) -> GenerationSettings:
    # Rounding to 12 digits can leave the sum a hair off 1: put the rest on the largest group.
    if not settings.shares:
        return settings
    shares = dict(settings.shares)
    big = max(shares, key=shares.get)
    shares[big] = round(1.0 - sum(v for k, v in shares.items() if k != big), 12)
    return GenerationSettings(**{**settings.to_dict(), "shares": shares})


def write(name: str, real: pd.DataFrame, roles: Roles, settings: GenerationSettings, note: str) -> None:
    settings = _fix_sum(settings)
    frame = generate(real, roles, settings)
    path = OUT / f"{name}.parquet"
    frame.to_parquet(path, index=False, compression="zstd")
    header = (f"# Settings of {path.name}, written by scripts/build_synthetic.py.\n"
              f"# {note}\n# Roles: {roles.to_dict()}\n")
    (OUT / f"{name}.toml").write_text(header + settings.to_toml())
    print(f"{path.relative_to(ROOT)}: {len(frame):,} rows x {frame.shape[1]} columns")


def main() -> None:
    adult = pd.read_parquet(OUT / "adult.parquet")
    compas = pd.read_parquet(OUT / "compas.parquet")
    write("adult_synthetic", adult, ADULT_ROLES, faithful(adult),
          "Faithful: shares and outcome rates as in the real data.")
    write("adult_synthetic_skewed", adult, ADULT_ROLES, skewed(adult, ADULT_ROLES),
          "DEMO, deliberately skewed: Black women at a third of their real share and women's "
          "rate of >50K raised to men's, which hides the real disparate impact.")
    write("compas_synthetic", compas, COMPAS_ROLES, faithful(compas),
          "Faithful: shares and outcome rates as in the real data.")


if __name__ == "__main__":
    main()
