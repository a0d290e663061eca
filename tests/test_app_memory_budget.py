"""AppTest of admission control on the Data page: a large upload that does not fit the server's
memory budget is refused with one sentence before it is parsed, the pair loaded before stays, and
once room is free the same files load, hold their reservation, and give it back when replaced; a
large pair saved under a link is restored only when it fits, and said so when it does not."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fairsynth.foundation import memory_budget
from fairsynth.foundation.memory_budget import LARGE_LOAD_MB, MB, MemoryLedger

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120


def _large_csv(seed: int) -> bytes:
    # Over the large-load threshold in bytes, yet quick to parse: few rows with a long text column.
    rng = np.random.default_rng(seed)
    rows = 9_000
    filler = "x" * ((LARGE_LOAD_MB * MB // 2) // rows + 64)
    sex = rng.choice(["Female", "Male"], rows)
    income = rng.choice(["<=50K", ">50K"], rows)
    lines = ["sex,income,age,remark"] + [f"{s},{i},{a},{filler}" for s, i, a in
                                         zip(sex, income, rng.integers(18, 90, rows), strict=True)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def small_server(monkeypatch, tmp_path):
    """A fresh process ledger with room for three loads of about 1 GB above the baseline."""
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    book = MemoryLedger(server_bytes=4000 * MB, session_bytes=2000 * MB, baseline_bytes=1000 * MB)
    monkeypatch.setattr(memory_budget, "_LEDGER", book)
    return book


def test_a_load_over_the_server_budget_is_refused_and_the_old_pair_stays(small_server):
    others = [small_server.reserve(f"analyst {i}", 1000 * MB) for i in range(3)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    before, source = at.session_state["pair"], at.session_state["pair_source"]
    real, synthetic = _large_csv(0), _large_csv(1)
    at.file_uploader(key="real").upload("big_real.csv", real, "text/csv")
    at.file_uploader(key="synthetic").upload("big_synth.csv", synthetic, "text/csv").run()

    assert not at.exception
    assert [e.value for e in at.error] == [
        "The server is busy with 3 large datasets; try again in a minute, or use the CLI with "
        f"--engine duckdb. The pair loaded before ({source}) is still active."]
    assert at.session_state["pair"] is before
    assert small_server.large_loads == 3  # the refused load holds nothing

    others[0].release()  # an analyst left: the retry is admitted, parsed and held
    at.button(key="retry_upload").click().run()
    assert not at.exception and not at.error
    pair = at.session_state["pair"]
    assert pair.real_name == "big_real.csv" and len(pair.real) == 9_000
    token = at.session_state["session_token"]
    held = small_server.held_by(token)
    frames = pair.real.memory_usage(deep=True).sum() + pair.synthetic.memory_usage(deep=True).sum()
    assert held == frames + len(real) + len(synthetic)  # the measured size, not the estimate

    del pair
    at.selectbox(key="sample_choice").select("compas").run()
    at.button(key="load_sample").click().run()
    # Streamlit keeps the state a run started with until the next run begins: one more run (any
    # click) and the replaced pair's frames are gone, and their reservation with them.
    assert small_server.held_by(token) == held
    at.run()
    gc.collect()
    assert small_server.held_by(token) == 0 and small_server.large_loads == 2


def test_a_load_over_the_session_budget_names_the_budget(small_server, monkeypatch):
    monkeypatch.setattr(small_server, "session_bytes", 100 * MB)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    before = at.session_state["pair"]
    at.file_uploader(key="real").upload("big_real.csv", _large_csv(0), "text/csv")
    at.file_uploader(key="synthetic").upload("big_synth.csv", _large_csv(1), "text/csv").run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert "a session may use (FAIRSYNTH_SESSION_MEMORY_MB); use the CLI with --engine duckdb" in error
    assert error.startswith("big_real.csv + big_synth.csv (")
    assert at.session_state["pair"] is before


def test_a_large_saved_pair_is_restored_only_when_it_fits(small_server):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.file_uploader(key="real").upload("big_real.csv", _large_csv(0), "text/csv")
    at.file_uploader(key="synthetic").upload("big_synth.csv", _large_csv(1), "text/csv").run()
    assert not at.exception and at.session_state["pair"].real_name == "big_real.csv"
    token = at.session_state["session_token"]
    del at
    gc.collect()
    others = [small_server.reserve(f"analyst {i}", 1000 * MB) for i in range(3)]
    assert small_server.large_loads == 3  # the first session's pair is gone with its state

    # A reload of the link while the server is full: refused before a byte is read, and said.
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    again.query_params["s"] = token
    again.run()
    assert not again.exception
    assert again.session_state["pair"].real_name != "big_real.csv"
    (error,) = [w.value for w in again.sidebar.warning]
    assert error.startswith("The pair saved for this link was not restored yet: The server is busy "
                            "with 3 large datasets;") and "Reload the page to try again" in error
    assert small_server.large_loads == 3

    # Room again: the next reload restores it, and holds its measured size.
    others[0].release()
    later = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    later.query_params["s"] = token
    later.run()
    assert not later.exception and not later.sidebar.warning
    pair = later.session_state["pair"]
    assert pair.real_name == "big_real.csv" and len(pair.real) == 9_000
    frames = pair.real.memory_usage(deep=True).sum() + pair.synthetic.memory_usage(deep=True).sum()
    assert small_server.held_by(token) == frames
