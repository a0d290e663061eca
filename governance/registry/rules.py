"""The registry's rules as data: role ranks, lifecycle transitions, and which role each action needs."""

from __future__ import annotations

from typing import Literal

Role = Literal["viewer", "analyst", "approver", "admin"]
# admin is above approver: a local single-user registry (make run) is run by its admin, who may
# then do everything; separation of duties still applies to admins.
ROLE_RANK: dict[str, int] = {"viewer": 1, "analyst": 2, "approver": 3, "admin": 4}
ROLES = tuple(ROLE_RANK)

KINDS = ("real", "synthetic")
STATES = ("draft", "in_review", "approved", "review_due", "flagged", "retired")

# The least role each action needs; the CLI verb, the store method and the event share the name.
REQUIRED_ROLE: dict[str, str] = {
    "grant": "admin",
    "project": "admin",
    "register": "analyst",
    "audit": "analyst",
    "note": "analyst",
    "concern": "viewer",
    "approve": "approver",
    "reject": "approver",
    "waive": "approver",
    "flag": "approver",
    "retire": "approver",
    "reopen": "approver",
    "approve_settings": "approver",
}

# Decision -> (states it may start from, state it leads to). Waive changes no state.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("in_review", "review_due"), "approved"),
    # A rejected version goes back to draft: it needs a new audit before another review.
    "reject": (("in_review", "review_due", "flagged"), "draft"),
    "flag": (("approved", "review_due"), "flagged"),
    "retire": (("draft", "in_review", "approved", "review_due", "flagged"), "retired"),
    "reopen": (("approved", "review_due", "flagged"), "in_review"),
}

REVIEW_TRIGGERS = ("failed_audit", "privacy_finding", "blocking_concern")
# Privacy findings of these severities flag an approved version (trigger "privacy_finding").
FLAGGING_SEVERITIES = ("high", "critical")


def role_allows(role: str | None, needed: str) -> bool:
    """Whether `role` is at least `needed` in the viewer < analyst < approver < admin order."""
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]
