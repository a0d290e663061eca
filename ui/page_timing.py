"""Server time of page runs, measured with Streamlit's AppTest (used by bench/bench_pages.py and
bench/bench_registry_pages.py, which keep Streamlit out of bench/)."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.paths import resource

ROOT = resource()


def page_times(pair: DatasetPair, pages: list[str], *, rounds: int = 3,
               label: str = "bench") -> tuple[dict[str, float], dict[str, list[float]]]:
    """Seconds of each page's first run on `pair`, then of each later switch back to it."""
    at = _app({"pair": pair, "pair_source": label}).run()
    first, switch = {}, {page: [] for page in pages}
    for page in pages:
        t0 = time.perf_counter()
        at.switch_page(page).run()
        first[page] = time.perf_counter() - t0
        assert not at.exception, at.exception
    for _ in range(rounds):
        for page in pages:
            t0 = time.perf_counter()
            at.switch_page(page).run()
            switch[page].append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    return first, switch


def rerun_times(pages: list[str], *, state: dict | None = None,
                rounds: int = 5) -> dict[str, list[float]]:
    """Seconds of `rounds` reruns of each page, each in a fresh session holding `state`, once open."""
    times: dict[str, list[float]] = {}
    for page in pages:
        at = _app(state or {}).run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        times[page] = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            at.run()
            times[page].append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    return times


def _app(state: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    for key, value in state.items():
        at.session_state[key] = value
    return at
