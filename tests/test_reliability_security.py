"""Server hardening in the shipped config, no path traversal, safe exports, nothing unpickled or evaluated."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from conftest import PATIENCE_S
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.foundation.samples import SAMPLES, load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import FORMULA_PREFIXES, csv_tables, to_json
from fairsynth.governance.export_html import to_html
from fairsynth.governance.export_markdown import to_markdown
from fairsynth.governance.notes import new_note, notes_from_json, notes_to_json
from fairsynth.governance.notes_store import (
    is_valid_token,
    load_session_notes,
    new_token,
    notes_path,
    save_session_notes,
)
from fairsynth.ui.launch import SERVER_FLAGS

ROOT = Path(__file__).resolve().parents[1]
# The hardened settings every server start passes (`fairsynth app`, `make run`, the tests).
FLAGS = dict(zip(SERVER_FLAGS[::2], SERVER_FLAGS[1::2], strict=True))
EVIL_COLUMN = "<img src=x onerror=alert(1)>"
EVIL_GROUP = "<script>alert('group')</script>"
FORMULA_GROUP = '=HYPERLINK("http://evil.example","click")'
EVIL_NAME = '"><svg onload=alert(2)>.csv'


# ---------------------------------------------------------------- the shipped server config


def test_server_flags_cap_uploads_and_keep_xsrf_and_static_serving_safe():
    assert 0 < int(FLAGS["--server.maxUploadSize"]) <= 200
    assert FLAGS["--server.enableXsrfProtection"] == "true"
    assert FLAGS["--server.enableStaticServing"] == "false"
    assert FLAGS["--server.address"] == "127.0.0.1"
    assert FLAGS["--browser.gatherUsageStats"] == "false"
    # Streamlit knows every option under these names (a typo would be refused at start).
    for flag in FLAGS:
        st_config.get_option(flag.removeprefix("--"))


def test_running_server_lists_no_directory_and_serves_no_project_file(app_url):
    secrets = {"pyproject.toml": b"[project]", "sample_data/adult.parquet": b"PAR1",
               "foundation/loading.py": b"import"}
    paths = ["/app/static/", "/static/", "/app/static/../../pyproject.toml", "/media/",
             *(f"/{p}" for p in secrets), *(f"/app/static/{p}" for p in secrets)]
    for path in paths:
        try:
            with urllib.request.urlopen(app_url + path, timeout=PATIENCE_S) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            assert exc.code in (400, 403, 404), path
            continue
        # Unknown paths get the app's own index page, never a listing or a project file.
        assert b"Index of" not in body and b"Directory listing" not in body, path
        assert b"<!doctype html>" in body.lower()[:2000], path
        for marker in secrets.values():
            assert not body.startswith(marker), path
        assert b"maxUploadSize" not in body and b"[project]" not in body


# ---------------------------------------------------------------- names that could be paths


@pytest.mark.parametrize("name", ["../../etc/passwd", "adult/../../x", "../sample_data/adult.parquet",
                                  "adult.parquet", "/etc/passwd", "ADULT", "", "adult\x00",
                                  "sample_data/compas"])
def test_sample_loader_accepts_only_bundled_names(name):
    with pytest.raises(InvalidInputError, match="Unknown sample") as info:
        load_sample(name)
    assert all(known in str(info.value) for known in SAMPLES)


@pytest.mark.parametrize("token", ["../../etc/passwd", "..", "/tmp/x", "a" * 31, "a" * 33, "A" * 32,
                                   "g" * 32, "0" * 31 + "/", "0" * 32 + "\n", None, 12345,
                                   "%2e%2e%2f" + "0" * 23])
def test_notes_store_refuses_every_token_but_32_hex(token, tmp_path):
    assert not is_valid_token(token)
    with pytest.raises(InvalidInputError, match="32 lowercase hex"):
        notes_path(token, root=tmp_path)
    with pytest.raises(InvalidInputError):
        save_session_notes(token, [], root=tmp_path)
    assert not any(tmp_path.rglob("*"))


def test_notes_store_round_trip_keeps_every_field_and_stays_in_its_folder(tmp_path):
    token = new_token()
    assert is_valid_token(token) and token != new_token()
    notes = [new_note(action=f"{EVIL_GROUP} fix", owner="Zoë", status="in progress",
                      rationale="line one\nline two", finding_code="gap:race=Black"),
             new_note(action="free note")]
    path = save_session_notes(token, notes, root=tmp_path)
    assert path.parent == tmp_path / "notes" and path.name == f"{token}.json"
    assert list(load_session_notes(token, root=tmp_path)) == notes
    assert load_session_notes(new_token(), root=tmp_path) == ()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    # The autosave file is a plain notes export: the Notes page can import it too.
    assert notes_from_json(path.read_text(encoding="utf-8")) == tuple(notes)
    assert notes_to_json(notes) == path.read_text(encoding="utf-8")


def test_a_corrupt_autosave_is_a_typed_error_not_a_crash(tmp_path):
    token = new_token()
    path = notes_path(token, root=tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        load_session_notes(token, root=tmp_path)


# ---------------------------------------------------------------- hostile text through the exports


@pytest.fixture(scope="module")
def hostile_report(compas_real):
    real = compas_real.rename(columns={"race": EVIL_COLUMN}).copy()
    real[EVIL_COLUMN] = real[EVIL_COLUMN].replace({"Other": EVIL_GROUP, "Asian": FORMULA_GROUP})
    real["sex"] = real["sex"].replace({"Female": "@SUM(A1:A9)"})
    synth = real.sample(frac=0.6, random_state=3).reset_index(drop=True)
    roles = Roles(protected=(EVIL_COLUMN, "sex"), target="two_year_recid", favorable="0",
                  prediction="predicted_recid", time="compas_screening_date")
    pair = make_pair(real, synth, roles, real_name=EVIL_NAME, synthetic_name="+cmd|' /C calc'!A0")
    note = new_note(action="<script>alert(4)</script>", owner="=1+1", rationale="-2+3",
                    finding_code="gap")
    return run_audit(pair).with_notes([note])


def test_html_export_escapes_every_hostile_string(hostile_report):
    page = to_html(hostile_report)
    for raw in (EVIL_COLUMN, EVIL_GROUP, "<script>alert(4)</script>", '"><svg onload=alert(2)>'):
        assert raw not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # Only FairSynth's own script blocks exist; no data string opens or closes one.
    assert page.lower().count("<script") == page.lower().count("</script>")
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page  # shown as text, escaped


def test_csv_exports_neutralise_every_formula(hostile_report):
    tables = csv_tables(hostile_report)
    assert {"subgroup_gaps.csv", "disparate_impact.csv", "notes.csv"} <= set(tables)
    seen_hostile = 0
    for text in tables.values():
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                if cell.startswith(FORMULA_PREFIXES):
                    float(cell)  # only numbers (e.g. -0.05) may start with - or +
                seen_hostile += FORMULA_GROUP in cell or "@SUM" in cell or "=1+1" in cell
    assert seen_hostile >= 3  # the hostile values are there, quoted with a leading apostrophe
    gaps = pd.read_csv(io.StringIO(tables["subgroup_gaps.csv"]))
    assert ("'" + FORMULA_GROUP) in set(gaps["group"]) or any(
        g.startswith("'@SUM") for g in gaps["group"])


def test_markdown_and_json_exports_carry_hostile_text_inertly(hostile_report):
    markdown = to_markdown(hostile_report)
    assert "<script>" not in markdown and EVIL_COLUMN not in markdown
    data = to_json(hostile_report).decode()
    assert EVIL_COLUMN in json.loads(data)["roles"]["protected"]


# ---------------------------------------------------------------- nothing unpickled or evaluated

FORBIDDEN = re.compile(
    r"\bpickle\b|\bcPickle\b|read_pickle|allow_pickle\s*=\s*True|(?<![\w.])eval\(|(?<![\w.])exec\(|"
    r"\bmarshal\.loads?\(|\bshelve\b|\bdill\b|joblib\.load|torch\.load|yaml\.load\(|yaml\.unsafe_load|"
    r"shell\s*=\s*True|os\.system\(|__import__\("
)


def test_no_code_outside_tests_unpickles_or_evaluates_anything():
    skip = {".venv", "tests", ".git", "build", "node_modules"}
    hits = []
    files = [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]
    assert len(files) > 40
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FORBIDDEN.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert hits == []


def test_the_forbidden_pattern_catches_what_it_should():
    for bad in ("pickle.load(f)", "pd.read_pickle(p)", "np.load(p, allow_pickle=True)", "eval(x)",
                "exec(code)", "yaml.load(s)", "subprocess.run(c, shell=True)", "x = __import__('os')"):
        assert FORBIDDEN.search(bad), bad
    for fine in ("model.eval()", "ast.literal_eval(s)", "re.compile(r'x')", "executor.submit()"):
        assert not FORBIDDEN.search(fine), fine


# ---------------------------------------------------------------- caches never cross sessions


def test_ui_code_never_lists_cache_entries_and_keys_them_by_content():
    listing = re.compile(r"get_stats|cache_stats|_mem_cache|_cache_info|\.clear\(\)|caching\.|"
                         r"get_data_cache|cache_data\.\w+\(|cache_resource\.\w+\(")
    hits, cached = [], []
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if listing.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            if line.startswith(("@st.cache_data", "@st.cache_resource")):
                cached.append((path.name, lines[number]))
    assert hits == []
    # Every cached function is keyed by a content hash; the data itself is passed unhashed (_x).
    assert cached
    for name, signature in cached:
        if "def bundled_pair(name: str)" in signature:
            continue  # keyed by a registry name of read-only files shipped with the code
        if "def _open(url: str, local_user: str | None) -> Registry" in signature:
            continue  # the server's one connection pool to the registry, keyed by its URL: no data
        params = re.search(r"\((.*)\)", signature).group(1)
        assert re.search(r"\b\w*(hash|digest)\b", params), (name, signature)
        assert re.search(r"\b_(pair|data)\b", params), (name, signature)


def test_a_second_session_holds_nothing_of_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path))
    data = ROOT / "tests" / "data" / "good"
    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PATIENCE_S).run()
    first.file_uploader(key="real").upload("secret_real.csv", (data / "latin1_semicolon.csv").read_bytes(),
                                          "text/csv").run()
    first.file_uploader(key="synthetic").upload("secret_synth.csv", (data / "utf8_bom.csv").read_bytes(),
                                               "text/csv").run()
    secret = first.session_state["pair"]
    assert secret.real_name == "secret_real.csv"
    first.switch_page("pages/notes.py").run()
    assert not first.exception
    # A second session in the same process shares the caches, never the state.
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PATIENCE_S).run()
    second.switch_page("pages/notes.py").run()
    assert not second.exception
    state = second.session_state
    dump = " ".join(repr(state[k]) for k in state.keys())
    assert "secret_real" not in dump and "José" not in dump and secret.content_hash not in dump
    assert state["session_token"] != first.session_state["session_token"]
    texts = " ".join(str(e.value) for e in [*second.markdown, *second.caption, *second.text])
    assert "secret" not in texts
