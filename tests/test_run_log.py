"""The server's own time per script run, logged for `make load` (ui/run_log.py)."""

from __future__ import annotations

import json

import pytest

from fairsynth.ui.run_log import PAGE_LOG_ENV, timed_run


def test_each_run_is_one_line_and_a_run_ended_early_is_still_logged(tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv(PAGE_LOG_ENV, str(log))
    ran = []
    timed_run("Fairness", lambda: ran.append(1))

    class StopException(Exception):  # as Streamlit ends a run on st.stop()
        pass

    def stopped():
        raise StopException

    with pytest.raises(StopException):
        timed_run("Drift", stopped)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert ran == [1]
    assert [(e["page"], e["ended"]) for e in lines] == [("Fairness", "ok"), ("Drift", "StopException")]
    assert all(0 <= e["seconds"] < 5 and e["at"] > 0 for e in lines)


def test_without_the_variable_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(PAGE_LOG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    timed_run("Data", lambda: None)
    assert list(tmp_path.iterdir()) == []
