"""OpenLineage RunEvents of `fairsynth generate` and `fairsynth audit` on the bundled COMPAS sample:
written to the events file by default, sent to an HTTP endpoint when OPENLINEAGE_URL says so (a
server on the loopback interface here, no network), and valid for openlineage-python's model."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from openlineage_schema import read_events, rebuilt

from fairsynth.foundation.paths import resource
from fairsynth.governance.cli import main
from fairsynth.governance.registry.files import file_sha256
from fairsynth.governance.registry.headline import headline
from fairsynth.governance.registry.inspect_file import inspect_table

REAL = resource("sample_data/compas.parquet")
ROLES = ["--protected", "race,sex", "--target", "two_year_recid", "--favorable", "0"]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRSYNTH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no openlineage.yml here
    for name in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED",
                 "FAIRSYNTH_OPENLINEAGE_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path / "data"


def _generate_and_audit(tmp_path):
    synthetic, report = tmp_path / "synthetic.parquet", tmp_path / "report.json"
    assert main(["generate", "--real", str(REAL), *ROLES, "--rows", "2000", "--seed", "3",
                 "--out", str(synthetic)]) == 0
    code = main(["audit", "--real", str(REAL), "--synthetic", str(synthetic), *ROLES,
                 "--no-privacy", "--policy", str(resource("policy.example.toml")),
                 "--out", str(report), "--quiet"])
    assert code == 1  # the example policy fails this sample (small groups); still COMPLETE
    return synthetic, report


def test_generate_and_audit_emit_valid_start_complete_events(data_dir, tmp_path):
    synthetic, report_path = _generate_and_audit(tmp_path)
    events = read_events(data_dir / "openlineage" / "events.jsonl")

    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        ("fairsynth.generate", "START"), ("fairsynth.generate", "COMPLETE"),
        ("fairsynth.audit", "START"), ("fairsynth.audit", "COMPLETE")]
    assert events[0]["run"]["runId"] == events[1]["run"]["runId"] != events[2]["run"]["runId"]
    generated, audited = events[1], events[3]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    # The generation's output is the audit's synthetic input: the same DatasetVersion (sha256).
    out = generated["outputs"][0]
    assert out["name"] == str(synthetic.resolve())
    assert out["facets"]["version"]["datasetVersion"] == file_sha256(synthetic)
    assert out["outputFacets"]["outputStatistics"]["rowCount"] == 2000
    real_in, synthetic_in = audited["inputs"]
    assert synthetic_in["facets"]["version"]["datasetVersion"] == report["inputs"]["synthetic"]["sha256"]
    assert synthetic_in["facets"]["version"] == out["facets"]["version"]
    assert real_in["facets"]["version"]["datasetVersion"] == file_sha256(REAL)
    assert [f["name"] for f in real_in["facets"]["schema"]["fields"]] == \
        report["inputs"]["real"]["column_names"]
    # Headline figures and checks: the report's own.
    figures = headline(report)
    metrics = synthetic_in["inputFacets"]["dataQualityMetrics"]
    assert metrics["rowCount"] == 2000
    assert metrics["lowestDisparateImpact"] == figures.lowest_disparate_impact
    assert metrics["largestShareGap"] == figures.largest_share_gap
    assert metrics["policyPassed"] is False
    assert metrics["lowestFourFifthsRatio"] == pytest.approx(_lowest_four_fifths(report), abs=1e-12)
    assertions = synthetic_in["inputFacets"]["dataQualityAssertions"]["assertions"]
    checks = {(c["name"], c["passed"]) for c in report["policy"]["checks"] if c["passed"] is not None}
    assert len(checks) < len(report["policy"]["checks"])  # privacy was skipped: not evaluated
    assert {(a["name"], a["success"]) for a in assertions if a["assertion"] != "four_fifths"} == checks
    assert {a["column"] for a in assertions if a["assertion"] == "four_fifths"} == {"race", "sex", "race&sex"}
    assert audited["outputs"][0]["facets"]["version"]["datasetVersion"] == file_sha256(report_path)
    # generate records the settings it used with its output, shares and rates written out.
    params = {p["key"]: p["value"] for p in generated["run"]["facets"]["executionParameters"]["parameters"]}
    assert params["seed"] == "3" and params["approved_configuration"] == "none"
    facts = inspect_table(synthetic)
    assert facts.seed == 3 and "[shares]" in facts.settings and "[outcome_rates]" in facts.settings


def _lowest_four_fifths(report: dict) -> float:
    """Each synthetic attribute's lowest / highest group rate (groups of 30+ rows), the lowest of them."""
    if report.get("impact_summary"):
        return min(r["min_max_ratio"] for r in report["impact_summary"] if r["dataset"] == "synthetic")
    rates: dict[str, list[float]] = {}
    for r in report["disparate_impact"]:
        if r["dataset"] == "synthetic" and r["n"] >= 30:
            rates.setdefault(r["attribute"], []).append(r["selection_rate"])
    return min(min(v) / max(v) for v in rates.values())


def test_a_failed_audit_emits_fail_with_the_error(data_dir, tmp_path, capsys):
    code = main(["audit", "--real", str(REAL), "--synthetic", str(tmp_path / "missing.parquet"),
                 *ROLES, "--out", str(tmp_path / "r.json")])
    assert code == 2 and capsys.readouterr().err.count("\n") == 1
    start, fail = read_events(data_dir / "openlineage" / "events.jsonl")
    assert (start["eventType"], fail["eventType"]) == ("START", "FAIL")
    assert fail["run"]["runId"] == start["run"]["runId"]
    assert "missing.parquet: no such file" in fail["run"]["facets"]["errorMessage"]["message"]


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_events_go_to_openlineage_url_as_well_when_configured(data_dir, tmp_path, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    _Collector.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{server.server_port}")
        assert main(["generate", "--real", str(REAL), *ROLES, "--rows", "500",
                     "--out", str(tmp_path / "s.csv")]) == 0
    finally:
        server.shutdown()
        server.server_close()
    sent = _Collector.received
    assert [path for path, _ in sent] == ["/api/v1/lineage"] * 2
    assert [e["eventType"] for _, e in sent] == ["START", "COMPLETE"]
    for _, event in sent:
        rebuilt(event)
    assert read_events(data_dir / "openlineage" / "events.jsonl") == [e for _, e in sent]
    # The client's aliases of OPENLINEAGE_URL do not stay in the environment (child processes).
    assert not [name for name in os.environ if name.startswith("OPENLINEAGE__")]


def test_an_unreachable_endpoint_warns_and_the_run_still_succeeds(data_dir, tmp_path, monkeypatch,
                                                                   capsys):
    with HTTPServer(("127.0.0.1", 0), _Collector) as closed:
        port = closed.server_port  # bound, then closed: nothing listens there
    # The client's own configuration (here its OPENLINEAGE__ variables): http, no retries.
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__RETRY__TOTAL", "0")
    monkeypatch.setenv("FAIRSYNTH_OPENLINEAGE_FILE", "off")
    assert main(["generate", "--real", str(REAL), *ROLES, "--rows", "200",
                 "--out", str(tmp_path / "s.parquet")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "OpenLineage" in line]
    assert len(warnings) == 2 and all(w.startswith("fairsynth: warning: OpenLineage event not "
                                                   "sent through http") for w in warnings)
    assert not (data_dir / "openlineage").exists()


def test_a_file_that_is_not_parquet_still_gets_one_error_line_and_valid_events(data_dir, tmp_path,
                                                                               capsys):
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PK\x03\x04" + b"\0" * 4096)  # a ZIP header, not Parquet
    code = main(["audit", "--real", str(fake), "--synthetic", str(fake), *ROLES,
                 "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not a table FairSynth reads" in err
    start, fail = read_events(data_dir / "openlineage" / "events.jsonl")
    assert "schema" not in start["inputs"][0]["facets"]
    assert fail["eventType"] == "FAIL"


@pytest.mark.parametrize("fork", [True, False], ids=["forked emitter", "thread emitter"])
def test_both_emitters_send_the_same_valid_events(data_dir, tmp_path, monkeypatch, fork):
    from fairsynth.governance import openlineage_emitter

    # A process where fork is safe (Linux, one thread) forks the emitter; elsewhere it is a thread.
    monkeypatch.setattr(openlineage_emitter, "can_fork", lambda: fork)
    synthetic, report_path = _generate_and_audit(tmp_path)
    events = read_events(data_dir / "openlineage" / "events.jsonl")
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"] * 2
    metrics = events[3]["inputs"][1]["inputFacets"]["dataQualityMetrics"]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert metrics["largestShareGap"] == headline(report).largest_share_gap
    assert events[1]["outputs"][0]["facets"]["version"]["datasetVersion"] == file_sha256(synthetic)


def test_the_cli_process_never_imports_the_client_itself(data_dir, tmp_path):
    import subprocess
    import sys

    # The forked emitter imports openlineage-python on the other core; the run's process does not.
    code = ("import sys; from fairsynth.governance.cli import main; "
            f"rc = main(['generate', '--real', {str(REAL)!r}, '--protected', 'race,sex', "
            f"'--target', 'two_year_recid', '--favorable', '0', '--rows', '300', "
            f"'--out', {str(tmp_path / 's.parquet')!r}]); "
            "print(rc, 'openlineage.client' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ}, timeout=300)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stderr[-2000:]
    events = read_events(data_dir / "openlineage" / "events.jsonl")
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]


def test_a_forked_emitter_that_dies_is_named_in_one_warning(data_dir, tmp_path, monkeypatch, capsys):
    from fairsynth.governance import openlineage_emitter

    monkeypatch.setattr(openlineage_emitter, "can_fork", lambda: True)
    # The child cannot open its transports, build or send: it dies before answering.
    monkeypatch.setattr(openlineage_emitter, "_child", lambda down, up: os._exit(3))
    assert main(["generate", "--real", str(REAL), *ROLES, "--rows", "200",
                 "--out", str(tmp_path / "s.parquet")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "OpenLineage" in line]
    assert warnings == ["fairsynth: warning: OpenLineage events may be missing: the emitter "
                        "process ended with exit code 3"]


def test_no_process_to_fork_falls_back_to_the_thread(data_dir, tmp_path, monkeypatch):
    from fairsynth.governance import openlineage_emitter

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(openlineage_emitter, "can_fork", lambda: True)
    monkeypatch.setattr(openlineage_emitter.os, "fork", no_fork)
    assert main(["generate", "--real", str(REAL), *ROLES, "--rows", "200",
                 "--out", str(tmp_path / "s.parquet")]) == 0
    events = read_events(data_dir / "openlineage" / "events.jsonl")
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
