"""Who the CLI acts as: $FAIRSYNTH_USER, else the OS user (checked against the registry's grants)."""

from __future__ import annotations

import getpass
import os

USER_ENV = "FAIRSYNTH_USER"


def acting_user() -> str:
    """The user name every registry write is checked and recorded under."""
    return (os.environ.get(USER_ENV) or "").strip() or getpass.getuser()
