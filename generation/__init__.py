"""FairSynth generation engine: a conditional synthesizer, its settings and a library of approved ones."""

from __future__ import annotations

import pandas as pd

from fairsynth.foundation.roles import Roles
from fairsynth.generation.settings import GenerationSettings
from fairsynth.generation.synthesizer import DEFAULT_SHRINKAGE, ConditionalSynthesizer, Progress

__all__ = ["ConditionalSynthesizer", "GenerationSettings", "fit_synthesizer", "generate"]


def fit_synthesizer(real: pd.DataFrame, roles: Roles, settings: GenerationSettings, *,
                    shrinkage: float = DEFAULT_SHRINKAGE) -> ConditionalSynthesizer:
    """A synthesizer fitted on `real` for these settings' conditioning and the roles' target."""
    settings.validate_against(real, roles)
    columns = [c for c in real.columns if c not in set(roles.ignored)]
    return ConditionalSynthesizer(
        conditioning=settings.conditioning, target=roles.target, favorable=roles.favorable,
        shrinkage=shrinkage, random_state=settings.seed,
    ).fit(real[columns])


def generate(real: pd.DataFrame, roles: Roles, settings: GenerationSettings, *,
             progress: Progress | None = None) -> pd.DataFrame:
    """Fit on `real` and sample what `settings` ask for (ignored columns are not generated)."""
    return fit_synthesizer(real, roles, settings).sample(settings, progress=progress)
