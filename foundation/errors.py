"""Typed errors shared by every FairSynth package, each with a message a person can act on."""

from __future__ import annotations


class FairSynthError(Exception):
    """Base class of every error FairSynth raises on purpose."""


class InvalidInputError(FairSynthError, ValueError):
    """The input (a file, a column, a role, a setting) cannot be used as given."""


class IncomputableMetricError(FairSynthError):
    """A metric is undefined for this data (e.g. a reference group with no favourable outcome)."""


class PairValidationError(InvalidInputError):
    """A dataset pair failed validation; `problems` lists every blocking problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class NoTimeRoleError(InvalidInputError):
    """Drift over time needs a time column and none is set."""

    def __init__(self) -> None:
        super().__init__("No time column is set: set a time role on the Data page to see drift over time.")
