"""Bundled samples made ready before the first visitor: the pages' slow analyses computed once at start.

Eight analysts opening the same bundled sample share one computation per analysis (ui.cache keys
by content hash), but the first of them still waits for it, and so do the others queued behind the
same lock. The server therefore computes, in a background thread right after it starts, what every
page computes on a bundled sample with its default settings, and imports the modules the pages
import. A page's first visit on a bundled sample then only reads caches and draws.
tests/test_warm_start.py walks every page after the warm-up and checks nothing is computed again,
so the defaults below cannot drift from the pages' without a failing test.
"""

from __future__ import annotations

import ast
import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from fairsynth.drift.over_time import fairness_over_time
from fairsynth.drift.timeline import drift_over_time, timeline_sentences, window_starts
from fairsynth.fairness.fidelity import association_difference, column_fidelity
from fairsynth.fairness.impact import disparate_impact, error_rate_parity, group_metrics
from fairsynth.fairness.subgroups import group_labels, homogeneity_tests, subgroup_gaps
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.paths import atomic_write, data_dir, resource
from fairsynth.foundation.samples import SAMPLES
from fairsynth.generation.settings import default_conditioning
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.privacy.kanon import DEFAULT_K, default_quasi_identifiers
from fairsynth.privacy.report import DEFAULT_SAMPLE_SIZE, privacy_risk
from fairsynth.ui.cache import bundled_pair, cached_call, fitted_synthesizer

WARM_ENV = "FAIRSYNTH_WARM"  # "0" turns the warm-up off (most tests start servers without it)
READY_FILE = "warm_start.json"  # in the data folder: when the warm-up ended and what it took
# The pages' default settings (their widgets start at these values).
DEFAULTS = AuditOptions()
_LOG = logging.getLogger(__name__)


def page_calls(pair: DatasetPair) -> Iterator[tuple[Callable[..., Any], dict[str, Any]]]:
    """(function, parameters) of every slow cached analysis the pages run on `pair` by default."""
    roles = pair.roles
    if roles.protected:
        yield subgroup_gaps, {"min_count": DEFAULTS.min_count}
        yield homogeneity_tests, {}
    yield column_fidelity, {}
    yield association_difference, {}
    if roles.protected and roles.target:
        yield group_labels, {}
        yield disparate_impact, {"reference": None, "max_order": DEFAULTS.max_order}
    if roles.protected and roles.prediction:
        yield group_metrics, {"max_order": DEFAULTS.max_order}
        yield error_rate_parity, {"max_order": DEFAULTS.max_order}
    if roles.time:
        window = {"freq": DEFAULTS.freq, "min_rows": DEFAULTS.min_count}
        yield window_starts, window
        yield drift_over_time, {"reference": "first", "reference_window": None, **window}
        yield timeline_sentences, window
        if roles.protected:
            yield fairness_over_time, {"freq": DEFAULTS.freq, "min_rows": DEFAULTS.min_count,
                                       "min_count": DEFAULTS.min_count}
    columns = pair.analysis_columns
    yield privacy_risk, {"quasi_identifiers": default_quasi_identifiers(columns, roles.protected),
                         "secrets": [c for c in roles.protected if c in columns],
                         "sample_size": DEFAULT_SAMPLE_SIZE, "attacks": False, "k": DEFAULT_K}
    yield run_audit, {"options": DEFAULTS.to_dict(), "generator_settings": None}


def warm_pair(pair: DatasetPair) -> None:
    """Compute, into the shared caches, everything the pages compute on `pair` by default."""
    for fn, params in page_calls(pair):
        cached_call(fn, pair, **params)
    conditioning = default_conditioning(pair.real, pair.roles)
    fitted_synthesizer(pair, conditioning, 0)


def import_page_modules() -> None:
    """Import every module the pages import, so no first visit pays for it (or waits on its lock)."""
    for page in sorted(resource("pages").glob("*.py")):
        for node in ast.parse(page.read_text(encoding="utf-8")).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                importlib.import_module(name)


def warm_all() -> float:
    """Import the pages' modules and warm every bundled sample; the seconds it took."""
    start = time.perf_counter()
    import_page_modules()
    for name in SAMPLES:
        warm_pair(bundled_pair(name))
    return time.perf_counter() - start


def start_warm_thread(runtime_ready: Callable[[], bool]) -> threading.Thread | None:
    """Warm up in a daemon thread once `runtime_ready()` (the caches need Streamlit's runtime);
    None when turned off by FAIRSYNTH_WARM=0. Writes READY_FILE in the data folder when done."""
    if os.environ.get(WARM_ENV, "1") == "0":
        return None

    def run() -> None:
        # The caches ask for a script run context, which this thread has not: not worth a warning per call.
        logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
        while not runtime_ready():
            time.sleep(0.05)
        try:
            seconds = warm_all()
        except Exception as exc:  # a failed warm-up only costs speed: pages compute on demand
            _LOG.warning("FairSynth warm-up stopped: %s", exc)
            seconds = None
        record = {"seconds": seconds, "samples": list(SAMPLES), "at": time.time()}
        try:
            atomic_write(data_dir() / READY_FILE, json.dumps(record).encode())
        except OSError as exc:
            _LOG.warning("FairSynth warm-up could not write %s: %s", READY_FILE, exc)

    thread = threading.Thread(target=run, name="fairsynth-warm-up", daemon=True)
    thread.start()
    return thread
