"""OpenLineage RunEvents for each generation and audit: what a run sends, in plain data.

A run emits START when it begins, then COMPLETE (with its input and output datasets, their schema
and DatasetVersion facets, and for an audit its headline figures as DataQualityMetrics and its
checks as DataQualityAssertions on the synthetic input) or FAIL (with the error message).

The run describes each dataset as a plain dict (`input_dataset`, `output_dataset`); the emitter
(`governance.openlineage_emitter`: where events go, and a forked process or a thread that imports
openlineage-python and sends them) turns them into the client's events. A transport that fails
costs a warning on stderr, never the run.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from fairsynth.governance import openlineage_emitter
from fairsynth.governance.card_figures import impact_summary
from fairsynth.governance.export import report_to_dict
from fairsynth.governance.registry.files import file_sha256
from fairsynth.governance.registry.headline import headline


class LineageRun:
    """One run of a FairSynth job (generate, audit): START now, then COMPLETE or FAIL once."""

    def __init__(self, job: str, inputs: Sequence[Path], *, parameters: dict | None = None):
        self.job, self.run_id, self.finished = job, str(uuid.uuid4()), False
        self.inputs = [Path(p).resolve() for p in inputs]
        self.parameters = dict(parameters or {})
        self.started_at = datetime.now(UTC).isoformat()
        self.warnings: list[str] = []
        self._emitter: openlineage_emitter.Emitter | None = None

    def start(self) -> None:
        """Send START (the emitter imports the client beside the run, not before it)."""
        self._emitter = openlineage_emitter.new_emitter()
        if self._emitter is not None:
            self._emitter.start({"job": self.job, "run_id": self.run_id,
                                 "started_at": self.started_at, "parameters": self.parameters,
                                 "inputs": [str(p) for p in self.inputs]})

    def complete(self, datasets: Callable[[], tuple[list, list]] | None = None) -> None:
        """COMPLETE; `datasets` gives (inputs, outputs) described by input_dataset / output_dataset,
        and is called only when there is somewhere to send the event (it hashes the written files)."""
        self.finished = True
        if self._emitter is None:
            return
        try:
            inputs, outputs = datasets() if datasets else ([input_dataset(p) for p in self.inputs], [])
        except Exception as exc:  # describing the run must not break it either
            emitter, self._emitter = self._emitter, None
            emitter.close()
            self._warn(f"OpenLineage event not built ({type(exc).__name__}: {exc})")
            return
        self._finish({"state": "COMPLETE", "parameters": self.parameters,
                      "inputs": inputs, "outputs": outputs})

    def fail(self, error: BaseException) -> None:
        self.finished = True
        if self._emitter is not None:
            self._finish({"state": "FAIL", "parameters": self.parameters,
                          "error": f"{type(error).__name__}: {error}"})

    def _finish(self, message: dict) -> None:
        emitter, self._emitter = self._emitter, None
        for warning in emitter.finish(message):
            self._warn(warning)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        sys.stderr.write(f"fairsynth: warning: {' '.join(message.split())}\n")


def input_dataset(path: Path, *, sha256: str | None = None, columns=None, quality=None) -> dict:
    """An input file: its schema (`columns` as (name, type), else read from the file by the
    emitter), DatasetVersion (`sha256`) and, for an audit's synthetic side, `audit_quality`."""
    return {"path": str(Path(path).resolve()), "sha256": sha256,
            "columns": None if columns is None else [list(c) for c in columns], "quality": quality}


def output_dataset(path: Path, *, columns=None, rows: int | None = None) -> dict:
    """A written file: schema, DatasetVersion (its sha256) and output statistics."""
    path = Path(path)
    return {"path": str(path.resolve()), "sha256": file_sha256(path), "rows": rows,
            "size": path.stat().st_size,
            "columns": None if columns is None else [list(c) for c in columns]}


@contextmanager
def lineage_run(job: str, inputs: Sequence[Path], *, parameters: dict | None = None
                ) -> Iterator[LineageRun]:
    """START a run; FAIL it when the block raises, COMPLETE it if the block did not."""
    run = LineageRun(job, inputs, parameters=parameters)
    run.start()
    try:
        yield run
    except BaseException as exc:
        if not run.finished:
            run.fail(exc)
        raise
    if not run.finished:
        run.complete()


def audit_quality(report: dict) -> dict:
    """The audit's headline figures (DataQualityMetrics) and checks (DataQualityAssertions)."""
    figures = headline(report)
    rows = ((report.get("inputs") or {}).get("synthetic") or {}).get("rows")
    four_fifths = [r for r in impact_summary(report)
                   if r["dataset"] == "synthetic" and r["min_max_ratio"] is not None]
    metrics = {
        "lowestDisparateImpact": figures.lowest_disparate_impact,
        "lowestFourFifthsRatio": min((r["min_max_ratio"] for r in four_fifths), default=None),
        "largestShareGap": figures.largest_share_gap, "lowestColumnFidelity": figures.lowest_fidelity,
        "highestPrivacyRisk": figures.highest_privacy_risk, "policyPassed": figures.policy_passed}
    assertions = [{"assertion": c["name"], "success": bool(c["passed"]), "name": c["name"],
                   "severity": "error", "description": c.get("explanation"),
                   "expected": str(c.get("threshold")), "actual": str(c.get("value"))}
                  for c in (report.get("policy") or {}).get("checks") or []
                  if c.get("passed") is not None]  # a check not evaluated asserts nothing
    assertions += [{"assertion": "four_fifths", "success": bool(r["passes_four_fifths"]),
                    "name": f"four_fifths:{r['attribute']}", "severity": "warn",
                    "column": str(r["attribute"]), "expected": "0.8",
                    "actual": str(r["min_max_ratio"]),
                    "description": f"lowest / highest group rate, {r['lowest_group']} "
                                   f"vs {r['highest_group']}"}
                   for r in four_fifths]
    return {"rows": rows, "metrics": metrics, "assertions": assertions}


def complete_audit(run: LineageRun, report, *, real: Path, synthetic: Path,
                   written: Sequence[Path]) -> None:
    """COMPLETE an audit run (an AuditReport): both inputs with their versions, the figures on the
    synthetic one. The report is turned into its JSON form only when the event is sent."""
    def datasets():
        data = report_to_dict(report)
        inputs = data.get("inputs") or {}
        real_in = input_dataset(real, sha256=(inputs.get("real") or {}).get("sha256"))
        synthetic_in = input_dataset(synthetic, sha256=(inputs.get("synthetic") or {}).get("sha256"),
                                     quality=audit_quality(data))
        return [real_in, synthetic_in], [output_dataset(p) for p in written if Path(p).is_file()]

    run.complete(datasets)
