"""Who the CLI acts as: $FAIRSYNTH_USER, else the OS user (checked against the registry's grants)."""

from __future__ import annotations

import getpass
import os

from fairsynth.foundation.errors import InvalidInputError

USER_ENV = "FAIRSYNTH_USER"


def acting_user() -> str:
    """The user name every registry write is checked and recorded under."""
    return (os.environ.get(USER_ENV) or "").strip() or getpass.getuser()


# The dashboard's identity: local mode (the default, `make run`) acts as the OS user (or
# $FAIRSYNTH_USER), who becomes the registry's first admin. On a shared server behind a proxy that
# authenticates users, FAIRSYNTH_AUTH=header reads the user from a request header the proxy sets
# (FAIRSYNTH_USER_HEADER, default X-Forwarded-User); only turn it on when the proxy strips that
# header from clients, or anyone can claim any name.
AUTH_ENV = "FAIRSYNTH_AUTH"
HEADER_ENV = "FAIRSYNTH_USER_HEADER"
DEFAULT_HEADER = "X-Forwarded-User"
AUTH_MODES = ("local", "header")
MAX_USER = 200


def auth_mode() -> str:
    """'local' unless $FAIRSYNTH_AUTH says 'header'; any other value is refused."""
    mode = (os.environ.get(AUTH_ENV) or "local").strip().lower()
    if mode not in AUTH_MODES:
        raise InvalidInputError(f"{AUTH_ENV} is '{mode}'; it is one of: {', '.join(AUTH_MODES)}.")
    return mode


def identity_header() -> str:
    return (os.environ.get(HEADER_ENV) or DEFAULT_HEADER).strip()


def user_from_headers(headers) -> str | None:
    """The user a trusted proxy named in its header (None when it sent none or an unusable one)."""
    value = (headers.get(identity_header()) or "").strip() if headers is not None else ""
    return value if value and len(value) <= MAX_USER and value.isprintable() else None
