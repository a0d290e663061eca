"""Cached engine calls keyed by the pair's content hash and the parameters, never object identity."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import streamlit as st

from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.samples import load_sample


@st.cache_data(show_spinner=False, max_entries=128)
def _cached(fn_name: str, pair_hash: str, params: str, _fn: Callable, _pair: DatasetPair) -> Any:
    return _fn(_pair, **json.loads(params))


def cached_call(fn: Callable[..., Any], pair: DatasetPair, **params: Any) -> Any:
    """Run `fn(pair, **params)` once per (function, pair content, parameters); JSON-able params only."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached(name, pair.content_hash, json.dumps(params, sort_keys=True), fn, pair)


@st.cache_resource(show_spinner="Loading the sample…", max_entries=8)
def bundled_pair(name: str) -> DatasetPair:
    """A bundled sample pair, read and validated once per server and shared read-only by sessions."""
    return load_sample(name)
