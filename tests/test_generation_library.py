"""The library of approved generation settings: save with who/why/when, list, load again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.generation import GenerationSettings
from fairsynth.generation.library import (
    LIBRARY_COLUMNS,
    SETTINGS_DIR_ENV,
    list_approved,
    load_approved,
    save_approved,
    settings_dir,
)

SETTINGS = GenerationSettings(rows=1000, conditioning=("race", "sex"),
                              shares={"Female": 0.5, "Male": 0.5}, outcome_rates={"Female": 0.3},
                              seed=4)


def test_save_then_load_gives_the_same_settings_and_record(tmp_path):
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    saved = save_approved(SETTINGS, name="Balanced sexes v1", approved_by="Ana",
                          reason="Board asked for parity", directory=tmp_path, now=when)
    loaded = load_approved("Balanced sexes v1", directory=tmp_path)
    assert loaded.settings == SETTINGS
    assert (loaded.approved_by, loaded.reason, loaded.approved_at) == (
        "Ana", "Board asked for parity", "2025-01-02T03:04:05+00:00")
    assert saved.path.parent == tmp_path and saved.path.suffix == ".toml"
    # The saved file is itself a settings file the CLI reads.
    assert GenerationSettings.from_toml(saved.path.read_text()) == SETTINGS


def test_list_is_newest_first(tmp_path):
    save_approved(SETTINGS, name="old", approved_by="a", reason="r", directory=tmp_path,
                  now=datetime(2024, 1, 1, tzinfo=UTC))
    save_approved(SETTINGS, name="new", approved_by="b", reason="r", directory=tmp_path,
                  now=datetime(2025, 1, 1, tzinfo=UTC))
    (tmp_path / "junk.toml").write_text("not = [toml")
    table = list_approved(directory=tmp_path)
    assert list(table.columns) == LIBRARY_COLUMNS
    assert table["name"].tolist() == ["new", "old"]
    assert table.loc[0, "conditioning"] == "race&sex"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "x", "approved_by": "a", "reason": "  "}, "reason is required"),
    ({"name": "x", "approved_by": "", "reason": "r"}, "who approves"),
    ({"name": "../etc/passwd", "approved_by": "a", "reason": "r"}, "configuration name"),
])
def test_refusals(tmp_path, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        save_approved(SETTINGS, directory=tmp_path, **kwargs)


def test_duplicate_names_need_overwrite_and_unknown_names_list_the_saved(tmp_path):
    save_approved(SETTINGS, name="a", approved_by="x", reason="r", directory=tmp_path)
    with pytest.raises(InvalidInputError, match="already exists"):
        save_approved(SETTINGS, name="a", approved_by="x", reason="r", directory=tmp_path)
    save_approved(SETTINGS, name="a", approved_by="y", reason="r2", directory=tmp_path, overwrite=True)
    assert load_approved("a", directory=tmp_path).approved_by == "y"
    with pytest.raises(InvalidInputError, match="Saved: a"):
        load_approved("b", directory=tmp_path)


def test_folder_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(SETTINGS_DIR_ENV, str(tmp_path / "lib"))
    assert settings_dir() == tmp_path / "lib"
    save_approved(SETTINGS, name="env", approved_by="a", reason="r")
    assert list_approved()["name"].tolist() == ["env"]
    monkeypatch.delenv(SETTINGS_DIR_ENV)
    assert settings_dir().name == "approved_settings"
