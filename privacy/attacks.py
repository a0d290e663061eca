"""Singling-out, linkability and inference risks through anonymeter, seeded and reported with intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import IncomputableMetricError

# Bounds anonymeter's search for multivariate singling-out predicates on small groups.
MAX_QUERY_ATTEMPTS = 200_000
MIN_TARGETS = 10


@dataclass(frozen=True)
class AttackResult:
    """One anonymeter attack: residual risk over the control rows, its interval and the counts."""

    measure: str
    value: float
    ci_low: float
    ci_high: float
    n_attacks: int
    n_success: int
    n_control: float
    note: str = ""


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator (anonymeter samples targets with it) and restore it after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _import_anonymeter():
    try:
        from anonymeter import evaluators
    except ImportError as exc:
        raise IncomputableMetricError(
            "The attack risks need the 'anonymeter' package: pip install --no-deps anonymeter "
            "(see pyproject.toml, extra 'privacy')."
        ) from exc
    return evaluators


def _result(measure: str, evaluator, n_attacks: int) -> AttackResult:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = evaluator.results()
        risk = results.risk()
    note = " ".join(str(w.message) for w in caught)
    n_control = math.nan if results.n_control is None else float(results.n_control)
    return AttackResult(measure, float(risk.value), float(risk.ci[0]), float(risk.ci[1]),
                        n_attacks, int(results.n_success), n_control, note)


def _run(measure: str, ori: pd.DataFrame, control: pd.DataFrame, n_attacks: int,
         make: Callable[[int], object], evaluate: Callable[[object], object], seed: int) -> AttackResult:
    n = min(n_attacks, len(ori), len(control))
    if n < MIN_TARGETS:
        return AttackResult(measure, math.nan, math.nan, math.nan, n, 0, math.nan,
                            f"Too few rows to attack ({n}; at least {MIN_TARGETS}).")
    with seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluator = make(n)
        try:
            evaluate(evaluator)
        except RuntimeError as exc:
            # anonymeter raises when it cannot build enough singling-out predicates.
            return AttackResult(measure, math.nan, math.nan, math.nan, n, 0, math.nan, str(exc))
    return _result(measure, evaluator, n)


def singling_out_risk(
    ori: pd.DataFrame, syn: pd.DataFrame, control: pd.DataFrame, *, n_attacks: int = 500,
    n_cols: int = 3, mode: str = "multivariate", seed: int = 0,
) -> AttackResult:
    """anonymeter SinglingOutEvaluator: predicates from the synthetic rows that isolate one training row."""
    ev = _import_anonymeter()
    return _run("singling_out_risk", ori, control, n_attacks,
                lambda n: ev.SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=n,
                                                  n_cols=n_cols, max_attempts=MAX_QUERY_ATTEMPTS,
                                                  seed=seed),
                lambda e: e.evaluate(mode=mode), seed)


def linkability_risk(
    ori: pd.DataFrame, syn: pd.DataFrame, control: pd.DataFrame, *,
    aux_cols: tuple[list[str], list[str]], n_attacks: int = 500, n_neighbors: int = 1, seed: int = 0,
) -> AttackResult:
    """anonymeter LinkabilityEvaluator: re-joining two column halves of a training row via the synthetic rows."""
    ev = _import_anonymeter()
    return _run("linkability_risk", ori, control, n_attacks,
                lambda n: ev.LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=n,
                                                  aux_cols=aux_cols, n_neighbors=n_neighbors),
                lambda e: e.evaluate(n_jobs=1), seed)


def inference_risk(
    ori: pd.DataFrame, syn: pd.DataFrame, control: pd.DataFrame, *, aux_cols: list[str],
    secret: str, n_attacks: int = 500, seed: int = 0,
) -> AttackResult:
    """anonymeter InferenceEvaluator: guessing a secret column of a training row from its other columns."""
    ev = _import_anonymeter()
    return _run(f"inference_risk:{secret}", ori, control, n_attacks,
                lambda n: ev.InferenceEvaluator(ori=ori, syn=syn, control=control, n_attacks=n,
                                                aux_cols=aux_cols, secret=secret),
                lambda e: e.evaluate(n_jobs=1), seed)


def default_linkability_split(
    columns: list[str], quasi_identifiers: list[str]
) -> tuple[list[str], list[str]]:
    """Attacker's two tables: quasi-identifiers plus every other remaining column, and the rest.

    A register of demographics alone (say age, race, sex) ties on many rows, so its nearest
    synthetic row is arbitrary and even a verbatim copy would not link; sharing the remaining
    columns out between both tables gives each enough detail to find a record.
    """
    others = [c for c in columns if c not in quasi_identifiers]
    first = [c for c in columns if c in quasi_identifiers] + others[0::2]
    second = others[1::2]
    if not first or not second:
        first, second = columns[0::2], columns[1::2]
    return first, second
