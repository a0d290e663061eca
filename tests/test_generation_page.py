"""AppTest of the generation page: expected effect, generate, compare, adopt, save and load settings."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

# AppTest puts pages/ first on sys.path, where pages/fairness.py would shadow the fairness
# package: import the engine modules the page uses before it runs.
import fairsynth.generation.compare  # noqa: F401
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES
from fairsynth.generation import GenerationSettings
from fairsynth.generation.library import SETTINGS_DIR_ENV, save_approved

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "generation.py")


@pytest.fixture
def app(compas_real, tmp_path, monkeypatch):
    monkeypatch.setenv(SETTINGS_DIR_ENV, str(tmp_path / "approved"))
    half = len(compas_real) // 2
    pair = make_pair(compas_real.iloc[:half].reset_index(drop=True),
                     compas_real.iloc[half:].reset_index(drop=True), COMPAS_ROLES)
    at = AppTest.from_file(PAGE, default_timeout=PATIENCE_S)
    at.session_state["pair"] = pair
    at.session_state["pair_source"] = "test: COMPAS halves"
    return at.run()


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def test_page_shows_the_expected_effect_without_error(app):
    assert not app.exception
    assert not app.error
    assert len(app.get("plotly_chart")) == 2
    assert app.multiselect(key="gen_conditioning").value == ["race", "sex"]


def test_generate_then_compare_then_adopt(app):
    _button(app, "gen_generate").click().run()
    assert not app.exception and not app.error
    assert any("Before and after" in h.value for h in app.subheader)
    assert len(app.get("plotly_chart")) >= 5
    _button(app, "gen_adopt").click().run()
    assert not app.exception
    pair = app.session_state["pair"]
    assert pair.synthetic_name.startswith("generated")
    assert app.session_state["pair_source"].startswith("generated from")


def test_loaded_rates_change_the_expected_impact(app, tmp_path):
    rates = {"Female": 0.7, "Male": 0.7}
    save_approved(GenerationSettings(rows=2000, conditioning=("race", "sex"), outcome_rates=rates),
                  name="equal rates", approved_by="Tester", reason="demo", directory=tmp_path / "approved")
    app.run()
    _button(app, "gen_load").click().run()
    assert not app.exception and not app.error
    assert app.selectbox(key="gen_rate_level").value == "sex"
    app.selectbox(key="gen_expected_attribute").select("sex").run()
    expected = next(d.value for d in app.dataframe if "expected_rate" in d.value.columns)
    for _, row in expected.iterrows():  # exact to the row: round(0.7 x group size) favourable rows
        n = row["expected_count"]
        assert row["expected_rate"] == pytest.approx(round(0.7 * n) / n, abs=1e-12)
    assert expected["expected_count"].sum() == 2000


def test_save_and_load_approved_settings(app):
    app.number_input(key="gen_seed").set_value(7).run()
    app.text_input(key="gen_save_name").input("seven")
    app.text_input(key="gen_save_who").input("Tester")
    app.text_area(key="gen_save_why").input("")
    submit = next(b for b in app.button if "Save current settings" in b.label)
    submit.click().run()
    assert any("reason is required" in e.value for e in app.error), ([e.value for e in app.error], [s.value for s in app.success])
    app.text_area(key="gen_save_why").input("Reviewed with the fairness board")
    next(b for b in app.button if "Save current settings" in b.label).click().run()
    assert any("Saved 'seven'" in s.value for s in app.success), [e.value for e in app.error]
    app.number_input(key="gen_seed").set_value(3).run()
    _button(app, "gen_load").click().run()
    assert not app.exception
    assert app.number_input(key="gen_seed").value == 7
    assert any("approved by Tester" in i.value for i in app.info)


def test_page_keeps_the_attribute_when_two_attributes_share_labels(compas_real, tmp_path, monkeypatch):
    monkeypatch.setenv(SETTINGS_DIR_ENV, str(tmp_path / "approved"))
    coded = compas_real.assign(parent=(compas_real["sex"] == "Female").map({True: 1, False: 2}),
                               disabled=(compas_real["race"] == "Caucasian").map({True: 1, False: 2}))
    roles = COMPAS_ROLES.with_changes(protected=("parent", "disabled"))
    half = len(coded) // 2
    pair = make_pair(coded.iloc[:half].reset_index(drop=True), coded.iloc[half:].reset_index(drop=True),
                     roles)
    save_approved(GenerationSettings(rows=2000, conditioning=("parent", "disabled"),
                                     shares={"1": 0.2, "2": 0.8}, shares_by=("disabled",)),
                  name="coded", approved_by="Tester", reason="demo", directory=tmp_path / "approved")
    at = AppTest.from_file(PAGE, default_timeout=PATIENCE_S)
    at.session_state["pair"] = pair
    at.session_state["pair_source"] = "test: coded COMPAS halves"
    at.run()
    _button(at, "gen_load").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="gen_share_level").value == "disabled"
    at.selectbox(key="gen_expected_attribute").select("disabled").run()
    expected = next(d.value for d in at.dataframe if "expected_share" in d.value.columns)
    assert expected.set_index("group")["expected_count"].to_dict() == {"1": 400, "2": 1600}


def test_saved_settings_hold_the_shares_and_rates_used_and_the_data_hash(app, tmp_path):
    app.text_input(key="gen_save_name").input("as real")
    app.text_input(key="gen_save_who").input("Tester")
    app.text_area(key="gen_save_why").input("faithful")
    next(b for b in app.button if "Save current settings" in b.label).click().run()
    assert any("Saved 'as real'" in s.value for s in app.success), [e.value for e in app.error]

    data = tomllib.loads((tmp_path / "approved" / "as_real.toml").read_text(encoding="utf-8"))
    pair = app.session_state["pair"]
    groups = pair.real["race"].astype(str) + "&" + pair.real["sex"].astype(str)
    assert set(data["shares"]) == set(groups) == set(data["outcome_rates"])
    assert sum(data["shares"].values()) == pytest.approx(1.0, abs=1e-9)
    assert data["approval"]["dataset_sha256"] == pair.real_sha256


# Issue 18, point 9: the comparison opens on what was tuned, and adoption is confirmed.
def test_before_after_opens_on_the_tuned_intersection_and_adoption_is_confirmed(app, compas_real, tmp_path):
    # Setup: approved settings that move 5 points of share between two race & sex groups.
    pair = app.session_state["pair"]
    shares = (pair.real.groupby(["race", "sex"], observed=True).size() / len(pair.real)).to_dict()
    shares = {f"{r}&{s}": float(v) for (r, s), v in shares.items()}
    shares["African-American&Male"] -= 0.05
    shares["Caucasian&Female"] += 0.05
    save_approved(GenerationSettings(rows=3000, conditioning=("race", "sex"), shares=shares,
                                     shares_by=("race", "sex")),
                  name="more women", approved_by="Tester", reason="gap in race & sex",
                  directory=tmp_path / "approved")
    app.run()
    _button(app, "gen_load").click().run()
    # Run
    _button(app, "gen_generate").click().run()
    assert not app.exception and not app.error
    # Assert: the view opens on race&sex, not on the first attribute (race).
    assert app.selectbox(key="gen_compare_attribute").value == "race&sex"
    shown = next(d.value for d in app.dataframe if "after_gap" in d.value.columns)
    assert set(shown["attribute"]) == {"race&sex"}
    _button(app, "gen_adopt").click().run()
    assert not app.exception
    confirmation = [s.value for s in app.success]
    assert len(confirmation) == 1 and confirmation[0].startswith("Adopted: **generated (3,000 rows")
    assert "largest subgroup share gap went from" in confirmation[0]
    app.run()  # shown once, not on every later run
    assert not [s.value for s in app.success if s.value.startswith("Adopted")]


def test_dp_generation_on_the_page_states_its_guarantee(app):
    pytest.importorskip("opendp")
    app.toggle(key="gen_dp_on").set_value(True).run()
    app.number_input(key="gen_dp_epsilon").set_value(2.0).run()
    _button(app, "gen_generate").click().run()
    assert not app.exception and not app.error
    assert any("Generated with (epsilon=2, delta=0)-differential privacy" in i.value for i in app.info)
    assert any("Before and after" in h.value for h in app.subheader)
    _button(app, "gen_adopt").click().run()
    record = next(iter(app.session_state["generated_settings"].values()))
    assert record["privacy_ledger"]["epsilon_spent"] == pytest.approx(2.0, abs=1e-9)


def test_a_large_generation_over_the_server_budget_is_refused_before_it_is_made(app, monkeypatch):
    from fairsynth.foundation import memory_budget
    from fairsynth.foundation.memory_budget import MB, MemoryLedger

    book = MemoryLedger(server_bytes=4000 * MB, session_bytes=2000 * MB, baseline_bytes=1000 * MB)
    monkeypatch.setattr(memory_budget, "_LEDGER", book)
    others = [book.reserve(f"analyst {i}", 1000 * MB) for i in range(3)]
    app.number_input(key="gen_rows").set_value(2_000_000).run()  # ~1.5 GB: fits a session
    _button(app, "gen_generate").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "The server is busy with 3 large datasets; try again in a minute, or generate fewer rows."]
    assert "gen_result" not in app.session_state and book.large_loads == 3  # nothing made or held
    others[0].release()
    assert book.large_loads == 2
