"""Crash safety without a browser: atomic file writes, the clean-up of a killed writer's leftovers,
the fault hook's refusal of an unknown point, a CLI registry write SIGKILLed mid-copy and
mid-transaction (SQLite and PostgreSQL), and a dashboard save that is one transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fault_server import Marker

from fairsynth.foundation import paths
from fairsynth.foundation.faults import MARKER_ENV, PAUSE_ENV
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.paths import atomic_output, atomic_write, clean_stale_temps, is_temp_name
from fairsynth.foundation.roles import Roles
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.governance.registry import pair_save
from fairsynth.governance.registry.errors import RefusedError
from fairsynth.governance.registry.files import store_root
from fairsynth.governance.registry.store import Registry

pytest_plugins = ["conftest_registry"]


def temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_temp_name(p.name))


def test_a_failed_rename_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "notes" / "a.json"
    atomic_write(target, b"old")

    def refuse(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.os, "replace", refuse)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and temps(tmp_path) == []


def test_a_writer_that_fails_half_way_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n" and temps(tmp_path) == []


def test_only_a_dead_writers_leftovers_are_cleaned(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead_pid = int(finished.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        upload = tmp_path / "uploads" / ("a" * 64)
        upload.mkdir(parents=True)
        dead = upload / f".tmp-{dead_pid}-00ff.csv"
        live = tmp_path / "notes" / f".tmp-{alive.pid}-00ff"
        mine = tmp_path / "notes" / f".tmp-{os.getpid()}-00ff"
        done = tmp_path / "notes" / ("b" * 32 + ".json")
        for path in (dead, live, mine, done):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
        assert clean_stale_temps(tmp_path) == [dead]
        assert not upload.exists()  # the folder made for the killed write alone went with it
        assert live.exists() and mine.exists() and done.exists()
    finally:
        alive.communicate(b"")


def test_an_unknown_fault_point_stops_the_process_with_one_sentence():
    run = subprocess.run([sys.executable, "-c", "import fairsynth.foundation.paths"],
                         env={**os.environ, PAUSE_ENV: "nowhere", MARKER_ENV: os.devnull},
                         capture_output=True, text=True)
    assert run.returncode != 0
    assert "FAIRSYNTH_FAULT_PAUSE='nowhere' names no fault point; points: upload" in run.stderr


def _kill_cli_at(point: str, marker: Path, *args: str) -> None:
    """Run `fairsynth registry ARGS` armed at `point`, and SIGKILL it once it is there."""
    armed = Marker(marker)
    env = {**os.environ, "FAIRSYNTH_USER": "bob", PAUSE_ENV: point, MARKER_ENV: str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "fairsynth.governance.cli", "registry", *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert armed.wait(proc, timeout=120) == point
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        proc.kill()
        armed.close()


@pytest.mark.parametrize("point", ["registry-file", "registry"])
def test_a_registration_killed_mid_way_leaves_a_valid_trail_and_no_partial_file(
        registry, tables, tmp_path, point):
    before = registry.verify()
    _kill_cli_at(point, tmp_path / f"{point}.marker", "register", str(tables["synthetic"]),
                 "--project", "adult", "--kind", "synthetic")
    if point == "registry-file":
        assert len(temps(store_root())) == 1  # caught copying into the store
    reopened = Registry.open()  # what the next CLI run or the app does
    try:
        after = reopened.verify()
        assert after.valid and (after.head_id, after.head_hash) == (before.head_id, before.head_hash)
        assert reopened.versions_for(str(tables["synthetic"])) == []
        assert temps(store_root()) == []
        # Nothing is stuck: the same registration succeeds afterwards.
        version, created = reopened.register("bob", tables["synthetic"], project="adult",
                                             kind="synthetic")
        assert created and reopened.verify().valid
    finally:
        reopened.close()


def test_a_dashboard_save_refused_half_way_writes_nothing(registry, tables, monkeypatch):
    before = registry.verify()
    pair = make_pair(load_table(tables["real"]), load_table(tables["synthetic"]),
                     Roles(protected=("sex",), target="income", favorable=">50K"))
    report = run_audit(pair, options=AuditOptions(include_privacy=False))

    def refused_audit(*_args, **_kwargs):
        raise RefusedError("refused after both versions were registered")

    monkeypatch.setattr(registry, "record_audit", refused_audit)
    with pytest.raises(RefusedError):
        pair_save.save_pair_run(registry, "bob", project="adult", real=tables["real"],
                                synthetic=tables["synthetic"], report=report)
    after = registry.verify()
    assert (after.head_id, after.head_hash) == (before.head_id, before.head_hash)
    assert registry.versions_for(str(tables["real"])) == []
