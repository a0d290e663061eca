"""Turning two uploads into a validated pair, with one sentence on failure."""

from __future__ import annotations

import hashlib

import streamlit as st

from fairsynth.foundation.errors import FairSynthError, PairValidationError
from fairsynth.foundation.loading import LoadedTable, load_table
from fairsynth.foundation.pair import DatasetPair, make_pair
from fairsynth.foundation.roles import Roles, infer_roles
from fairsynth.ui.persistence import keep_upload


@st.cache_data(show_spinner=False, max_entries=8)
def _parse(digest: str, name: str, _data: bytes) -> LoadedTable:
    return load_table(_data, name=name)


def load_upload(upload) -> LoadedTable:
    """Parse one Streamlit upload, cached by its content digest."""
    data = upload.getvalue()
    table = _parse(hashlib.sha256(data).hexdigest(), upload.name, data)
    keep_upload(data, upload.name, table.sha256)  # so a reload or restart can rebuild the pair
    return table


def pair_from_uploads(real_upload, synthetic_upload) -> tuple[DatasetPair | None, str | None]:
    """A validated pair with guessed roles, or (None, the reason); a bad guess falls back to no roles."""
    try:
        real = load_upload(real_upload)
        synthetic = load_upload(synthetic_upload)
    except FairSynthError as exc:
        return None, str(exc)
    try:
        return make_pair(real, synthetic, infer_roles(real.frame)), None
    except PairValidationError:
        pass  # the guess does not fit both sides; the data may still be fine without roles
    try:
        return make_pair(real, synthetic, Roles()), None
    except FairSynthError as exc:
        return None, str(exc)
