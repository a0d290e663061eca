"""FairSynth generation engine: a conditional synthesizer, its settings and a library of approved ones."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.roles import Roles
from fairsynth.generation.settings import GenerationSettings

if TYPE_CHECKING:
    from fairsynth.generation.dp_synthesizer import DPSynthesizer
    from fairsynth.generation.synthesizer import ConditionalSynthesizer, Progress

# The synthesizers import scipy's optimisers (~0.7 s): loaded when first used, not whenever a
# light module of this package is (an audit reads the privacy ledger's sentence from dp_budget).
_LAZY = {"ConditionalSynthesizer": "fairsynth.generation.synthesizer",
         "DEFAULT_SHRINKAGE": "fairsynth.generation.synthesizer",
         "DPSynthesizer": "fairsynth.generation.dp_synthesizer"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["ConditionalSynthesizer", "DPSynthesizer", "GenerationSettings", "fit_dp_synthesizer",
           "fit_synthesizer", "generate"]


def fit_synthesizer(real: pd.DataFrame, roles: Roles, settings: GenerationSettings, *,
                    shrinkage: float | None = None) -> ConditionalSynthesizer:
    """A synthesizer fitted on `real` for these settings' conditioning and the roles' target
    (`shrinkage` defaults to synthesizer.DEFAULT_SHRINKAGE)."""
    from fairsynth.generation.synthesizer import DEFAULT_SHRINKAGE, ConditionalSynthesizer

    settings.validate_against(real, roles)
    columns = [c for c in real.columns if c not in set(roles.ignored)]
    return ConditionalSynthesizer(
        conditioning=settings.conditioning, target=roles.target, favorable=roles.favorable,
        shrinkage=DEFAULT_SHRINKAGE if shrinkage is None else shrinkage, random_state=settings.seed,
    ).fit(real[columns])


def fit_dp_synthesizer(real: pd.DataFrame, roles: Roles, settings: GenerationSettings) -> DPSynthesizer:
    """The DP synthesizer fitted under the settings' (epsilon, delta); its `ledger_` says how it was spent."""
    from fairsynth.generation.dp_synthesizer import DPSynthesizer

    if settings.epsilon is None:
        raise InvalidInputError("Differentially private generation needs an epsilon.")
    settings.validate_against(real, roles)
    columns = [c for c in real.columns if c not in set(roles.ignored)]
    return DPSynthesizer(
        conditioning=settings.conditioning, target=roles.target, favorable=roles.favorable,
        epsilon=settings.epsilon, delta=settings.delta, public=settings.public,
        random_state=settings.seed,
    ).fit(real[columns])


def generate(real: pd.DataFrame, roles: Roles, settings: GenerationSettings, *,
             progress: Progress | None = None) -> pd.DataFrame:
    """Fit on `real` and sample what `settings` ask for (ignored columns are not generated).

    With an epsilon in the settings the DP synthesizer runs; its ledger is on `fit_dp_synthesizer`'s result.
    """
    if settings.epsilon is not None:
        return fit_dp_synthesizer(real, roles, settings).sample(settings)
    return fit_synthesizer(real, roles, settings).sample(settings, progress=progress)
