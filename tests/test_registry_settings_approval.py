"""Approved generation settings: in the registry with the data's sha256 (approver only), written
as a TOML holding the shares and rates used, and named in the report's lineage."""

from __future__ import annotations

import json
import tomllib

import jsonschema
import pytest
from sqlalchemy import func, select, text

from fairsynth.foundation.loading import load_table
from fairsynth.foundation.paths import resource
from fairsynth.foundation.roles import Roles
from fairsynth.generation import GenerationSettings, generate
from fairsynth.governance.approvals import approve_generation_settings
from fairsynth.governance.cli import main
from fairsynth.governance.registry.database import REGISTRY_URL_ENV
from fairsynth.governance.registry.errors import RefusedError
from fairsynth.governance.registry.schema import events

pytest_plugins = ["conftest_registry"]

COMPAS = resource("sample_data/compas.parquet")
ROLES = Roles(protected=("race", "sex"), target="two_year_recid", favorable="0")
FAITHFUL = GenerationSettings(rows=3000, conditioning=("race", "sex"), seed=7)


@pytest.fixture(scope="module")
def compas():
    return load_table(COMPAS)


def _events(registry) -> int:
    with registry.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(events)).scalar_one()


def test_an_analyst_cannot_approve_settings_and_nothing_is_written(registry, compas, tmp_path):
    before = _events(registry)
    out = tmp_path / "faithful.toml"
    with pytest.raises(RefusedError) as info:
        approve_generation_settings(registry, "bob", FAITHFUL, real=compas.frame, roles=ROLES,
                                    dataset_sha256=compas.sha256, name="faithful",
                                    reason="as real", out=out)
    message = str(info.value)
    assert message == "bob is an analyst, and approve_settings needs the approver role or above."
    assert _events(registry) == before and not out.exists()


def test_an_approval_records_the_data_hash_and_writes_the_shares_and_rates_used(registry, compas,
                                                                               tmp_path):
    out = tmp_path / "faithful.toml"
    done = approve_generation_settings(registry, "carol", FAITHFUL, real=compas.frame, roles=ROLES,
                                       dataset_sha256=compas.sha256, name="faithful",
                                       reason="shares and rates as in the real data", out=out)
    data = tomllib.loads(out.read_text(encoding="utf-8"))

    # Never empty tables: every observed race&sex group with its real share and favourable rate.
    groups = (compas.frame["race"].astype(str) + "&" + compas.frame["sex"].astype(str))
    real_shares = groups.value_counts(normalize=True)
    real_rates = (compas.frame["two_year_recid"].astype(str) == "0").groupby(groups).mean()
    assert set(data["shares"]) == set(real_shares.index) == set(data["outcome_rates"])
    assert sum(data["shares"].values()) == pytest.approx(1.0, abs=1e-9)
    for group, share in real_shares.items():
        assert data["shares"][group] == pytest.approx(share, abs=1e-12)
        assert data["outcome_rates"][group] == pytest.approx(real_rates[group], abs=1e-12)
    assert data["shares_by"] == data["rates_by"] == ["race", "sex"]
    approval = data["approval"]
    assert approval["dataset_sha256"] == compas.sha256
    assert approval["approved_by"] == "carol" and approval["name"] == "faithful"
    assert approval["registry_approval_id"] == done.approval["registry_approval_id"]
    assert registry.verify().valid
    with registry.engine.connect() as connection:
        event = connection.execute(select(events).order_by(events.c.id.desc()).limit(1)).mappings().one()
    payload = json.loads(event["payload"])
    assert (event["action"], event["actor"], event["role"]) == ("approve_settings", "carol", "approver")
    assert payload["dataset_sha256"] == compas.sha256
    assert payload["settings_sha256"] == approval["settings_sha256"]

    # The written-out numbers plan the same rows as "as in the real data": the same table.
    again = GenerationSettings.from_toml(out.read_text(encoding="utf-8"))
    assert generate(compas.frame, ROLES, again).equals(generate(compas.frame, ROLES, FAITHFUL))


def test_given_shares_are_kept_and_missing_rates_written_out(registry, compas, tmp_path):
    settings = GenerationSettings(rows=2000, conditioning=("race", "sex"), shares_by=("sex",),
                                  shares={"Female": 0.5, "Male": 0.5}, seed=1)
    done = approve_generation_settings(registry, "carol", settings, real=compas.frame, roles=ROLES,
                                       dataset_sha256=compas.sha256, name="balanced sex",
                                       reason="parity", out=tmp_path / "b.toml")
    assert done.settings.shares == {"Female": 0.5, "Male": 0.5}
    assert done.settings.shares_by == ("sex",)
    assert len(done.settings.outcome_rates) == compas.frame.groupby(["race", "sex"]).ngroups


@pytest.fixture
def cli_registry(tmp_path, monkeypatch):
    """A SQLite registry made through the CLI: alice admin, bob analyst, carol approver."""
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(REGISTRY_URL_ENV, f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("FAIRSYNTH_USER", "alice")
    assert main(["registry", "init"]) == 0
    for user, role in (("bob", "analyst"), ("carol", "approver")):
        assert main(["registry", "grant", user, role]) == 0
    settings = tmp_path / "s.toml"
    settings.write_text(FAITHFUL.to_toml(), encoding="utf-8")
    return settings


def _approve_cli(monkeypatch, user: str, settings, out) -> int:
    monkeypatch.setenv("FAIRSYNTH_USER", user)
    return main(["registry", "approve-settings", "faithful", "--settings", str(settings),
                 "--real", str(COMPAS), "--protected", "race,sex", "--target", "two_year_recid",
                 "--favorable", "0", "--reason", "as real", "--out", str(out)])


def test_cli_approve_settings_refuses_an_analyst_then_lineage_names_the_approval(
        cli_registry, monkeypatch, tmp_path, capsys):
    out = tmp_path / "approved.toml"
    capsys.readouterr()
    assert _approve_cli(monkeypatch, "bob", cli_registry, out) == 1
    err = capsys.readouterr().err.strip()
    assert err == ("fairsynth registry: refused: bob is an analyst, and approve_settings needs "
                   "the approver role or above.")
    assert _approve_cli(monkeypatch, "carol", cli_registry, out) == 0
    assert "approved settings faithful" in capsys.readouterr().out

    synthetic = tmp_path / "synthetic.parquet"
    assert main(["generate", "--real", str(COMPAS), "--protected", "race,sex", "--target",
                 "two_year_recid", "--favorable", "0", "--settings", str(out),
                 "--out", str(synthetic)]) == 0
    report_path = tmp_path / "report.json"
    assert main(["audit", "--real", str(COMPAS), "--synthetic", str(synthetic), "--protected",
                 "race,sex", "--target", "two_year_recid", "--favorable", "0", "--no-privacy",
                 "--generator-settings", str(out), "--out", str(report_path),
                 "--out", str(tmp_path / "report.md"), "--quiet"]) == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    jsonschema.validate(report, json.loads(resource("governance/report_schema.json").read_text()))
    approval = report["lineage"]["generator"]["approval"]
    assert approval["name"] == "faithful" and approval["approved_by"] == "carol"
    assert approval["dataset_sha256"] == report["inputs"]["real"]["sha256"]
    assert approval["tried_on_real_input"] is True
    assert approval["approved_at"] == tomllib.loads(out.read_text())["approval"]["approved_at"]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "approved configuration | faithful, approved by carol at " in markdown

    # Without --generator-settings the audit reads what generate recorded in the file.
    again = tmp_path / "again.json"
    assert main(["audit", "--real", str(COMPAS), "--synthetic", str(synthetic), "--protected",
                 "race,sex", "--target", "two_year_recid", "--favorable", "0", "--no-privacy",
                 "--out", str(again), "--quiet"]) == 0
    lineage = json.loads(again.read_text(encoding="utf-8"))["lineage"]["generator"]
    assert lineage["approval"] == approval
    assert lineage["settings"]["shares"] == tomllib.loads(out.read_text())["shares"]


def test_cli_approve_settings_bad_input_is_exit_2_with_one_line(cli_registry, monkeypatch,
                                                                tmp_path, capsys):
    capsys.readouterr()
    monkeypatch.setenv("FAIRSYNTH_USER", "carol")
    code = main(["registry", "approve-settings", "x", "--settings", str(tmp_path / "none.toml"),
                 "--real", str(COMPAS), "--protected", "race", "--reason", "r"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no such file" in err


def test_verify_names_an_approval_edited_behind_the_trail(registry, compas, tmp_path):
    approve_generation_settings(registry, "carol", FAITHFUL, real=compas.frame, roles=ROLES,
                                dataset_sha256=compas.sha256, name="faithful", reason="as real",
                                out=tmp_path / "f.toml")
    assert registry.verify().valid
    with registry.engine.begin() as connection:
        connection.execute(text("UPDATE approved_settings SET dataset_sha256 = :sha"),
                           {"sha": "0" * 64})

    report = registry.verify()

    assert not report.valid and report.bad_row == "approved settings 1"
    assert "differ from what event" in report.sentence()
