"""Turning two uploads into a validated pair, with feedback on every file: good, bad or waiting."""

from __future__ import annotations

import hashlib

import streamlit as st

from fairsynth.foundation.errors import FairSynthError, PairValidationError
from fairsynth.foundation.loading import MAX_UPLOAD_MB, SUPPORTED_FORMATS, LoadedTable, load_table
from fairsynth.foundation.memory_budget import MB
from fairsynth.foundation.pair import DatasetPair, make_pair
from fairsynth.foundation.roles import Roles, infer_roles
from fairsynth.ui.memory_guard import hold_for_pair, is_large, reserve_uploads
from fairsynth.ui.persistence import keep_upload
from fairsynth.ui.state import active_pair, pair_source, session_token, set_pair

TYPES = ["csv", "tsv", "txt", "gz", "parquet"]
SIDES = (("real", "Real data"), ("synthetic", "Synthetic data"))
UPLOAD_PREFIX = "upload: "


@st.cache_data(show_spinner=False, max_entries=8)
def _parse(digest: str, name: str, _data: bytes) -> LoadedTable:
    return load_table(_data, name=name)


def load_upload(upload, *, shared_cache: bool = True) -> LoadedTable:
    """Parse one Streamlit upload, cached by its content digest; a large one (shared_cache=False)
    is parsed for its session only, so no cache keeps its frame alive past the session's pair."""
    data = upload.getvalue()
    if shared_cache:
        table = _parse(hashlib.sha256(data).hexdigest(), upload.name, data)
    else:
        table = load_table(data, name=upload.name)
    keep_upload(data, upload.name, table.sha256)  # so a reload or restart can rebuild the pair
    return table


def _load_each(uploads: dict, *, shared_cache: bool = True) -> tuple[dict[str, LoadedTable], list[str]]:
    """Every given upload parsed, and one reason per file that could not be (not just the first)."""
    tables, errors = {}, []
    for side, label in SIDES:
        if uploads.get(side) is None:
            continue
        try:
            tables[side] = load_upload(uploads[side], shared_cache=shared_cache)
        except FairSynthError as exc:
            errors.append(f"{label}: {exc}")
    return tables, errors


def pair_from_uploads(real_upload, synthetic_upload) -> tuple[DatasetPair | None, str | None]:
    """A validated pair with guessed roles, or (None, the reasons); a bad guess falls back to no roles.

    A large load first reserves its estimated memory in the server's ledger: one that does not fit
    raises MemoryBudgetError (its one sentence) before a byte is parsed, and the session's pair stays.
    """
    uploads = (real_upload, synthetic_upload)
    reservation = reserve_uploads(session_token(), uploads)
    pair, error = _validated_pair(real_upload, synthetic_upload, shared_cache=reservation is None)
    if reservation is not None:
        if pair is None:
            reservation.release()
        else:
            hold_for_pair(reservation, pair, uploads)
    return pair, error


def _validated_pair(real_upload, synthetic_upload, *, shared_cache: bool) -> tuple[DatasetPair | None, str | None]:
    tables, errors = _load_each({"real": real_upload, "synthetic": synthetic_upload}, shared_cache=shared_cache)
    if errors:
        return None, " ".join(errors) if len(errors) == 1 else "Both files were refused.  \n" + "  \n".join(errors)
    real, synthetic = tables["real"], tables["synthetic"]
    try:
        return make_pair(real, synthetic, infer_roles(real.frame)), None
    except PairValidationError:
        pass  # the guess does not fit both sides; the data may still be fine without roles
    try:
        return make_pair(real, synthetic, Roles()), None
    except FairSynthError as exc:
        return None, str(exc)


def _describe(table: LoadedTable) -> str:
    return f"{len(table.frame):,} rows, {table.frame.shape[1]} columns"


def upload_section() -> None:
    """Two uploaders with feedback: each file read as soon as it arrives, every failure named,
    and the files behind the active pair named once the uploaders are empty again."""
    st.caption(f"{SUPPORTED_FORMATS}; up to {MAX_UPLOAD_MB} MB each. Files are only read, never run.")
    left, right = st.columns(2)
    files = {"real": left.file_uploader("Real data", type=TYPES, key="real"),
             "synthetic": right.file_uploader("Synthetic data", type=TYPES, key="synthetic")}
    given = {side: f for side, f in files.items() if f is not None}
    if not given:
        _say_which_files_are_active()
        return
    if len(given) == 1:
        _one_file_feedback(given)
        return
    real_file, synth_file = files["real"], files["synthetic"]
    label = f"{UPLOAD_PREFIX}{real_file.name} + {synth_file.name}"
    if st.session_state.get("last_upload") != (real_file.file_id, synth_file.file_id):
        try:
            pair, error = pair_from_uploads(real_file, synth_file)
        except FairSynthError as exc:  # MemoryBudgetError, or a budget variable that is not a number
            # Not marked as read: the next run (the button, or any click) asks the ledger again.
            _say_refused(str(exc))
            return
        st.session_state["last_upload"] = (real_file.file_id, synth_file.file_id)
        st.session_state["upload_error"] = error
        if pair is not None:
            set_pair(pair, label)
            st.rerun()
    if error := st.session_state.get("upload_error"):
        kept = f" The pair loaded before ({pair_source()}) is still active." if active_pair() else ""
        st.error(f"{error}{kept}")
    elif pair_source() == label:
        st.success("Uploaded pair loaded. Check the guessed roles below.")


def _say_refused(reason: str) -> None:
    kept = f" The pair loaded before ({pair_source()}) is still active." if active_pair() else ""
    st.error(f"{reason}{kept}")
    st.button("Try the upload again", key="retry_upload")


def _one_file_feedback(given: dict) -> None:
    # Read the lone file at once: a bad one is reported before the second is even chosen. A large
    # one is not: it would be parsed again on every rerun, outside the memory ledger.
    (side, upload), = given.items()
    other = "synthetic" if side == "real" else "real"
    if is_large([upload]):
        st.info(f"{dict(SIDES)[side]}: **{upload.name}** received ({upload.size / MB:,.0f} MB); it is "
                f"read once the {other} file is added. Until then the active pair stays "
                f"{pair_source() or 'none'}.")
        return
    tables, errors = _load_each(given)
    if errors:
        st.error(errors[0])
        return
    table = tables[side]
    label = dict(SIDES)[side]
    st.info(f"{label}: **{table.name}** read ({_describe(table)}). Add the {other} file to "
            f"compare them; until then the active pair stays {pair_source() or 'none'}.")


def _say_which_files_are_active() -> None:
    # Streamlit empties uploaders when the user leaves the page; the pair itself stays loaded.
    pair, source = active_pair(), pair_source() or ""
    if pair is not None and source.startswith(UPLOAD_PREFIX):
        st.info(f"Active uploaded pair: real **{pair.real_name}** ({len(pair.real):,} rows) and "
                f"synthetic **{pair.synthetic_name}** ({len(pair.synthetic):,} rows). The boxes "
                "above are empty again after leaving this page; the pair stays active until you "
                "upload or load another.")
    elif pair is not None:
        st.caption(f"Active pair: {source}. Upload both files to replace it.")
