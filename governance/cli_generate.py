"""`fairsynth generate`: fit the conditional synthesizer on a real table and write a synthetic one."""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import replace
from pathlib import Path

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.roles import Roles, guess_favorable
from fairsynth.generation import GenerationSettings, fit_synthesizer
from fairsynth.generation.settings import MODES, SEPARATOR
from fairsynth.governance.approvals import (
    read_approval,
    settings_record_text,
    write_with_settings,
)
from fairsynth.governance.openlineage_events import input_dataset, lineage_run, output_dataset

OUTPUT_FORMATS = (".csv", ".parquet")
GROUPS_HELP = (
    "ATTR=GROUP:VALUE,GROUP:VALUE,... for one attribute, e.g. \"sex=Female:0.5,Male:0.5\"; "
    "for intersections join the attributes and the values with '&' in conditioning order, "
    "e.g. \"race&sex=Black&Female:0.05,White&Male:0.5,...\"."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `fairsynth generate` (flags override the settings file)."""
    parser.add_argument("--real", required=True, help="Real table (CSV or Parquet).")
    parser.add_argument("--protected", required=True,
                        help="Protected attributes, comma separated; they are the conditioning "
                             "attributes unless the settings file names others.")
    parser.add_argument("--target", required=True, help="Target (outcome) column.")
    parser.add_argument("--favorable", help="Favourable value of the target (guessed if left out).")
    parser.add_argument("--rows", type=int, help="Rows to generate (required unless in --settings). "
                        "In augment mode: at least this many rows in all.")
    parser.add_argument("--shares", help="Target shares per group, summing to 1; groups left out "
                        "get no rows. " + GROUPS_HELP)
    parser.add_argument("--outcome-rates", help="Favourable-outcome rate per group (0-1). " + GROUPS_HELP)
    parser.add_argument("--mode", choices=MODES,
                        help="replace: all rows synthetic (default); augment: the real rows plus "
                             "only the synthetic rows needed to reach the shares.")
    parser.add_argument("--settings", help="Settings TOML (as written by the app or "
                        "scripts/build_synthetic.py); flags override it.")
    parser.add_argument("--seed", type=int, help="Random seed (default 0): same seed, same output.")
    parser.add_argument("--out", required=True, help="Output file, .csv or .parquet.")


def run(args: argparse.Namespace) -> int:
    """Generate and write the table; returns the exit code (errors raise InvalidInputError).

    An OpenLineage run (governance.openlineage_events): START now, COMPLETE with the written file,
    FAIL when anything raises.
    """
    with lineage_run("generate", [Path(args.real)]) as lineage:
        return _generate(args, lineage)


def _generate(args: argparse.Namespace, lineage) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_FORMATS:
        raise InvalidInputError(f"--out must end in {' or '.join(OUTPUT_FORMATS)}, not '{out.name}'.")
    loaded = load_table(args.real)
    real = loaded.frame
    protected = tuple(c.strip() for c in args.protected.split(",") if c.strip())
    if args.target not in real.columns:
        raise InvalidInputError(f"--target '{args.target}' is not a column of {Path(args.real).name}.")
    favorable = args.favorable or guess_favorable(real[args.target], args.target)
    roles = Roles(protected=protected, target=args.target, favorable=favorable)
    settings = _settings(args, protected)
    settings.validate_against(real, roles)
    model = fit_synthesizer(real, roles, settings)
    frame = model.sample(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = settings_record_text(settings, model.plan(settings), _approval(args))
    write_with_settings(frame, out, record)
    # The run's parameters are the settings as recorded: shares and rates as used.
    lineage.parameters = {k: v for k, v in tomllib.loads(record).items() if k != "approval"}
    lineage.parameters["approved_configuration"] = (_approval(args) or {}).get("name") or "none"
    lineage.complete(lambda: (
        [input_dataset(Path(args.real), sha256=loaded.sha256)],
        [output_dataset(out, rows=len(frame),
                        columns=[(str(c), str(t)) for c, t in frame.dtypes.items()])]))
    print(f"wrote {len(frame):,} rows x {frame.shape[1]} columns to {out} "
          f"({settings.mode}, seed {settings.seed})")
    return 0


def _approval(args: argparse.Namespace) -> dict | None:
    return read_approval(Path(args.settings)) if args.settings else None


def _settings(args: argparse.Namespace, protected: tuple[str, ...]) -> GenerationSettings:
    base: dict = {}
    if args.settings:
        path = Path(args.settings)
        if not path.is_file():
            raise InvalidInputError(f"--settings {path.name}: no such file.")
        base = GenerationSettings.from_toml(path.read_text(encoding="utf-8")).to_dict()
    base.setdefault("conditioning", list(protected))
    if not base["conditioning"]:
        base["conditioning"] = list(protected)
    conditioning = tuple(base["conditioning"])
    if args.rows is not None:
        base["rows"] = args.rows
    if "rows" not in base:
        raise InvalidInputError("Say how many rows to generate: --rows N (or rows in --settings).")
    # The attribute named in the flag travels with the values: labels alone can be ambiguous
    # (two attributes both coded 1/2).
    if args.shares:
        base["shares_by"], base["shares"] = parse_groups(args.shares, conditioning, flag="--shares")
    if args.outcome_rates:
        base["rates_by"], base["outcome_rates"] = parse_groups(args.outcome_rates, conditioning,
                                                                flag="--outcome-rates")
    settings = GenerationSettings.from_dict(base)
    changes = {k: v for k, v in (("mode", args.mode), ("seed", args.seed)) if v is not None}
    return replace(settings, **changes) if changes else settings


def parse_groups(text: str, conditioning: tuple[str, ...], *,
                 flag: str) -> tuple[tuple[str, ...], dict[str, float]]:
    """Parse "sex=Female:0.5,Male:0.5" (or "race&sex=Black&Female:0.1,...") into (attributes, {group: value})."""
    attribute, sep, body = text.partition("=")
    attribute = attribute.strip()
    if not sep or not body.strip():
        raise InvalidInputError(f"{flag} must look like ATTR=GROUP:VALUE,...; got '{text}'.")
    names = tuple(a.strip() for a in attribute.split(SEPARATOR))
    full = len(names) > 1
    if full and names != conditioning:
        raise InvalidInputError(
            f"{flag}: intersections must name all conditioning attributes in order "
            f"({SEPARATOR.join(conditioning)}), not '{attribute}'."
        )
    if not full and names[0] not in conditioning:
        raise InvalidInputError(
            f"{flag}: '{attribute}' is not a conditioning attribute ({', '.join(conditioning)})."
        )
    out: dict[str, float] = {}
    for item in body.split(","):
        group, colon, value = item.strip().rpartition(":")
        if not colon or not group.strip():
            raise InvalidInputError(f"{flag}: '{item.strip()}' is not GROUP:VALUE.")
        try:
            out[group.strip()] = float(value)
        except ValueError as exc:
            raise InvalidInputError(f"{flag}: '{value}' is not a number (in '{item.strip()}').") from exc
    return names, out
