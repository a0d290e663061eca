"""Cached engine calls keyed by the pair's content hash and the parameters, never object identity."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.samples import load_sample
from fairsynth.generation import GenerationSettings, fit_synthesizer

# How often each cached function actually ran in this process (a miss), by qualified name: the
# warm-up test reads it to prove a visit after the warm-up computes nothing again.
COMPUTED: Counter[str] = Counter()


@st.cache_data(show_spinner=False, max_entries=128)
def _cached(fn_name: str, pair_hash: str, params: str, _fn: Callable, _pair: DatasetPair) -> Any:
    COMPUTED[fn_name] += 1
    return _fn(_pair, **json.loads(params))


def cached_call(fn: Callable[..., Any], pair: DatasetPair, **params: Any) -> Any:
    """Run `fn(pair, **params)` once per (function, pair content, parameters); JSON-able params only."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached(name, pair.content_hash, json.dumps(params, sort_keys=True), fn, pair)


@st.cache_resource(show_spinner=False, max_entries=256)
def _figure(fn_name: str, inputs_digest: str, _fn: Callable, _data: tuple) -> Any:
    args, kwargs = _data
    return _fn(*args, **kwargs)


def _feed(digest: Any, value: Any) -> None:
    """Add `value`'s content to `digest`: frames by their pandas row hashes, containers item by item."""
    if isinstance(value, pd.DataFrame | pd.Series):
        meta = ((list(value.columns), list(value.dtypes)) if isinstance(value, pd.DataFrame)
                else (value.name, value.dtype))
        digest.update(repr((type(value).__name__, value.shape, meta)).encode())
        try:
            digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists): their JSON text is the content
            digest.update(value.to_json(default_handler=str).encode())
    elif isinstance(value, list | tuple):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(f"dict{len(value)}".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    else:  # scalars and None
        digest.update(f"{type(value).__name__}:{value!r};".encode())


def cached_figure(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)`, a chart builder, run once per builder and content of its inputs.

    Building a plotly figure (traces, shapes, the house style) costs 30-150 ms per chart and a
    page draws several on every rerun; its inputs are small tables, so hashing their content is
    cheap. The figure is shared (st.cache_resource, no copy): pass it straight to
    st.plotly_chart, which only reads it, and never change it afterwards."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    digest = hashlib.sha256()
    _feed(digest, (args, kwargs))
    return _figure(name, digest.hexdigest(), fn, (args, kwargs))


@st.cache_resource(show_spinner="Loading the sample…", max_entries=8)
def bundled_pair(name: str) -> DatasetPair:
    """A bundled sample pair, read and validated once per server and shared read-only by sessions."""
    return load_sample(name)


@st.cache_resource(show_spinner="Fitting the synthesizer…", max_entries=8)
def _fitted(pair_hash: str, conditioning: tuple[str, ...], seed: int, _pair: DatasetPair):
    COMPUTED["fit_synthesizer"] += 1
    settings = GenerationSettings(rows=1, conditioning=conditioning, seed=seed)
    return fit_synthesizer(_pair.real, _pair.roles, settings)


def fitted_synthesizer(pair: DatasetPair, conditioning: tuple[str, ...], seed: int):
    """The conditional synthesizer fitted on the pair's real side, once per server and shared read-only."""
    return _fitted(pair.content_hash, tuple(conditioning), int(seed), pair)
