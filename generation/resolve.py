"""The settings as used: "as in the real data" written out as the shares and rates it stands for.

An approved configuration is read later, away from the data it was tried on; an empty `shares`
table there says nothing about what was generated. `settings_as_used` fills each empty table
with the per-group values the synthesizer's plan uses (full intersections of the conditioning
attributes), so the record names real numbers and generating from it plans the same counts.
"""

from __future__ import annotations

import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.generation.settings import SEPARATOR, GenerationSettings


def settings_as_used(settings: GenerationSettings, plan: pd.DataFrame) -> GenerationSettings:
    """`settings` with empty shares and outcome rates replaced by the real per-group values.

    Parameters
    ----------
    settings : the settings the plan was made for.
    plan : `ConditionalSynthesizer.plan(settings)` (labels per conditioning attribute, `n` real
        rows, `fav` when there is a target).

    Given shares and rates are kept as given: they are what was used. Shares "as in the real
    data" are each full intersection's share of the real rows (the same division the plan makes),
    and rates "as in the real data" are each intersection's real favourable rate.
    """
    cond = list(settings.conditioning)
    if not cond:
        raise InvalidInputError("Pick conditioning attributes first: the approved record names the "
                                "shares and outcome rates per group.")
    key = plan[cond].astype(str).agg(SEPARATOR.join, axis=1)
    real = plan.groupby(key, sort=False)["n"].sum()
    changes: dict = {}
    if not settings.shares:
        changes["shares"] = {str(g): float(v) for g, v in (real / real.sum()).items()}
        changes["shares_by"] = tuple(cond)
    if not settings.outcome_rates and "fav" in plan:
        fav = plan[plan["fav"]].groupby(key[plan["fav"]], sort=False)["n"].sum()
        rates = fav.reindex(real.index, fill_value=0) / real
        changes["outcome_rates"] = {str(g): float(v) for g, v in rates.items()}
        changes["rates_by"] = tuple(cond)
    if not changes:
        return settings
    data = {**settings.to_dict(), **{k: list(v) if isinstance(v, tuple) else v
                                     for k, v in changes.items()}}
    return GenerationSettings.from_dict(data)
