"""`fairsynth registry`: the governance registry's verbs (see DESIGN.md, "Governance registry").

Acts as $FAIRSYNTH_USER (else the OS user), checked against the registry's grants. VERSION is a
version id (read first: `12` is version 12 even if a file 12 exists), a file path (hashed) or a
sha256 / unique prefix of 12+ hex characters.
Exit codes: 0 done, 1 refused by a rule or policy, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.governance import cli_registry_extra
from fairsynth.governance.registry.errors import RefusedError, UnknownVersionError
from fairsynth.governance.registry.export_dump import export_registry
from fairsynth.governance.registry.identity import acting_user
from fairsynth.governance.registry.rules import KINDS, ROLES
from fairsynth.governance.registry.store import Registry

EXIT_OK, EXIT_REFUSED = 0, 1
DECISION_VERBS = ("approve", "reject", "flag", "retire", "reopen")
READ_VERBS = ("status", "history", "show")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The registry's verbs and their flags."""
    parser.epilog = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
    verbs.add_parser("init", help="create or migrate the registry; the acting user becomes admin")
    grant = verbs.add_parser("grant", help="give a user a role (admin)")
    grant.add_argument("user")
    grant.add_argument("role", choices=ROLES)
    project = verbs.add_parser("project", help="create a project and its charter, or write a new version of it (admin)")
    project.add_argument("name")
    project.add_argument("--purpose", required=True)
    project.add_argument("--uses", nargs="+", default=[], help="intended uses")
    project.add_argument("--audiences", nargs="+", default=[], help="who the data is for")
    project.add_argument("--policy", type=Path, help="policy TOML copied into the charter")
    project.add_argument("--review-days", type=int, help="review cadence in days")
    project.add_argument("--approver-role", choices=("approver", "admin"), default="approver")
    register = verbs.add_parser("register", help="register a file as a dataset version (analyst)")
    register.add_argument("file", type=Path)
    register.add_argument("--project", required=True)
    register.add_argument("--kind", required=True, choices=KINDS)
    register.add_argument("--parent", metavar="VERSION", help="the real seed it was made from")
    for verb in DECISION_VERBS:
        sub = verbs.add_parser(verb, help=f"{verb} a version (approver)")
        sub.add_argument("version", metavar="VERSION")
        sub.add_argument("--reason", required=True)
        if verb == "retire":
            sub.add_argument("--replacement", metavar="VERSION", help="the version replacing it")
    waive = verbs.add_parser("waive", help="waive a failed check of the latest audit (approver)")
    waive.add_argument("version", metavar="VERSION")
    waive.add_argument("--check", required=True)
    waive.add_argument("--reason", required=True)
    concern = verbs.add_parser("concern", help="file a concern against a version (anyone)")
    concern.add_argument("version", metavar="VERSION")
    concern.add_argument("--text", required=True)
    concern.add_argument("--blocking", action="store_true")
    status = verbs.add_parser("status", help="a version's state; --require gates a pipeline")
    status.add_argument("version", metavar="VERSION")
    status.add_argument("--require", choices=("approved",),
                        help="exit 1 unless the version (that exact file) is approved: in "
                             "--project, else every version of it that is not retired")
    status.add_argument("--project", metavar="NAME", help="only the version in this project")
    for verb in ("history", "show"):
        verbs.add_parser(verb, help=f"{verb} of a version").add_argument("version", metavar="VERSION")
    verify = verbs.add_parser("verify", help="recompute the trail's hash chain and replay it "
                              "against the tables (exit 1 when broken)")
    verify.add_argument("--expect-head", metavar="HASH",
                        help="the head hash recorded earlier (e.g. from export): exit 1 when the "
                             "head differs, as when the log's tail was deleted")
    export = verbs.add_parser("export", help="write every table and the trail as JSON")
    export.add_argument("--out", required=True, type=Path)
    cli_registry_extra.add_verbs(verbs)


def run(args: argparse.Namespace) -> int:
    """Open (and migrate) the registry, run one verb as the acting user, return the exit code."""
    registry = Registry.open()
    try:
        if args.verb in READ_VERBS:
            registry.apply_review_cadence()
        return VERBS[args.verb](registry, acting_user(), args)
    except RefusedError as exc:
        sys.stderr.write(f"fairsynth registry: refused: {exc}\n")
        return EXIT_REFUSED
    finally:
        registry.close()


def _say(text: str) -> int:
    print(f"fairsynth registry: {text}")
    return EXIT_OK


def _init(registry: Registry, user: str, args) -> int:
    if registry.init(user):
        return _say(f"registry ready; {user} is its admin.")
    return _say("registry ready (already initialised; grants unchanged).")


def _grant(registry: Registry, user: str, args) -> int:
    registry.grant(user, args.user, args.role)
    return _say(f"{args.user} is now {args.role}.")


def _project(registry: Registry, user: str, args) -> int:
    policy = None
    if args.policy is not None:
        if not args.policy.is_file():
            raise InvalidInputError(f"{args.policy}: no such policy file.")
        policy = args.policy.read_text(encoding="utf-8")
    known = registry.project(args.name) is not None
    registry.create_project(user, args.name, purpose=args.purpose, uses=args.uses,
                            audiences=args.audiences, policy_toml=policy,
                            review_days=args.review_days, approver_role=args.approver_role)
    if known:
        version = registry.project(args.name)["policy_version"]
        return _say(f"charter of project {args.name} updated (policy version {version}).")
    return _say(f"project {args.name} created.")


def _register(registry: Registry, user: str, args) -> int:
    version_id, created = registry.register(user, args.file, project=args.project, kind=args.kind,
                                            parent=args.parent)
    return _say(f"{'registered' if created else 'already registered as'} version {version_id}.")


def _decision(registry: Registry, user: str, args) -> int:
    if args.verb == "retire":
        registry.retire(user, args.version, args.reason, replacement=args.replacement)
    else:
        getattr(registry, args.verb)(user, args.version, args.reason)
    return _say(f"{args.verb}: done for {args.version}.")


def _waive(registry: Registry, user: str, args) -> int:
    registry.waive(user, args.version, args.check, args.reason)
    return _say(f"waived {args.check} for {args.version}.")


def _concern(registry: Registry, user: str, args) -> int:
    concern_id = registry.file_concern(user, args.version, args.text, blocking=args.blocking)
    return _say(f"concern {concern_id} filed.")


def _status(registry: Registry, user: str, args) -> int:
    found = registry.versions_for(args.version, project=args.project)
    for version in found:
        print(f"version {version['id']} ({version['kind']} in {version['project']}, sha256 "
              f"{version['sha256'][:12]}): {version['state']}")
    if args.require is None:
        if not found:
            raise UnknownVersionError(f"No registered version matches '{args.version}'.")
        return EXIT_OK
    # Without --project the file passes only if every live registration of it is approved: one
    # flagged in another project is a reason not to use it anywhere.
    live = [v for v in found if v["state"] != "retired"]
    if live and all(v["state"] == args.require for v in live):
        return EXIT_OK
    where = f" in project {args.project}" if args.project else ""
    shown = (", ".join(f"version {v['id']} ({v['project']}) is {v['state']}" for v in found)
             or f"it is not registered{where}")
    sys.stderr.write(f"fairsynth registry: refused: {args.version} is not {args.require} "
                     f"({shown}).\n")
    return EXIT_REFUSED


def _history(registry: Registry, user: str, args) -> int:
    for event in registry.history(args.version):
        print(f"{event['id']:>6}  {event['at']}  {event['actor']} ({event['role']})  "
              f"{event['action']}  {json.dumps(event['payload'], ensure_ascii=False)}")
    return EXIT_OK


def _show(registry: Registry, user: str, args) -> int:
    print(json.dumps(registry.details(args.version), indent=2, ensure_ascii=False, default=str))
    return EXIT_OK


def _verify(registry: Registry, user: str, args) -> int:
    report = registry.verify()
    print(f"fairsynth registry: {report.sentence()}")
    if not report.valid:
        return EXIT_REFUSED
    expected = (args.expect_head or "").strip().lower()
    if expected and expected != report.head_hash:
        sys.stderr.write(f"fairsynth registry: refused: the trail's head is event {report.head_id} "
                         f"with hash {report.head_hash}, not the expected {expected} (events "
                         "were removed from its end, or it is another registry).\n")
        return EXIT_REFUSED
    return EXIT_OK


def _export(registry: Registry, user: str, args) -> int:
    written = export_registry(registry.engine, args.out)
    return _say(f"wrote {len(written)} file(s) to {args.out}.")


VERBS = {"init": _init, "grant": _grant, "project": _project, "register": _register,
         **{verb: _decision for verb in DECISION_VERBS}, "waive": _waive, "concern": _concern,
         "status": _status, "history": _history, "show": _show, "verify": _verify,
         "export": _export, **cli_registry_extra.VERBS}
