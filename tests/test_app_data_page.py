"""AppTest of the app frame and the Data page: default sample, sample switch, uploads good and bad."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
TIMEOUT = PATIENCE_S


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


def _uploader(at: AppTest, key: str):
    return at.file_uploader(key=key)


def test_app_opens_on_the_default_sample_with_roles_in_the_sidebar(app):
    pair = app.session_state["pair"]
    assert len(pair.real) == 48_842 and len(pair.synthetic) > 0
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert "Protected: race, sex" in sidebar and "income" in sidebar and ">50K" in sidebar
    assert [t.value for t in app.title] == ["Data"]
    # Schema comparison lists every real column, side by side.
    schema = app.dataframe[-1].value
    assert set(pair.real.columns) <= set(schema["column"])


def test_picking_another_sample_loads_it(app):
    app.selectbox(key="sample_choice").select("compas").run()
    app.button(key="load_sample").click().run()
    assert not app.exception
    pair = app.session_state["pair"]
    assert pair.roles.time == "compas_screening_date" and len(pair.real) == 7_214


@pytest.mark.parametrize("bad_name", ["empty.csv", "binary_garbage.csv", "duplicate_columns.csv",
                                      "renamed_excel.csv", "ragged_rows.csv"])
def test_a_bad_upload_says_why_and_keeps_the_pair(app, bad_name):
    before = app.session_state["pair"]
    good = (DATA / "good" / "utf8_bom.csv").read_bytes()
    _uploader(app, "real").upload("real.csv", good, "text/csv")
    _uploader(app, "synthetic").upload(bad_name, (DATA / "bad" / bad_name).read_bytes(), "text/csv")
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and bad_name in errors[0] and "still active" in errors[0]
    assert app.session_state["pair"] is before


def test_two_good_uploads_become_the_pair_with_guessed_roles(app):
    real = (DATA / "good" / "latin1_semicolon.csv").read_bytes()
    synth = (DATA / "good" / "utf8_bom.csv").read_bytes()
    _uploader(app, "real").upload("real.csv", real, "text/csv")
    _uploader(app, "synthetic").upload("synth.csv", synth, "text/csv")
    app.run()
    assert not app.exception and not app.error
    pair = app.session_state["pair"]
    assert pair.real_name == "real.csv" and pair.roles.protected == ("sex",)
    assert pair.roles.target == "income" and pair.roles.favorable == ">50K"


def test_uploads_with_nothing_in_common_are_refused(app):
    _uploader(app, "real").upload("a.csv", b"a,b\n1,2\n3,4\n", "text/csv")
    _uploader(app, "synthetic").upload("b.csv", b"c,d\n1,2\n3,4\n", "text/csv")
    app.run()
    assert "no column in common" in app.error[0].value


def test_roles_can_be_corrected(app):
    app.multiselect[0].set_value(["sex"])
    next(b for b in app.button if b.label == "Apply roles").click().run()
    assert not app.exception
    assert app.session_state["pair"].roles.protected == ("sex",)


# Issue 18, point 8: feedback on every file, good, bad or waiting for its partner.
def test_one_file_alone_is_read_and_acknowledged(app):
    good = (DATA / "good" / "utf8_bom.csv").read_bytes()
    _uploader(app, "real").upload("mine.csv", good, "text/csv")
    app.run()
    assert not app.exception and not app.error
    info = " ".join(i.value for i in app.info)
    assert "Real data: **mine.csv** read" in info and "Add the synthetic file" in info
    assert app.session_state["pair_source"].startswith("sample:")


def test_one_bad_file_alone_is_refused_at_once(app):
    _uploader(app, "synthetic").upload("empty.csv", (DATA / "bad" / "empty.csv").read_bytes(), "text/csv")
    app.run()
    assert len(app.error) == 1 and "Synthetic data: empty.csv" in app.error[0].value


def test_two_bad_files_are_both_reported(app):
    _uploader(app, "real").upload("ragged_rows.csv", (DATA / "bad" / "ragged_rows.csv").read_bytes(),
                                  "text/csv")
    _uploader(app, "synthetic").upload("empty.csv", (DATA / "bad" / "empty.csv").read_bytes(), "text/csv")
    app.run()
    assert not app.exception
    assert len(app.error) == 1
    message = app.error[0].value
    assert "Both files were refused" in message
    assert "Real data: ragged_rows.csv" in message and "Synthetic data: empty.csv" in message


def test_the_active_uploaded_files_are_named_when_the_uploaders_are_empty(app):
    real = (DATA / "good" / "latin1_semicolon.csv").read_bytes()
    synth = (DATA / "good" / "utf8_bom.csv").read_bytes()
    _uploader(app, "real").upload("real.csv", real, "text/csv")
    _uploader(app, "synthetic").upload("synth.csv", synth, "text/csv")
    app.run()
    # Leaving the page empties Streamlit's uploaders; a fresh script run with the same session
    # state but no files is what the user sees on coming back.
    back = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key in ("pair", "pair_source", "session_token"):
        back.session_state[key] = app.session_state[key]
    back.run()
    assert not back.exception
    info = " ".join(i.value for i in back.info)
    assert "Active uploaded pair: real **real.csv**" in info and "synthetic **synth.csv**" in info
