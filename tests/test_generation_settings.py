"""Generation settings: TOML round trip, and a clear refusal of settings that cannot work."""

from __future__ import annotations

import pytest

from generation.settings import GenerationSettings, group_level
from governance.errors import InvalidInputError
from governance.samples import ADULT_ROLES


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
