"""The server's warm-up (ui/warm.py) computes exactly what the pages compute on a bundled sample:
after it, a visit of every page on that sample computes none of the slow analyses again."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

# AppTest puts pages/ on sys.path, where pages/fairness.py would shadow the fairness package.
import fairsynth.fairness.impact  # noqa: F401
from fairsynth.foundation.samples import SAMPLES
from fairsynth.ui import cache, warm
from fairsynth.ui.launch import start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/data.py", "pages/representativeness.py", "pages/fairness.py", "pages/drift.py",
         "pages/privacy.py", "pages/generation.py", "pages/notes.py"]


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


@pytest.mark.parametrize("sample", ["adult", "compas"])
def test_pages_compute_nothing_after_the_warm_up(sample):
    pair = cache.bundled_pair(sample)
    warm.warm_pair(pair)
    slow = [_name(fn) for fn, _ in warm.page_calls(pair)] + ["fit_synthesizer"]
    assert all(cache.COMPUTED[name] >= 1 for name in slow), "the warm-up computed nothing"
    before = {name: cache.COMPUTED[name] for name in slow}

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.session_state["pair"] = pair
    at.session_state["pair_source"] = f"sample: {SAMPLES[sample].title}"
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)

    again = {name: cache.COMPUTED[name] - before[name] for name in slow
             if cache.COMPUTED[name] != before[name]}
    assert again == {}, f"computed again after the warm-up (defaults drifted from the pages'): {again}"


def test_server_writes_its_ready_record(tmp_path):
    proc, _ = start_server(env={"FAIRSYNTH_DATA_DIR": str(tmp_path)}, timeout=120, warm=True)
    try:
        ready = tmp_path / warm.READY_FILE
        deadline = time.monotonic() + 900  # generous: a busy machine warms slowly
        while not ready.exists():
            assert time.monotonic() < deadline, "the warm-up did not end"
            try:
                proc.wait(timeout=0.2)  # returns only if the server died
                pytest.fail("the server stopped during its warm-up")
            except subprocess.TimeoutExpired:
                pass
        record = json.loads(ready.read_text())
        assert record["samples"] == list(SAMPLES)
        assert record["seconds"] is not None and record["seconds"] > 0
    finally:
        stop_server(proc)


def _digest(*args, **kwargs) -> str:
    import hashlib

    digest = hashlib.sha256()
    cache._feed(digest, (args, kwargs))
    return digest.hexdigest()


def test_chart_cache_keys_by_content_not_identity():
    import pandas as pd

    frame = pd.DataFrame({"group": ["a", "b"], "ratio": [0.5, 1.0]})
    assert _digest(frame.copy(), title="x") == _digest(frame.copy(), title="x")
    changed = frame.assign(ratio=[0.5, 0.9])
    assert _digest(changed, title="x") != _digest(frame, title="x")
    assert _digest(frame, title="y") != _digest(frame, title="x")
    assert _digest(frame.rename(columns={"ratio": "rate"})) != _digest(frame)
