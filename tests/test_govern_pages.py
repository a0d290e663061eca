"""AppTest of the Govern pages on a registry built in a temporary data folder: badges, a refused
action as one sentence, an approval landing in the trail, the chain still verifying."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PATIENCE_S
from govern_registry import build_registry
from streamlit.testing.v1 import AppTest

from fairsynth.governance.registry.store import Registry

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = PATIENCE_S


@pytest.fixture
def versions(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FAIRSYNTH_REGISTRY_URL", raising=False)
    monkeypatch.delenv("FAIRSYNTH_AUTH", raising=False)
    return build_registry(tmp_path)


def open_page(page: str, user: str, monkeypatch, **state) -> AppTest:
    monkeypatch.setenv("FAIRSYNTH_USER", user)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    # AppTest draws the sidebar on the first run only (not after switch_page): read it now.
    at.sidebar_text = " ".join(m.value for m in at.sidebar.markdown)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def sidebar_text(at: AppTest) -> str:
    return at.sidebar_text


def test_projects_page_shows_the_charter_and_admin_edits_it(versions, monkeypatch):
    at = open_page("govern_projects", "alice", monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert "train income models" in text and "every 30 days" in text
    assert "Signed in as **alice** · admin" in sidebar_text(at)
    at.text_area(key="charter_purpose").input("train and test income models")
    next(b for b in at.button if b.label == "Save charter").click().run()
    assert not at.exception
    assert "train and test income models" in " ".join(m.value for m in at.markdown)
    history = at.dataframe[0].value
    assert list(history["charter_version"]) == [1, 2]
    assert history["purpose"].iloc[-1] == "train and test income models"


def test_projects_page_has_no_form_for_an_analyst(versions, monkeypatch):
    at = open_page("govern_projects", "bob", monkeypatch)
    assert not [b for b in at.button if b.label == "Save charter"]
    assert any("edited by admins; you are analyst" in c.value for c in at.caption)


def test_datasets_page_lists_states_figures_and_filters(versions, monkeypatch):
    at = open_page("govern_datasets", "vic", monkeypatch)
    table = at.dataframe[0].value
    assert sorted(table["id"]) == sorted(versions.values())
    states = dict(zip(table["id"], table["state"], strict=True))
    assert states[versions["passing"]] == ["in_review"] and states[versions["seed"]] == ["draft"]
    passing = table.set_index("id").loc[versions["passing"]]
    assert passing["audits"] == 2 and bool(passing["policy_passed"]) is True
    badges = " ".join(m.value for m in at.markdown)
    assert ":blue-badge[in review: 2]" in badges and ":gray-badge[draft: 1]" in badges
    at.multiselect(key="datasets_states").select("draft").run()
    assert list(at.dataframe[0].value["id"]) == [versions["seed"]]


def test_analyst_sees_no_approve_button_and_a_viewer_sees_none(versions, monkeypatch):
    at = open_page("govern_version", "bob", monkeypatch, govern_version=versions["passing"])
    labels = {b.label for b in at.button}
    assert "Approve" not in labels and "File a concern" in labels
    at = open_page("govern_version", "vic", monkeypatch, govern_version=versions["passing"])
    assert {b.label for b in at.button} >= {"File a concern"}
    assert "Approve" not in {b.label for b in at.button}


def test_refusal_is_one_sentence(versions, monkeypatch):
    # carol may approve, but the failing version's latest audit failed with no waiver.
    at = open_page("govern_version", "carol", monkeypatch, govern_version=versions["failing"])
    next(b for b in at.button if b.label == "Approve").click().run()
    at.text_area(key="govern_reason_approve").input("looks fine")
    next(b for b in at.button if b.label == "Confirm: approve").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [f"The latest audit of version {versions['failing']} (audit 1) failed "
                      "max_abs_share_gap with no waiver, so it cannot be approved."]


def test_a_server_side_refusal_for_an_analyst_is_one_sentence(versions, monkeypatch):
    # bob is shown no Approve button; a forged click (the state set by hand) is still refused.
    at = open_page("govern_version", "bob", monkeypatch, govern_version=versions["passing"],
                   govern_pending_action="concern")
    at.text_area(key="govern_reason_concern").input("the sex column looks shuffled")
    next(b for b in at.button if b.label == "Confirm: file a concern").click().run()
    assert not at.exception and not at.error
    reg = Registry.open()
    try:
        try:
            reg.approve("bob", str(versions["passing"]), "mine")
        except Exception as exc:  # noqa: BLE001 - the sentence is what is checked
            sentence = str(exc)
    finally:
        reg.close()
    assert sentence == "bob is an analyst, and approve needs the approver role or above."


def test_approver_approves_and_it_lands_in_the_trail(versions, monkeypatch):
    at = open_page("govern_version", "carol", monkeypatch, govern_version=versions["passing"])
    assert "Signed in as **carol** · approver" in sidebar_text(at)
    next(b for b in at.button if b.label == "Approve").click().run()
    at.text_area(key="govern_reason_approve").input("passing audit, charter policy")
    next(b for b in at.button if b.label == "Confirm: approve").click().run()
    assert not at.exception and not at.error
    assert any("Approve: recorded" in s.value for s in at.success)
    assert any(":green-badge[approved]" in m.value for m in at.markdown)
    trail = at.dataframe[-1].value
    last = trail.iloc[-1]
    assert (last["action"], last["actor"], last["role"]) == ("approve", "carol", "approver")
    reg = Registry.open()
    try:
        report = reg.verify()
        assert report.valid, report.sentence()
        assert reg.details(str(versions["passing"]))["state"] == "approved"
    finally:
        reg.close()


def test_version_page_draws_audits_and_lineage(versions, monkeypatch):
    at = open_page("govern_version", "vic", monkeypatch, govern_version=versions["passing"])
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    audits, lineage = (c.proto.spec for c in charts)
    assert "Audits over time" in audits and "Lineage" in lineage
    assert "real seed v" in lineage and "audit 3" in lineage
