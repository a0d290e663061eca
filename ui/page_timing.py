"""Server time of page runs, measured with Streamlit's AppTest (used by bench/bench_pages.py)."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.paths import resource

ROOT = resource()


def page_times(pair: DatasetPair, pages: list[str], *, rounds: int = 3,
               label: str = "bench") -> tuple[dict[str, float], dict[str, list[float]]]:
    """Seconds of each page's first run on `pair`, then of each later switch back to it."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["pair"] = pair
    at.session_state["pair_source"] = label
    at.run()
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
