"""`fairsynth registry approve-settings` and `registry card`: the registry verbs that read data files.

approve-settings NAME --settings S.toml --real R --protected a,b --target y --reason TEXT
    records the settings as used (shares and rates written out) with the real file's sha256
    (approver), and writes the TOML with its [approval] table (--out, else the settings library).
card VERSION --out card.{html,md,jsonld}
    writes a version's synthetic dataset card (repeat --out for several formats).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.roles import Roles, guess_favorable
from fairsynth.generation import GenerationSettings
from fairsynth.governance.registry.files import file_sha256
from fairsynth.governance.registry.store import Registry


def add_verbs(verbs) -> None:
    """Add this module's verbs to `fairsynth registry`'s subparsers."""
    approve = verbs.add_parser("approve-settings", help="approve generation settings as tried on a "
                               "real file (approver)")
    approve.add_argument("name", help="the configuration's name")
    approve.add_argument("--settings", required=True, type=Path, help="settings TOML")
    approve.add_argument("--real", required=True, type=Path, help="the real table they were tried on")
    approve.add_argument("--protected", required=True,
                         help="protected attributes, comma separated (conditioning unless the "
                              "settings name others)")
    approve.add_argument("--target", help="target column (for outcome rates)")
    approve.add_argument("--favorable", help="favourable target value (guessed when left out)")
    approve.add_argument("--project", help="the project the approval belongs to")
    approve.add_argument("--reason", required=True)
    approve.add_argument("--out", type=Path, help="where to write the approved TOML "
                         "(default: the settings library)")
    card = verbs.add_parser("card", help="write a version's synthetic dataset card "
                            "(.html, .md, .jsonld Croissant)")
    card.add_argument("version", metavar="VERSION")
    card.add_argument("--out", required=True, action="append", type=Path,
                      help="card.html, card.md or card.jsonld (repeatable)")


def approve_settings(registry: Registry, user: str, args: argparse.Namespace) -> int:
    from fairsynth.governance.approvals import approve_generation_settings

    if not args.settings.is_file():
        raise InvalidInputError(f"--settings {args.settings}: no such file.")
    settings = GenerationSettings.from_toml(args.settings.read_text(encoding="utf-8"))
    real = load_table(args.real).frame
    protected = tuple(c.strip() for c in args.protected.split(",") if c.strip())
    favorable = args.favorable
    if args.target is not None:
        if args.target not in real.columns:
            raise InvalidInputError(f"--target '{args.target}' is not a column of {args.real.name}.")
        favorable = favorable or guess_favorable(real[args.target], args.target)
    if not settings.conditioning:
        settings = GenerationSettings.from_dict({**settings.to_dict(), "conditioning": list(protected)})
    roles = Roles(protected=protected, target=args.target, favorable=favorable)
    done = approve_generation_settings(registry, user, settings, real=real, roles=roles,
                                       dataset_sha256=file_sha256(args.real), name=args.name,
                                       reason=args.reason, project=args.project, out=args.out)
    print(f"fairsynth registry: approved settings {done.approval['name']} (approval "
          f"{done.approval['registry_approval_id']}, data sha256 "
          f"{done.approval['dataset_sha256'][:12]}); wrote {done.path}.")
    return 0


def card(registry: Registry, user: str, args: argparse.Namespace) -> int:
    from fairsynth.governance.card import build_card
    from fairsynth.governance.card_render import write_card

    data = build_card(registry, args.version)
    written = [write_card(data, out) for out in args.out]
    print(f"fairsynth registry: wrote the card of version {data['version']['id']} to "
          f"{', '.join(map(str, written))}.")
    return 0


VERBS = {"approve-settings": approve_settings, "card": card}
