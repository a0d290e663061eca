"""Typed errors of the registry, each with one sentence a person can act on."""

from __future__ import annotations

from fairsynth.foundation.errors import FairSynthError, InvalidInputError


class RefusedError(FairSynthError):
    """A rule refused the action (role, lifecycle state, separation of duties, missing evidence).

    Nothing was written: no entity change and no event.
    """


class UnknownVersionError(InvalidInputError):
    """A VERSION reference names no registered version (or more than one)."""


class RegistryUnavailableError(FairSynthError):
    """The registry's database cannot be opened or reached."""


class RegistryOutageError(RegistryUnavailableError):
    """The registry's database stopped answering (a restart, a network cut): temporary, the next
    connection is tried afresh."""
