"""Approving generation settings: recorded in the registry with the data they were tried on, and
written as a settings TOML whose shares and rates are those used and whose [approval] table says
who approved it, when, on which dataset (sha256), and under which registry approval.

`fairsynth generate --settings` and `GenerationSettings.from_toml` read the file as is (the
[approval] table is not a setting); `fairsynth audit --generator-settings` puts the approval
into the report's lineage (`generator.approval`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import tomli_w

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import atomic_output, atomic_write
from fairsynth.foundation.roles import Roles
from fairsynth.generation import GenerationSettings, fit_synthesizer
from fairsynth.generation.library import settings_dir
from fairsynth.generation.resolve import settings_as_used
from fairsynth.governance.registry.store import Registry
from fairsynth.governance.settings_file import SETTINGS_KEY, SIDE_CAR_SUFFIX

APPROVAL_TABLE = "approval"
LEDGER_TABLE = "privacy_ledger"
APPROVAL_KEYS = ("name", "approved_by", "approved_at", "reason", "dataset_sha256",
                 "settings_sha256", "registry_approval_id")


@dataclass(frozen=True)
class ApprovedConfiguration:
    """One approval: the settings as used, the registry's record of it and the TOML written."""

    settings: GenerationSettings
    approval: dict
    path: Path


def settings_text(settings: GenerationSettings) -> str:
    """The settings as TOML without empty tables (an empty table would mean "as in the real data")."""
    data = {k: v for k, v in settings.to_dict().items() if not (isinstance(v, dict) and not v)}
    return tomli_w.dumps(data)


def approve_generation_settings(registry: Registry, user: str, settings: GenerationSettings, *,
                                real: pd.DataFrame, roles: Roles, dataset_sha256: str, name: str,
                                reason: str, project: str | None = None,
                                plan: pd.DataFrame | None = None,
                                out: Path | None = None) -> ApprovedConfiguration:
    """Approve `settings` as tried on `real` (sha256 `dataset_sha256`): registry first, then the TOML.

    The registry checks the approver role in its write transaction, so a refusal writes neither
    the row nor the file. `plan` (`ConditionalSynthesizer.plan(settings)`) saves a refit when the
    caller has the fitted synthesizer. The TOML goes to `out`, else `<library>/<name>.toml`.
    """
    settings.validate_against(real, roles)
    if plan is None:
        plan = fit_synthesizer(real, roles, settings).plan(settings)
    used = settings_as_used(settings, plan)
    text = settings_text(used)
    row = registry.approve_settings(user, name=name, settings_toml=text,
                                    dataset_sha256=dataset_sha256, reason=reason, project=project)
    approval = {"name": row["name"], "approved_by": row["approved_by"],
                "approved_at": row["approved_at"], "reason": row["reason"],
                "dataset_sha256": row["dataset_sha256"], "settings_sha256": row["settings_sha256"],
                "registry_approval_id": row["id"]}
    path = out or settings_dir() / f"{_stem(row['name'])}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (text + "\n" + tomli_w.dumps({APPROVAL_TABLE: approval})).encode("utf-8"),
                 private=False)
    return ApprovedConfiguration(used, approval, path)


def read_generator_settings(path: Path) -> GenerationSettings | dict:
    """A settings file for an audit's lineage: the settings, plus its [approval] table when it has one.

    Returns the GenerationSettings, or (with an approval) their plain form with an `approval` key,
    which `governance.lineage.build_lineage` moves to `generator.approval`.
    """
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such generation settings file.")
    return _with_tables(path.read_text(encoding="utf-8"))


def settings_from_record(text: str | None) -> GenerationSettings | dict | None:
    """The settings `generate` recorded with a synthetic file (governance.settings_file's text), in
    read_generator_settings' form; None when the file carries none.

    A record that is not valid settings is left out of the lineage rather than failing the audit
    of data it does not describe.
    """
    if not text:
        return None
    try:
        return _with_tables(text)
    except InvalidInputError:
        return None


def _with_tables(text: str) -> GenerationSettings | dict:
    # The settings, plus their [approval] and [privacy_ledger] tables when present (plain form).
    settings = GenerationSettings.from_toml(text)
    data = tomllib.loads(text)
    approval, ledger = data.get(APPROVAL_TABLE), data.get(LEDGER_TABLE)
    extra = {}
    if isinstance(approval, dict):
        extra[APPROVAL_TABLE] = {k: approval.get(k) for k in APPROVAL_KEYS}
    if isinstance(ledger, dict):
        extra[LEDGER_TABLE] = ledger
    return {**settings.to_dict(), **extra} if extra else settings


def read_approval(path: Path) -> dict | None:
    """The [approval] table of a settings file, or None."""
    approval = tomllib.loads(path.read_text(encoding="utf-8")).get(APPROVAL_TABLE)
    return {k: approval.get(k) for k in APPROVAL_KEYS} if isinstance(approval, dict) else None


def settings_record_text(settings: GenerationSettings, plan: pd.DataFrame,
                         approval: dict | None = None, *, ledger: dict | None = None) -> str:
    """What `generate` records with its output: the settings as used, the approval they carry and,
    for differentially private output, the privacy ledger (generation.dp_budget)."""
    used = settings_as_used(settings, plan) if settings.conditioning else settings
    text = settings_text(used)
    extra = {k: v for k, v in ((APPROVAL_TABLE, approval), (LEDGER_TABLE, ledger)) if v}
    return text if not extra else text + "\n" + tomli_w.dumps(extra)


def write_with_settings(frame: pd.DataFrame, out: Path, record: str) -> None:
    """Write the table with its settings record: Parquet key-value metadata `fairsynth`, or beside a
    CSV as `<out>.fairsynth.toml` (what the registry reads when the file is registered)."""
    if out.suffix.lower() == ".csv":
        # The side-car first: a CSV that is there always has its record beside it.
        atomic_write(out.with_name(out.name + SIDE_CAR_SUFFIX), record.encode("utf-8"), private=False)
        with atomic_output(out) as tmp:
            frame.to_csv(tmp, index=False)
        return
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}), SETTINGS_KEY: record.encode("utf-8")}
    with atomic_output(out) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)


def _stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in name).strip("._") or "settings"
