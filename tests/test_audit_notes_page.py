"""AppTest of the Notes & export page: findings listed, a note saved per finding, free notes, import."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest
from test_audit_pairs import adult_self_pair, adult_skewed_pair

from fairsynth.governance.notes import MitigationNote, new_note, notes_to_json

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = PATIENCE_S


@pytest.fixture
def at(adult_real) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    app.session_state["pair"] = adult_skewed_pair(adult_real)
    app.switch_page("pages/notes.py").run()
    assert not app.exception
    return app


def test_findings_are_listed_most_severe_first(at):
    text = [m.value for m in at.markdown]
    first = next(t for t in text if "badge[" in t)
    assert "critical" in first and "Other & Female" in first
    assert any("Black & Female: 4.7% of real rows" in t for t in text)
    assert at.metric[0].value == "1"  # one critical finding


def open_note_form(at, code: str) -> None:
    """Open the finding's "Mitigation note" expander, as a click does (it reruns the page)."""
    at.session_state[f"note_open_{code}"] = True
    at.run()
    assert not at.exception


def test_only_an_opened_note_expander_holds_its_form(at):
    # About 30 findings on a sample: a form each, drawn or not, is the browser's costliest work
    # on this page, so a form exists only for an expander the analyst opened.
    codes = [key[len("note_open_"):] for key in at.session_state if key.startswith("note_open_")]
    assert len(codes) >= 5
    assert not [t for t in at.text_input if (t.key or "").startswith("note_action_")]
    open_note_form(at, codes[2])
    assert [t.key for t in at.text_input if (t.key or "").startswith("note_action_")] == [
        f"note_action_{codes[2]}"]


def test_a_note_saved_on_a_finding_is_kept_in_the_session(at):
    open_note_form(at, "missing:race&sex:Other&Female")
    at.text_input(key="note_action_missing:race&sex:Other&Female").input("Regenerate with Other & Female kept")
    at.text_input(key="note_owner_missing:race&sex:Other&Female").input("data team")
    at.selectbox(key="note_status_missing:race&sex:Other&Female").select("in progress")
    at.text_area(key="note_rationale_missing:race&sex:Other&Female").input("The group must be represented.")
    next(b for b in at.button if b.label == "Save note").click().run()  # the first form's submit
    assert not at.exception
    notes = at.session_state["notes"]
    assert len(notes) == 1 and isinstance(notes[0], MitigationNote)
    assert notes[0].finding_code == "missing:race&sex:Other&Female" and notes[0].status == "in progress"
    assert any("note: **in progress**" in m.value for m in at.markdown)


def test_free_note_and_import(at):
    at.text_input(key="free_action").input("Reviewed with the legal team")
    at.selectbox(key="free_status").select("done")
    next(b for b in at.button if b.label == "Add note").click().run()
    assert not at.exception
    assert [n.action for n in at.session_state["notes"]] == ["Reviewed with the legal team"]
    blob = notes_to_json([new_note(action="imported", finding_code="drift:age")]).encode()
    at.file_uploader(key="notes_import").upload("notes.json", blob, "application/json").run()
    assert not at.exception
    assert {n.action for n in at.session_state["notes"]} == {"Reviewed with the legal team", "imported"}


def test_a_bad_notes_file_shows_an_error_not_a_traceback(at):
    at.file_uploader(key="notes_import").upload("notes.json", b"{\"format\": 1}", "application/json").run()
    assert not at.exception
    assert any("neither a FairSynth notes export" in e.value for e in at.error)


# Issue 18, point 9: a note outlives its finding as the record of how it was resolved.
def test_a_note_whose_finding_disappears_is_shown_as_resolved(at, adult_real):
    code = "missing:race&sex:Other&Female"
    open_note_form(at, code)
    at.text_input(key=f"note_action_{code}").input("Regenerated with Other & Female kept")
    at.selectbox(key=f"note_status_{code}").select("done")
    next(b for b in at.button if b.label == "Save note").click().run()
    sentence = next(m.value for m in at.markdown if "Other & Female" in m.value and "badge[" in m.value)
    # A new synthetic side (what adopting a generated table does) that no longer drops the group.
    at.session_state["pair"] = adult_self_pair(adult_real)
    at.run()
    assert not at.exception
    resolved = [m.value for m in at.markdown if m.value.startswith(":green-badge[resolved]")]
    assert len(resolved) == 1
    assert "Other & Female" in resolved[0] and "Regenerated with Other & Female kept" in resolved[0]
    assert sentence.split("] ", 1)[1].split(" · note")[0] in resolved[0]
    assert any(h.value == "Resolved findings" for h in at.subheader)
    # The note itself is unchanged: still attached to the finding's code.
    assert [n.finding_code for n in at.session_state["notes"]] == [code]


def test_fix_in_generation_opens_the_before_after_on_the_findings_attributes(at):
    # Issue 18, point 9: the gap was in race & sex, so the comparison must not open on race.
    code = "missing:race&sex:Other&Female"
    at.button(key=f"fix_{code}").click().run()
    assert not at.exception
    assert at.session_state["gen_focus"] == "race&sex"
    assert any("finding about **race & sex**" in i.value for i in at.info)
    assert at.selectbox(key="gen_expected_attribute").value == "race&sex"
    # AppTest reruns the page it was told to show, not the one st.switch_page went to: follow it.
    at.switch_page("pages/generation.py").run()
    at.button(key="gen_generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Generation"], [t.value for t in at.title]
    assert at.selectbox(key="gen_compare_attribute").value == "race&sex"
    at.button(key="gen_adopt").click().run()
    assert not at.exception
    assert "gen_focus" not in at.session_state
    assert any(s.value.startswith("Adopted:") for s in at.success)
