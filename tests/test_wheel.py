"""The wheel a user installs: one import name, everything shipped, and it works from any folder.

Builds the sdist and from it the wheel, installs it (without dependencies) into a throwaway venv
outside the checkout whose only other path is this environment's site-packages (for the
dependencies, not for FairSynth: the checkout's editable hook is not loaded there), then runs
`fairsynth audit`, `fairsynth generate` and `fairsynth app` from an empty folder.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from conftest import PATIENCE_S
from playwright.sync_api import Page, expect

from fairsynth.governance.export import load_schema
from fairsynth.ui.launch import free_port

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ARGS = ["--protected", "race,sex", "--target", "income", "--favorable", ">50K"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel from it (a clean tree: no stale build/ folder can leak in).
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, cwd=dist)
    (path,) = dist.glob("fairsynth-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    (purelib,) = root.glob("lib/python*/site-packages")
    # Dependencies come from this environment; its .pth files (the editable hook) are not run.
    (purelib / "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"),
                    "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    return root


@pytest.fixture
def elsewhere(tmp_path) -> dict:
    """Run from an empty folder outside the checkout, with the data folder in it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["FAIRSYNTH_DATA_DIR"] = str(tmp_path / "data")
    return {"cwd": tmp_path, "env": env}


def run(venv: Path, args: list[str], elsewhere: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "fairsynth"), *args], capture_output=True,
                          text=True, timeout=max(600, PATIENCE_S), **elsewhere)


def installed_resource(venv: Path, *parts: str) -> Path:
    code = ("from fairsynth.foundation.paths import resource; import sys; "
            f"print(resource(*{list(parts)!r}))")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True,
                         text=True, check=True, cwd=venv)
    return Path(out.stdout.strip())


def test_wheel_adds_one_import_name_and_ships_the_app(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"fairsynth"}
    for shipped in ("fairsynth/app.py", "fairsynth/pages/data.py", "fairsynth/sample_data/adult.parquet",
                    "fairsynth/governance/report_schema.json", "fairsynth/policy.example.toml",
                    "fairsynth/governance/charts/report.py"):
        assert shipped in names
    assert not any(n.startswith(("fairsynth/tests/", "fairsynth/bench/", "fairsynth/.venv")) for n in names)


def test_installed_package_is_the_wheel_not_the_checkout(venv):
    sample = installed_resource(venv, "sample_data", "adult.parquet")
    assert sample.is_file() and venv in sample.parents


def test_audit_from_any_folder_writes_json_markdown_and_html(venv, elsewhere):
    data = installed_resource(venv, "sample_data")
    done = run(venv, ["audit", "--real", str(data / "adult.parquet"), "--synthetic",
                      str(data / "adult_synthetic_skewed.parquet"), *SAMPLE_ARGS,
                      "--policy", str(installed_resource(venv, "policy.example.toml")),
                      "--no-privacy", "--out", "s.json", "--out", "s.md", "--out", "s.html"],
               elsewhere)
    # The skewed sample fails the example policy on purpose: exit 1, with the failed checks named.
    assert done.returncode == 1, done.stderr
    assert "min_disparate_impact" in done.stderr or "max_abs_share_gap" in done.stderr
    folder = elsewhere["cwd"]
    report = json.loads((folder / "s.json").read_text())
    jsonschema.validate(report, load_schema())
    black_women = [r for r in report["subgroup_gaps"] if r["group"] == "Black&Female"]
    assert len(black_women) == 1 and black_women[0]["gap"] < -0.01
    # Markdown escapes user text as HTML too, so "&" reads "&amp;".
    assert "Black&amp;Female" in (folder / "s.md").read_text()
    html = (folder / "s.html").read_text()
    # Self-contained: plotly inlined, nothing loaded from a URL.
    assert "Plotly.newPlot" in html and "Black&amp;Female" in html and "<script src" not in html


def test_generate_from_any_folder(venv, elsewhere):
    real = installed_resource(venv, "sample_data", "adult.parquet")
    done = run(venv, ["generate", "--real", str(real), *SAMPLE_ARGS, "--rows", "500", "--seed", "3",
                      "--out", "g.parquet"], elsewhere)
    assert done.returncode == 0, done.stderr
    out = elsewhere["cwd"] / "g.parquet"
    frame = pd.read_parquet(out)
    assert len(frame) == 500 and {"race", "sex", "income"} <= set(frame.columns)


@pytest.mark.browser
def test_app_from_any_folder_serves_a_page(venv, elsewhere, page: Page):
    port = free_port()
    proc = subprocess.Popen([str(venv / "bin" / "fairsynth"), "app", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **elsewhere)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        page.goto(url)
        expect(page.get_by_role("heading", name="Data")).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Protected: race, sex")
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        # Stopping `fairsynth app` stops the server itself: nothing is left listening.
        proc.terminate()
        proc.wait(timeout=30)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_registry_migrations_ship_and_run_from_any_folder(venv, elsewhere):
    elsewhere["env"]["FAIRSYNTH_USER"] = "wheel-admin"
    done = run(venv, ["registry", "init"], elsewhere)
    assert done.returncode == 0, done.stderr
    assert (Path(elsewhere["env"]["FAIRSYNTH_DATA_DIR"]) / "registry.db").is_file()
    verified = run(venv, ["registry", "verify"], elsewhere)
    assert verified.returncode == 0, verified.stderr
