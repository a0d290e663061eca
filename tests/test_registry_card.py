"""The synthetic dataset card of a registered version, on the bundled COMPAS pair: every figure is
the latest audit's, the JSON-LD is valid Croissant (mlcroissant), and user text is escaped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import mlcroissant as mlc
import pytest

from fairsynth.foundation.paths import resource
from fairsynth.governance.card import NO_GUARANTEE, build_card, lineage_steps
from fairsynth.governance.card_croissant import card_croissant
from fairsynth.governance.cli import main
from fairsynth.governance.registry.database import REGISTRY_URL_ENV
from fairsynth.governance.registry.store import Registry

REAL = resource("sample_data/compas.parquet")
SYNTHETIC = resource("sample_data/compas_synthetic.parquet")
SETTINGS = resource("sample_data/compas_synthetic.toml")
PURPOSE = "Train <script>alert(1)</script> risk models & test fairness"


def _as(user: str, *argv) -> int:
    # The module fixture's MonkeyPatch set FAIRSYNTH_USER first, so its undo restores it.
    os.environ["FAIRSYNTH_USER"] = user
    return main([*map(str, argv)])


@pytest.fixture(scope="module")
def registry_env(tmp_path_factory):
    """A registry where bob audited the COMPAS sample pair and carol waived its failures and approved it."""
    folder = tmp_path_factory.mktemp("card")
    mp = pytest.MonkeyPatch()
    mp.setenv("FAIRSYNTH_DATA_DIR", str(folder / "data"))
    mp.setenv(REGISTRY_URL_ENV, f"sqlite:///{folder / 'registry.db'}")
    mp.setenv("FAIRSYNTH_USER", "alice")
    try:
        assert _as("alice", "registry", "init") == 0
        for user, role in (("bob", "analyst"), ("carol", "approver"), ("vic", "viewer")):
            assert _as("alice", "registry", "grant", user, role) == 0
        assert _as("alice", "registry", "project", "compas", "--purpose", PURPOSE, "--uses",
                   "training", "fairness testing", "--policy", resource("policy.example.toml"),
                   "--review-days", "90") == 0
        report = folder / "report.json"
        # The charter's policy fails the sample (drift, privacy): exit 1, and the run is recorded.
        assert _as("bob", "audit", "--real", REAL, "--synthetic", SYNTHETIC, "--protected",
                   "race,sex", "--target", "two_year_recid", "--favorable", "0", "--prediction",
                   "predicted_recid", "--time", "compas_screening_date", "--generator-settings",
                   SETTINGS, "--register", "compas", "--out", report, "--quiet") == 1
        data = json.loads(report.read_text(encoding="utf-8"))
        failed = [c["name"] for c in data["policy"]["checks"] if not c["passed"]]
        for check in failed:
            assert _as("carol", "registry", "waive", "2", "--check", check, "--reason",
                       f"accepted for <b>testing</b>: {check}") == 0
        assert _as("carol", "registry", "approve", "2", "--reason", "waived for testing") == 0
        assert _as("vic", "registry", "concern", "2", "--text", "Native American rows are few") == 0
        yield folder, data
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def card(registry_env):
    registry = Registry.open()
    try:
        return build_card(registry, "2")
    finally:
        registry.close()


def test_card_figures_are_the_latest_audits(card, registry_env):
    _, report = registry_env
    audit = card["audit"]
    checks = {c["name"]: c for c in report["policy"]["checks"]}
    # Disparate impact: the synthetic side's lowest four-fifths view is the policy's figure.
    synthetic = [r for r in audit["impact"] if r["dataset"] == "synthetic"]
    assert min(r["min_max_ratio"] for r in synthetic) == pytest.approx(
        checks["min_disparate_impact"]["value"], abs=1e-12)
    assert {r["attribute"] for r in synthetic} == {"race", "sex", "race&sex"}
    # Fidelity and representativeness: the report's tables and the policy's checks.
    overall = [r for r in report["fidelity"] if r["attribute"] is None]
    assert audit["fidelity"]["lowest_score"] == min(r["score"] for r in overall)
    assert audit["fidelity"]["lowest_score"] == checks["min_column_fidelity"]["value"]
    assert audit["representativeness"]["largest_abs_gap"] == pytest.approx(
        max(abs(r["gap"]) for r in report["subgroup_gaps"]), abs=0)
    small = [r for r in report["subgroup_gaps"] if r["small"]]
    assert len(audit["representativeness"]["small_groups"]) == len(small) > 0
    assert audit["failed_checks"] == [c for c in checks if not checks[c]["passed"]]
    copy = next(r for r in audit["privacy"] if r["measure"] == "exact_copy_rate")
    assert copy["value"] == next(r["value"] for r in report["privacy"]
                                 if r["measure"] == "exact_copy_rate" and r["attribute"] is None)
    assert audit["drift"]["drifted_windows"] == sum(w["dataset_drift"] for w in report["dataset_drift"])


def test_card_says_purpose_method_budget_limitations_decisions_lineage(card):
    assert card["project"]["purpose"] == PURPOSE
    assert card["project"]["uses"] == ["training", "fairness testing"]
    assert card["method"]["settings_source"] == "given to the audit"
    assert card["method"]["seed"] == card["method"]["settings"]["seed"]
    assert card["privacy_budget"] is None
    assert card["version"]["state"] == "approved" and card["parent"]["id"] == 1
    assert card["approvers"] == ["carol"]
    kinds = [(d["kind"], d["by"], d["role"]) for d in card["decisions"]]
    assert kinds[-1] == ("approve", "carol", "approver")
    assert {k for k, _, _ in kinds} == {"waive", "approve"}
    joined = " ".join(card["limitations"])
    assert "fewer than 30 real rows" in joined and "Dataset drift in" in joined
    assert "Staleness" in joined
    assert card["open_concerns"][0]["by"] == "vic"
    assert card["biases"][0].startswith("race: African-American is selected")


def test_markdown_and_html_cards_escape_registry_text(registry_env, tmp_path, capsys):
    md_path, html_path = tmp_path / "card.md", tmp_path / "card.html"
    assert _as("vic", "registry", "card", "2", "--out", md_path, "--out", html_path) == 0
    html_text = html_path.read_text(encoding="utf-8")
    assert "<script>" not in html_text and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "&lt;b&gt;testing&lt;/b&gt;" in html_text and "<b>" not in html_text
    assert NO_GUARANTEE in html_text
    markdown = md_path.read_text(encoding="utf-8")
    assert "<script>" not in markdown and "## Known biases" in markdown
    assert "## Lineage" in markdown and "Decision approve by carol (approver)" in markdown


def test_jsonld_card_is_valid_croissant_with_rai_fields(registry_env, card, tmp_path):
    out = tmp_path / "card.jsonld"
    assert _as("vic", "registry", "card", "2", "--out", out) == 0
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert "<" not in text and ">" not in text  # safe to embed in an HTML <script> block
    assert doc["description"].endswith(PURPOSE)

    dataset = mlc.Dataset(jsonld=str(out))  # raises ValidationError on any error

    metadata = dataset.metadata
    assert not metadata.ctx.issues.errors
    # What is left are recommendations FairSynth has no data for (a licence, a citation).
    assert all(any(p in w for p in ("license", "citeAs")) for w in metadata.ctx.issues.warnings)
    assert metadata.data_biases == card["biases"]
    assert metadata.data_limitations == card["limitations"]
    assert metadata.personal_sensitive_information[:2] == ["Protected attribute: race",
                                                           "Protected attribute: sex"]
    assert PURPOSE in metadata.data_use_cases
    assert doc["hasSyntheticData"] is True
    assert doc["prov:wasDerivedFrom"]["@id"] == f"urn:sha256:{card['parent']['sha256']}"
    assert doc["distribution"][0]["sha256"] == card["version"]["sha256"]
    # The record set reads the stored synthetic file itself.
    first = next(iter(dataset.records("records")))
    assert set(first) == {f"records/{c}" for c in doc_columns(doc)}
    assert len(doc_columns(doc)) == card["version"]["columns"]


def doc_columns(doc: dict) -> list[str]:
    return [f["name"] for f in doc["recordSet"][0]["field"]]


@pytest.mark.parametrize("argv, words", [
    (["registry", "card", "99", "--out", "{tmp}/c.md"], "No registered version matches '99'"),
    (["registry", "card", "2", "--out", "{tmp}/c.pdf"], "a card is written as .md, .html, .jsonld"),
    (["registry", "card", "2", "--out", "{tmp}/none/c.md"], "does not exist"),
])
def test_card_bad_input_is_exit_2_with_one_line(registry_env, tmp_path, capsys, argv, words):
    capsys.readouterr()
    code = _as("vic", *[a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and words in err
    assert not Path(tmp_path / "c.md").exists()


def test_a_generated_version_card_names_its_recorded_settings_and_approval(tmp_path, monkeypatch):
    """approve-settings -> generate (settings recorded in the Parquet file) -> audit --register ->
    card: the method is the file's own record, with the approved configuration and its data hash."""
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(REGISTRY_URL_ENV, f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("FAIRSYNTH_USER", "alice")
    assert main(["registry", "init"]) == 0
    assert main(["registry", "grant", "bob", "analyst"]) == 0
    assert main(["registry", "grant", "carol", "approver"]) == 0
    assert main(["registry", "project", "compas", "--purpose", "recidivism models"]) == 0
    roles = ["--protected", "race,sex", "--target", "two_year_recid", "--favorable", "0"]
    given = tmp_path / "given.toml"
    given.write_text('rows = 1500\nconditioning = ["race", "sex"]\nseed = 11\n'
                     '[shares]\n', encoding="utf-8")
    approved, synthetic = tmp_path / "approved.toml", tmp_path / "synthetic.parquet"
    monkeypatch.setenv("FAIRSYNTH_USER", "carol")
    assert main(["registry", "approve-settings", "faithful-1500", "--settings", str(given),
                 "--real", str(REAL), *roles, "--project", "compas", "--reason", "as real",
                 "--out", str(approved)]) == 0
    monkeypatch.setenv("FAIRSYNTH_USER", "bob")
    assert main(["generate", "--real", str(REAL), *roles, "--settings", str(approved),
                 "--out", str(synthetic)]) == 0
    assert main(["audit", "--real", str(REAL), "--synthetic", str(synthetic), *roles,
                 "--no-privacy", "--register", "compas", "--out", str(tmp_path / "r.json"),
                 "--quiet"]) == 0
    registry = Registry.open()
    try:
        card = build_card(registry, str(synthetic))
    finally:
        registry.close()

    method = card["method"]
    assert method["settings_source"] == "recorded with the file" and method["seed"] == 11
    assert len(method["settings"]["shares"]) == len(method["settings"]["outcome_rates"]) > 0
    assert method["approval"]["name"] == "faithful-1500"
    assert method["approval"]["approved_by"] == "carol"
    assert method["approval"]["dataset_sha256"] == card["parent"]["sha256"]
    assert card["audit"]["policy_passed"] is None  # the charter has no policy
    doc = card_croissant(card)
    assert "approved configuration faithful-1500 by carol" in doc["rai:dataManipulationProtocol"]


def test_a_version_without_an_audit_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(REGISTRY_URL_ENV, f"sqlite:///{tmp_path / 'registry.db'}")
    registry = Registry.open()
    try:
        registry.init("alice")
        registry.create_project("alice", "p", purpose="demo")
        registry.register("alice", SYNTHETIC, project="p", kind="synthetic")
        card = build_card(registry, "1")
    finally:
        registry.close()
    assert card["audit"] is None and card["biases"] == ["Not audited yet: its biases are unknown."]
    assert "No audit has been recorded for this version." in card["limitations"]
    assert "Decision" not in " ".join(lineage_steps(card))
    assert mlc.Dataset(jsonld=card_croissant(card)).metadata.data_biases == card["biases"]
