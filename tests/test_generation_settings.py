"""Generation settings: TOML round trip, and a clear refusal of settings that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.samples import ADULT_ROLES
from fairsynth.generation.settings import GenerationSettings, group_level


def test_toml_round_trip_keeps_every_setting():
    settings = GenerationSettings(
        rows=1234, conditioning=("race", "sex"), shares={"Female": 0.4, "Male": 0.6},
        outcome_rates={"Black&Female": 0.2}, mode="augment", seed=7,
    )
    text = settings.to_toml()
    assert GenerationSettings.from_toml(text) == settings
    assert "[shares]" in text and "Female = 0.4" in text


def test_from_toml_ignores_the_approval_record_but_refuses_unknown_keys():
    text = 'rows = 10\nconditioning = ["sex"]\n[approval]\nreason = "ok"\n'
    assert GenerationSettings.from_toml(text).rows == 10
    with pytest.raises(InvalidInputError, match="Unknown generation setting.*colour"):
        GenerationSettings.from_toml("rows = 10\ncolour = 'red'\n")
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        GenerationSettings.from_toml("rows = = 3")
    with pytest.raises(InvalidInputError, match="how many rows"):
        GenerationSettings.from_toml("seed = 3")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rows": 0}, "at least 1"),
    ({"rows": 10, "mode": "mix"}, "mode must be one of replace, augment"),
    ({"rows": 10, "seed": -1}, "seed"),
    ({"rows": 10, "shares": {"Female": 0.5, "Male": 0.4}}, "sum to 0.9, not 1"),
    ({"rows": 10, "shares": {"Female": 1.2, "Male": -0.2}}, "between 0 and 1"),
    ({"rows": 10, "outcome_rates": {"Female": 1.5}}, "between 0 and 1"),
])
def test_invalid_settings_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        GenerationSettings(**kwargs)


def test_shares_within_tolerance_of_one_are_accepted():
    GenerationSettings(rows=10, shares={"Female": 0.5 + 4e-7, "Male": 0.5})
    with pytest.raises(InvalidInputError):
        GenerationSettings(rows=10, shares={"Female": 0.5 + 2e-6, "Male": 0.5})


@pytest.mark.parametrize(("settings", "message"), [
    (GenerationSettings(rows=10, conditioning=("gender",)), "Unknown conditioning column.*gender"),
    (GenerationSettings(rows=10, conditioning=("income",)), "target 'income' cannot be"),
    (GenerationSettings(rows=10, conditioning=("fnlwgt",)), "distinct values"),
    (GenerationSettings(rows=10, conditioning=("sex",), shares={"Femme": 1.0}),
     "Unknown share group.*Femme.*Female"),
    (GenerationSettings(rows=10, conditioning=("race", "sex"), shares={"Black&Woman": 1.0}),
     "Unknown share group.*Black&Woman"),
    (GenerationSettings(rows=10, conditioning=("race", "sex"), shares={"Black": 0.5, "Female": 0.5}),
     "mix attributes"),
    (GenerationSettings(rows=10, conditioning=("sex",), outcome_rates={"Martian": 0.3}),
     "Unknown outcome rate group.*Martian"),
    (GenerationSettings(rows=10, shares={"Female": 1.0}), "pick conditioning attributes"),
])
def test_validate_against_the_real_table(adult_real, settings, message):
    with pytest.raises(InvalidInputError, match=message):
        settings.validate_against(adult_real, ADULT_ROLES)


def test_outcome_rates_need_a_target(adult_real):
    settings = GenerationSettings(rows=10, conditioning=("sex",), outcome_rates={"Female": 0.3})
    settings.validate_against(adult_real, ADULT_ROLES)
    with pytest.raises(InvalidInputError, match="need a target"):
        settings.validate_against(adult_real, ADULT_ROLES.with_changes(target=None, favorable=None))


def test_group_level_names_the_attribute_or_the_intersection(adult_real):
    cond = ("race", "sex")
    assert group_level({"Female": 1.0}, adult_real, cond) == ("sex",)
    assert group_level({"Black": 0.5, "White": 0.5}, adult_real, cond) == ("race",)
    assert group_level({"Black&Female": 1.0}, adult_real, cond) == cond


def _coded(compas_real):
    """COMPAS with two conditioning attributes both coded 1/2 (as survey codes often are)."""
    return compas_real.assign(parent=(compas_real["sex"] == "Female").map({True: 1, False: 2}),
                              disabled=(compas_real["race"] == "Caucasian").map({True: 1, False: 2}))


def test_toml_round_trip_keeps_the_attribute_the_values_are_for():
    settings = GenerationSettings(rows=100, conditioning=("parent", "disabled"),
                                  shares={"1": 0.2, "2": 0.8}, shares_by=("disabled",),
                                  outcome_rates={"1&2": 0.4}, rates_by=("parent", "disabled"))
    text = settings.to_toml()
    back = GenerationSettings.from_toml(text)
    assert back == settings
    assert back.shares_by == ("disabled",) and back.rates_by == ("parent", "disabled")
    # Without an attribute nothing new is written, so older files and their text stay as they were.
    plain = GenerationSettings(rows=10, conditioning=("sex",), shares={"Female": 1.0})
    assert "_by" not in plain.to_toml()
    assert GenerationSettings.from_toml(plain.to_toml()).shares_by == ()


def test_ambiguous_labels_need_the_attribute(compas_real):
    real = _coded(compas_real)
    roles = ADULT_ROLES.with_changes(protected=("parent", "disabled"), target=None, favorable=None)
    vague = GenerationSettings(rows=10, conditioning=("parent", "disabled"), shares={"1": 0.2, "2": 0.8})
    with pytest.raises(InvalidInputError) as info:
        vague.validate_against(real, roles)
    assert str(info.value).startswith("'1' is a value of both parent and disabled: say which "
                                      "attribute, e.g. --shares 'disabled=1:0.2,2:0.8'")
    named = GenerationSettings(rows=10, conditioning=("parent", "disabled"),
                               shares={"1": 0.2, "2": 0.8}, shares_by=("disabled",))
    named.validate_against(real, roles)
    assert named.share_level(real) == ("disabled",)
    assert GenerationSettings(rows=10, conditioning=("parent", "disabled"), shares={"1": 1.0},
                              shares_by="parent").share_level(real) == ("parent",)
    rates = GenerationSettings(rows=10, conditioning=("parent", "disabled"), outcome_rates={"2": 0.5})
    with pytest.raises(InvalidInputError, match="--outcome-rates 'disabled=2:0.5'.*rates_by"):
        rates.rate_level(real)


def test_named_attribute_still_refuses_unknown_groups(adult_real):
    settings = GenerationSettings(rows=10, conditioning=("race", "sex"), shares={"Female": 1.0},
                                  shares_by=("race",))
    with pytest.raises(InvalidInputError, match="Unknown share group.*Female.*conditioning race;"):
        settings.validate_against(adult_real, ADULT_ROLES)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"shares": {"Female": 1.0}, "shares_by": ("gender",)}, "shares_by must name conditioning"),
    ({"shares": {"Female&Black": 1.0}, "shares_by": ("sex", "race")}, "in conditioning order"),
    ({"shares": {"Female": 1.0}, "shares_by": ("sex", "sex")}, "once each"),
    ({"shares_by": ("sex",)}, "shares_by names sex but there are no shares"),
    ({"rates_by": ("race",)}, "rates_by names race but there are no outcome rates"),
])
def test_the_attribute_must_be_a_conditioning_attribute(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        GenerationSettings(rows=10, conditioning=("race", "sex"), **kwargs)


def test_bundled_settings_files_still_load_and_fit(adult_real, compas_real):
    from fairsynth.foundation.samples import COMPAS_ROLES
    for path in sorted((Path(__file__).resolve().parents[1] / "sample_data").glob("*.toml")):
        settings = GenerationSettings.from_toml(path.read_text(encoding="utf-8"))
        real, roles = (compas_real, COMPAS_ROLES) if "compas" in path.name else (adult_real, ADULT_ROLES)
        settings.validate_against(real, roles)
