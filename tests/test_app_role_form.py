"""AppTest of the Data page's role form: it always shows the active pair's roles (issue 18.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

from fairsynth.foundation.samples import COMPAS_ROLES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PATIENCE_S).run()
    assert not at.exception
    return at


def _form_values(at: AppTest) -> dict:
    return {"protected": at.multiselect(key="role_protected").value,
            "target": at.selectbox(key="role_target").value,
            "favorable": at.text_input(key="role_favorable").value,
            "prediction": at.selectbox(key="role_prediction").value,
            "time": at.selectbox(key="role_time").value}


def _apply(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Apply roles").click().run()
    assert not at.exception


def test_form_shows_the_new_pair_after_switching_samples_and_apply_keeps_every_role(app):
    # Setup: the form has been drawn for Adult (favourable >50K, no prediction, no time).
    assert _form_values(app)["favorable"] == ">50K" and _form_values(app)["time"] == "(none)"
    # Run: load COMPAS over it.
    app.selectbox(key="sample_choice").select("compas").run()
    app.button(key="load_sample").click().run()
    # Assert: every widget shows COMPAS's roles, not Adult's.
    assert _form_values(app) == {"protected": ["race", "sex"], "target": "two_year_recid",
                                 "favorable": "0", "prediction": "predicted_recid",
                                 "time": "compas_screening_date"}
    # Apply untouched: no error, and no role silently cleared.
    _apply(app)
    assert not app.error
    assert app.session_state["pair"].roles == COMPAS_ROLES
    assert "nothing changed" in app.success[0].value


def test_clearing_a_role_is_named_in_the_confirmation(app):
    app.selectbox(key="sample_choice").select("compas").run()
    app.button(key="load_sample").click().run()
    app.selectbox(key="role_time").select("(none)")
    _apply(app)
    assert app.session_state["pair"].roles.time is None
    assert app.session_state["pair"].roles.prediction == "predicted_recid"
    assert "time cleared (was compas_screening_date)" in app.success[0].value
    # The form now shows the applied roles, and switching back to Adult shows Adult's.
    assert _form_values(app)["time"] == "(none)"
    app.selectbox(key="sample_choice").select("adult-skewed").run()
    app.button(key="load_sample").click().run()
    assert _form_values(app)["favorable"] == ">50K" and _form_values(app)["prediction"] == "(none)"


def test_a_refused_apply_keeps_the_users_edits_on_screen(app):
    app.text_input(key="role_favorable").input("no such value")
    _apply(app)
    assert app.error and "Roles not applied" in app.error[0].value
    assert _form_values(app)["favorable"] == "no such value"
    assert app.session_state["pair"].roles.favorable == ">50K"


def test_form_still_shows_the_roles_after_visiting_another_page(app):
    # Streamlit forgets the values of widgets a run did not draw: coming back must not show
    # an empty form (whose Apply would clear every role).
    app.selectbox(key="sample_choice").select("compas").run()
    app.button(key="load_sample").click().run()
    app.switch_page("pages/notes.py").run()
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert _form_values(app)["protected"] == ["race", "sex"]
    assert _form_values(app)["time"] == "compas_screening_date"
    _apply(app)
    assert app.session_state["pair"].roles == COMPAS_ROLES
