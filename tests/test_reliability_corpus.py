"""Every hostile or broken input gets a correct load or one sentence, in bounded time and memory.

Each file goes three ways: the library (load_table -> make_pair -> run_audit, in this process),
the CLI (`fairsynth audit` in a child process under an address-space limit, its peak memory read
back with wait4) and the Data page (AppTest upload). Bounds: 60 s wall time and 1 GiB peak
resident memory per CLI run, under a 3 GiB address-space cap; 30 s per library run.
The outcome of every file is written to test-results/bad_input_table.md for the closing note.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from conftest import PATIENCE_S
from streamlit.testing.v1 import AppTest

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles, parse_time
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import load_schema

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
spec = importlib.util.spec_from_file_location("make_bad_corpus", ROOT / "scripts" / "make_bad_corpus.py")
corpus = importlib.util.module_from_spec(spec)
sys.modules["make_bad_corpus"] = corpus
spec.loader.exec_module(corpus)

# Bounds on the CPU seconds an input may cost (user + system, all threads), not wall seconds:
# the CPU a file costs is its own, while wall time grows with whatever else the machine runs.
CLI_SECONDS, CLI_RSS_MB, CLI_ADDRESS_SPACE = 60, 1024, 3 * 2**30
LIBRARY_SECONDS = 30
PEOPLE = ["age", "hours", "race", "sex", "date", "income"]


@dataclass(frozen=True)
class Input:
    """A file to feed, the roles to audit it with and what should happen."""

    path: Path
    what: str
    expect: str
    reason: str
    roles: Roles


def _inputs(folder: Path) -> list[Input]:
    out = []
    for case in corpus.CASES:
        out.append(Input(folder / case.name, case.what, case.expect, case.reason,
                         Roles(protected=case.protected, target=case.target,
                               favorable=case.favorable, time=case.time)))
    # The hand-made files of the loading tests, with the roles of their own columns.
    roles = Roles(protected=("sex",), target="income", favorable=">50K")
    for kind in ("bad", "good"):
        for path in sorted((DATA / kind).iterdir()):
            if kind == "bad":
                out.append(Input(path, "tests/data/bad (loading tests)", "refuse", "", roles))
            elif b"income" in path.read_bytes() or path.suffix == ".gz":
                out.append(Input(path, "tests/data/good (loading tests)", "load", "", roles))
            else:  # a good file without the role columns: the audit says which are missing
                out.append(Input(path, "tests/data/good, no income column", "refuse",
                                 "not in", roles))
    return out


CASE_NAMES = [c.name for c in corpus.CASES] + [
    p.name for kind in ("bad", "good") for p in sorted((DATA / kind).iterdir())]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Input]:
    folder = tmp_path_factory.mktemp("corpus")
    corpus.write_corpus(folder)
    return {i.path.name: i for i in _inputs(folder)}


def library_outcome(item: Input):
    """(kind, message, report or None, pair or None) of the library path."""
    try:
        table = load_table(item.path)
        pair = make_pair(table, table, item.roles)
        report = run_audit(pair)
    except FairSynthError as exc:
        return "refused", str(exc), None, None
    return "loaded", "", report, pair


# ---------------------------------------------------------------- the library path


@pytest.mark.parametrize("name", CASE_NAMES)
def test_library_loads_or_refuses_with_one_sentence(inputs, name):
    item = inputs[name]
    start = time.process_time()
    kind, message, report, pair = library_outcome(item)  # anything but FairSynthError fails here
    elapsed = time.process_time() - start
    assert elapsed < LIBRARY_SECONDS, f"{name} took {elapsed:.1f} CPU s"
    if item.expect == "refuse":
        assert kind == "refused", f"{name} should be refused"
        assert "\n" not in message and len(message) < 400
        assert item.reason in message
        return
    assert kind == "loaded", f"{name} should load: {message}"
    if item.reason:
        assert any(item.reason in w.message for w in pair.warnings)
    assert not report.errors, report.errors
    assert report.subgroup_gaps is not None and len(report.subgroup_gaps) >= 2


def test_loaded_files_hold_the_right_values(inputs):
    def frame(name):
        return load_table(inputs[name].path).frame

    reference = corpus.people(60)
    for name in ("bom_utf8_twice.csv", "bom_utf16le.csv", "bom_utf16be.csv"):
        got = frame(name)
        assert list(got.columns) == PEOPLE
        pd.testing.assert_series_equal(got["sex"], reference["sex"])
    truncated = frame("truncated_mid_row.csv")
    assert len(truncated) == 60 and pd.isna(truncated.iloc[-1]["income"])
    short = frame("ragged_short_rows.csv")
    assert len(short) == 80 and short.iloc[4][["sex", "date", "income"]].isna().all()
    quoted = frame("quoted_newlines_crlf.csv")
    assert quoted.loc[0, "comment"] == 'line one\nline two, with "quotes"'
    assert quoted.loc[2, "comment"] == "a;b|c\r\nd" and quoted.loc[0, "income"] in (">50K", "<=50K")
    mixed = load_table(inputs["mixed_encodings.csv"].path)
    assert mixed.encoding == "mixed utf-8/cp1252"
    assert set(mixed.frame["city"]) == {"Málaga", "Zürich", "Kraków", "São Paulo"}
    numbers = frame("nan_inf_numeric.csv")["hours"]
    assert numbers.dtype == "float64" and numbers.isin([float("inf"), float("-inf")]).sum() == 4
    dates = frame("dates_three_formats.csv")["date"]
    expected = pd.to_datetime(corpus.people(90)["date"])
    pd.testing.assert_series_equal(parse_time(dates), expected, check_names=False)


def test_the_date_formats_give_drift_windows(inputs):
    _, _, report, _ = library_outcome(inputs["dates_three_formats.csv"])
    assert report.status("drift").status == "ok"
    # The pair against itself: nothing drifts, and every window of the 23 months is there.
    assert report.drift["window"].nunique() >= 20


# ---------------------------------------------------------------- the CLI path


@pytest.fixture(scope="module")
def cli_results(inputs, tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("cli_out")
    # Runs overlap (3 at a time) to keep the file fast; each child reports its own peak
    # memory, so the overlap does not blur the numbers.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_run_cli_measured, item, out / f"{name}.json")
                   for name, item in inputs.items()}
        results = {name: f.result() for name, f in futures.items()}
    _write_table(inputs, results)
    return results


def _run_cli_measured(item: Input, out: Path) -> dict:
    roles = item.roles
    # A small launcher sets the limit, runs the CLI in its own fresh process and writes that
    # process's own peak (VmHWM) on exit. ru_maxrss from wait4 would not do: Linux carries the
    # parent's high-water mark into a spawned child, so a large pytest would count as the CLI's.
    hwm = out.with_suffix(".hwm")
    launcher = ("import atexit, resource, runpy, sys; "
                f"resource.setrlimit(resource.RLIMIT_AS, ({CLI_ADDRESS_SPACE}, {CLI_ADDRESS_SPACE})); "
                "path = sys.argv.pop(1); "
                "atexit.register(lambda: open(path, 'w').write(next(line.split()[1] for line in "
                "open('/proc/self/status') if line.startswith('VmHWM')))); "
                "sys.argv = ['fairsynth', *sys.argv[1:]]; "
                "runpy.run_module('fairsynth.governance.cli', run_name='__main__')")
    cmd = [sys.executable, "-c", launcher, str(hwm), "audit", "--real", str(item.path),
           "--synthetic", str(item.path), "--protected", ",".join(roles.protected),
           "--target", roles.target, "--favorable", roles.favorable, "--out", str(out)]
    if roles.time:
        cmd += ["--time", roles.time]
    start = time.monotonic()
    err_path = out.with_suffix(".stderr")
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        # A guard against a hang only: wall time on a busy machine says little about the input.
        killer = threading.Timer(max(CLI_SECONDS * 2, PATIENCE_S), proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen quiet
    return {"code": proc.returncode, "stderr": err_path.read_text(errors="replace"),
            "seconds": time.monotonic() - start, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "rss_mb": int(hwm.read_text()) / 1024 if hwm.exists() else float("inf"),
            "out": out}


def _write_table(inputs: dict[str, Input], results: dict[str, dict]) -> None:
    lines = ["| input | what it is | CLI exit | what it got | time (s) | CPU (s) | peak RSS (MB) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, item in inputs.items():
        res = results[name]
        got = res["stderr"].strip().removeprefix("fairsynth: error: ") or "loaded and audited"
        lines.append(f"| `{name}` | {item.what} | {res['code']} | {got.replace('|', '/')} | "
                     f"{res['seconds']:.1f} | {res['cpu_seconds']:.1f} | {res['rss_mb']:.0f} |")
    target = ROOT / "test-results" / "bad_input_table.md"
    target.parent.mkdir(exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", CASE_NAMES)
def test_cli_exits_0_or_2_with_one_line_in_bounds(inputs, cli_results, name):
    item, res = inputs[name], cli_results[name]
    assert res["cpu_seconds"] < CLI_SECONDS, f"{name}: {res['cpu_seconds']:.1f} CPU s"
    assert res["rss_mb"] < CLI_RSS_MB, f"{name}: peak {res['rss_mb']:.0f} MB"
    assert "Traceback" not in res["stderr"]
    if item.expect == "refuse":
        assert res["code"] == 2, res["stderr"]
        lines = res["stderr"].splitlines()
        assert len(lines) == 1 and lines[0].startswith("fairsynth: error: ")
        assert item.reason in lines[0]
    else:
        assert res["code"] == 0, res["stderr"]
        data = json.loads(res["out"].read_text(encoding="utf-8"))
        jsonschema.validate(data, load_schema())


# ---------------------------------------------------------------- the Data page


def test_data_page_survives_every_small_file(inputs):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PATIENCE_S).run()
    small = [i for i in inputs.values() if i.path.stat().st_size < 3_000_000]
    for item in small:
        before = at.session_state["pair"]
        data = item.path.read_bytes()
        at.file_uploader(key="real").upload(item.path.name, data, "text/csv").run()
        at.file_uploader(key="synthetic").upload(item.path.name, data, "text/csv").run()
        assert not at.exception, (item.path.name, at.exception)
        try:
            load_table(item.path)
        except FairSynthError as exc:
            # Refused at loading: the same sentence is shown and the pair before stays active.
            errors = [e.value for e in at.error]
            assert errors and str(exc) in errors[0] and "still active" in errors[0], item.path.name
            assert at.session_state["pair"] is before
    assert len(small) >= 30
