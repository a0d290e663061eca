"""The session's kept pair: files by content hash, a pointer per token, and what it refuses; and
the headless journey: upload, set roles, a new session on the same link gets them back."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import MAX_UPLOAD_BYTES
from fairsynth.governance import session_store as store
from fairsynth.governance.registry.identity import auth_mode, user_from_headers

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ab" * 16


def test_upload_is_kept_once_by_content_hash(tmp_path):
    data = b"sex,income\nF,>50K\nM,<=50K\n"
    sha = hashlib.sha256(data).hexdigest()
    path = store.keep_bytes(data, "../../etc/my file.csv", sha256=sha, root=tmp_path)
    assert path == tmp_path / "uploads" / sha / "my_file.csv" and path.read_bytes() == data
    assert store.keep_bytes(data, "other.csv", sha256=sha, root=tmp_path) == path
    assert store.kept_file(sha, root=tmp_path) == path


def test_a_pointer_can_only_name_hashes_and_bundled_samples(tmp_path):
    with pytest.raises(InvalidInputError, match="sha256 of 64"):
        store.kept_file("../../etc/passwd", root=tmp_path)
    with pytest.raises(InvalidInputError, match="not bundled"):
        store.load_side({"sample_file": "../pyproject.toml"}, root=tmp_path)
    with pytest.raises(InvalidInputError, match="32 lowercase hex"):
        store.pointer_path("../x", root=tmp_path)
    with pytest.raises(InvalidInputError, match="over the"):
        store.keep_bytes(bytes(MAX_UPLOAD_BYTES + 1), "big.csv", sha256="0" * 64, root=tmp_path)


def test_pointer_round_trip_and_a_foreign_file_refused(tmp_path):
    sides = {"real": {"sample_file": "adult.parquet", "name": "adult.parquet"},
             "synthetic": {"sha256": "1" * 64, "name": "s.csv"}}
    store.save_pointer(TOKEN, sides, {"protected": ["sex"]}, "upload: a + b", root=tmp_path,
                       now="2026-12-02T05:00:00+00:00")
    saved = store.load_pointer(TOKEN, root=tmp_path)
    assert (saved.sides, saved.roles, saved.saved_at) == (sides, {"protected": ["sex"]},
                                                          "2026-12-02T05:00:00+00:00")
    store.pointer_path(TOKEN, root=tmp_path).write_text(json.dumps({"format": "other"}))
    with pytest.raises(InvalidInputError, match="not a FairSynth session file"):
        store.load_pointer(TOKEN, root=tmp_path)
    assert store.load_pointer("cd" * 16, root=tmp_path) is None


def test_a_generated_side_is_kept_as_parquet_and_a_sample_by_name(tmp_path):
    frame = pd.DataFrame({"sex": ["F", "M"], "income": [">50K", "<=50K"]})
    spec = store.side_spec("f" * 64, "generated (2 rows)", frame, root=tmp_path)
    table = store.load_side(spec, root=tmp_path)
    assert table.sha256 == spec["sha256"]
    # Parquet text comes back as categories (foundation.loading); the values are the same.
    pd.testing.assert_frame_equal(table.frame.astype(object), frame.astype(object))
    adult = next(sha for sha, name in store.sample_files().items() if name == "adult.parquet")
    assert store.side_spec(adult, "adult", frame, root=tmp_path) == {
        "sample_file": "adult.parquet", "name": "adult"}


def test_header_identity_only_when_configured(monkeypatch):
    monkeypatch.delenv("FAIRSYNTH_AUTH", raising=False)
    assert auth_mode() == "local"
    monkeypatch.setenv("FAIRSYNTH_AUTH", "header")
    monkeypatch.setenv("FAIRSYNTH_USER_HEADER", "X-Forwarded-Email")
    assert auth_mode() == "header"
    assert user_from_headers({"X-Forwarded-Email": " ann@example.org "}) == "ann@example.org"
    assert user_from_headers({"X-Forwarded-User": "mallory"}) is None
    monkeypatch.setenv("FAIRSYNTH_AUTH", "anyone")
    with pytest.raises(InvalidInputError, match="one of: local, header"):
        auth_mode()


def test_uploaded_pair_and_roles_come_back_on_the_same_link(tmp_path, monkeypatch, adult_real):
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    real = adult_real.sample(600, random_state=1).to_csv(index=False).encode()
    synth = adult_real.sample(600, random_state=2).to_csv(index=False).encode()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PATIENCE_S).run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="real").upload("mine_real.csv", real, "text/csv").run()
    at.file_uploader(key="synthetic").upload("mine_synth.csv", synth, "text/csv").run()
    assert at.session_state["pair_source"] == "upload: mine_real.csv + mine_synth.csv"
    at.multiselect[0].unselect("race")
    next(b for b in at.button if b.label == "Apply roles").click().run()
    assert not at.exception
    token = at.session_state["session_token"]

    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PATIENCE_S)
    again.query_params["s"] = token
    again.run()
    assert not again.exception
    pair = again.session_state["pair"]
    assert (pair.real_name, pair.synthetic_name) == ("mine_real.csv", "mine_synth.csv")
    assert pair.roles.protected == ("sex",) and len(pair.real) == 600
    sidebar = " ".join([m.value for m in again.sidebar.markdown]
                       + [c.value for c in again.sidebar.caption])
    assert "Restored upload: mine_real.csv + mine_synth.csv with its roles, saved" in sidebar
