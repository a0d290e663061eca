"""OpenLineage RunEvents for each generation and audit, through openlineage-python.

A run emits START when it begins, then COMPLETE (with its input and output datasets, their schema
and DatasetVersion facets, and for an audit its headline figures as DataQualityMetrics and its
checks as DataQualityAssertions on the synthetic input) or FAIL (with the error message).

Where events go: always appended to the events file, `$FAIRSYNTH_OPENLINEAGE_FILE` or
`<data folder>/openlineage/events.jsonl` (set the variable to `off` for none); and also through the
client's own configuration when there is one (OPENLINEAGE_URL, OPENLINEAGE_CONFIG, an
openlineage.yml, OPENLINEAGE__TRANSPORT__* variables), e.g. to Marquez. OPENLINEAGE_DISABLED=true
stops both. A transport that fails costs a warning on stderr, never the run.

The client is imported when a run starts, not with this module: it takes ~0.5-0.8 s to import
(its async HTTP stack), which `fairsynth --help` and the registry verbs need not pay. A run imports
it on a background thread that then emits START (stamped with the run's start time), so the import
overlaps the run's own work (reading the files: Arrow releases the GIL) instead of preceding it;
COMPLETE and FAIL wait for that thread, so the events keep their order.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from fairsynth.foundation.paths import data_dir
from fairsynth.governance.card_figures import impact_summary
from fairsynth.governance.export import report_to_dict
from fairsynth.governance.lineage import package_versions
from fairsynth.governance.registry.files import file_sha256
from fairsynth.governance.registry.headline import headline

FILE_ENV = "FAIRSYNTH_OPENLINEAGE_FILE"
NAMESPACE_ENV = "FAIRSYNTH_OPENLINEAGE_NAMESPACE"
DEFAULT_NAMESPACE = "fairsynth"
# OpenLineage's naming for local files: namespace "file", name the absolute path.
FILE_NAMESPACE = "file"
PRODUCER = "urn:fairsynth"
CLIENT_CONFIG_ENV = ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")


def events_file() -> Path | None:
    """The file events are appended to, or None when turned off."""
    configured = os.environ.get(FILE_ENV)
    if configured is not None and configured.strip().lower() in ("", "off", "none"):
        return None
    return Path(configured) if configured else data_dir() / "openlineage" / "events.jsonl"


def client_configured() -> bool:
    """Whether the OpenLineage client has a transport configured of its own (env or YAML)."""
    if any(os.environ.get(name) for name in CLIENT_CONFIG_ENV):
        return True
    if any(name.startswith("OPENLINEAGE__TRANSPORT") for name in os.environ):
        return True
    return any(p.is_file() for p in (Path.cwd() / "openlineage.yml",
                                     Path.home() / ".openlineage" / "openlineage.yml"))


def has_destination() -> bool:
    """Whether events go anywhere (else the client is not even imported)."""
    if os.environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
        return False
    return events_file() is not None or client_configured()


def _transports() -> list:
    if not has_destination():
        return []
    path = events_file()
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.file import FileConfig, FileTransport

    out = []
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        out.append(FileTransport(FileConfig(log_file_path=str(path), append=True)))
    if client_configured():
        out.append(_client_transport(OpenLineageClient))
    return out


def _client_transport(client_class):
    """The client's configured transport. Its constructor writes OPENLINEAGE__TRANSPORT__* aliases of
    OPENLINEAGE_URL into os.environ; they are taken back out so they reach no later client or child
    process (a changed OPENLINEAGE_URL would otherwise be shadowed by the stale alias)."""
    before = dict(os.environ)
    try:
        return client_class().transport
    finally:
        for name in set(os.environ) - set(before):
            del os.environ[name]


def schema_fields(path: Path, columns: Sequence[tuple[str, str | None]] | None = None) -> list:
    """Schema facet fields: the given (name, type) pairs, else a Parquet file's own schema; a CSV's
    header names (types are FairSynth's rule, read when the table is loaded) when neither; none for
    a file that is not a table (a report)."""
    from openlineage.client.facet_v2 import schema_dataset

    if columns is None:
        if path.suffix.lower() == ".parquet" and path.is_file():
            try:
                columns = [(f.name, str(f.type)) for f in pq.read_schema(path)]
            except (OSError, ValueError):  # not Parquet after all: the audit will say so
                columns = []
        elif path.suffix.lower() == ".csv" and path.is_file():
            with path.open(encoding="utf-8", errors="replace") as handle:
                header = handle.readline().strip()
            columns = [(name.strip().strip('"'), None) for name in header.split(",") if name.strip()]
        else:
            columns = []
    return [schema_dataset.SchemaDatasetFacetFields(name=str(n), type=t, ordinal_position=i + 1)
            for i, (n, t) in enumerate(columns)]


def dataset_facets(path: Path, *, sha256: str | None = None,
                   columns: Sequence[tuple[str, str | None]] | None = None) -> dict:
    """Schema (of a table) and, when the content hash is known, DatasetVersion facets of a file."""
    from openlineage.client.facet_v2 import dataset_version_dataset, schema_dataset

    fields = schema_fields(path, columns)
    facets: dict = {"schema": schema_dataset.SchemaDatasetFacet(fields=fields)} if fields else {}
    if sha256:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=sha256)
    return facets


class LineageRun:
    """One run of a FairSynth job (generate, audit): START now, then COMPLETE or FAIL once."""

    def __init__(self, job: str, inputs: Sequence[Path], *, parameters: dict | None = None):
        self.job, self.run_id, self.finished = job, str(uuid.uuid4()), False
        self.inputs = [Path(p).resolve() for p in inputs]
        self.parameters = dict(parameters or {})
        self.started_at = datetime.now(UTC).isoformat()
        self.transports: list = []
        self.warnings: list[str] = []
        self._starting: threading.Thread | None = None

    def _event(self, state: str, *, inputs: list, outputs: list, run_facets: dict | None = None,
               event_time: str | None = None):
        from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
        from openlineage.client.facet_v2 import (
            execution_parameters_run,
            job_type_job,
            processing_engine_run,
        )

        facets = {"processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=package_versions(("fairsynth",))["fairsynth"] or "unknown", name="fairsynth")}
        if self.parameters:
            facets["executionParameters"] = execution_parameters_run.ExecutionParametersRunFacet(
                parameters=[execution_parameters_run.ExecutionParameter(key=str(k), value=str(v))
                            for k, v in self.parameters.items()])
        job_facets = {"jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="FAIRSYNTH", jobType=self.job.upper())}
        return RunEvent(
            eventType=RunState[state], eventTime=event_time or datetime.now(UTC).isoformat(),
            run=Run(runId=self.run_id, facets={**facets, **(run_facets or {})}),
            job=Job(namespace=os.environ.get(NAMESPACE_ENV) or DEFAULT_NAMESPACE,
                    name=f"fairsynth.{self.job}", facets=job_facets),
            inputs=inputs, outputs=outputs, producer=PRODUCER)

    def _emit(self, make_event) -> None:
        if not self.transports:
            return
        try:
            event = make_event()
        except Exception as exc:  # describing the run must not break it either
            self._warn(f"OpenLineage event not built ({type(exc).__name__}: {exc})")
            return
        for transport in self.transports:
            try:
                transport.emit(event)
            except Exception as exc:  # a lineage backend being down must not fail the run
                self._warn(f"OpenLineage event not sent through {transport.kind} ({exc})")

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        sys.stderr.write(f"fairsynth: warning: {' '.join(message.split())}\n")

    def start(self) -> None:
        """Import the client, open the transports and emit START, on a background thread."""
        if not has_destination():
            return
        self._starting = threading.Thread(target=self._connect_and_start, name="openlineage-start",
                                          daemon=True)
        self._starting.start()

    def _connect_and_start(self) -> None:
        try:
            self.transports = _transports()
        except Exception as exc:  # a misconfigured backend must not fail the run
            self._warn(f"OpenLineage transports not opened ({type(exc).__name__}: {exc})")
            return
        from openlineage.client.event_v2 import InputDataset

        self._emit(lambda: self._event("START", outputs=[], event_time=self.started_at, inputs=[
            InputDataset(namespace=FILE_NAMESPACE, name=str(p), facets=dataset_facets(p))
            for p in self.inputs]))

    def _started(self) -> None:
        # COMPLETE and FAIL follow START: wait for the thread that imports the client and sends it.
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def complete(self, datasets: Callable[[], tuple[list, list]] | None = None) -> None:
        """COMPLETE; `datasets` builds (inputs, outputs) with input_dataset / output_dataset, and is
        called only when there is somewhere to send the event (it hashes the written files)."""
        self.finished = True
        self._started()

        def make():
            inputs, outputs = datasets() if datasets else ([input_dataset(p) for p in self.inputs], [])
            return self._event("COMPLETE", inputs=inputs, outputs=outputs)

        self._emit(make)

    def fail(self, error: BaseException) -> None:
        self.finished = True
        self._started()
        self._emit(lambda: self._fail_event(error))

    def _fail_event(self, error: BaseException):
        from openlineage.client.facet_v2 import error_message_run

        facet = error_message_run.ErrorMessageRunFacet(
            message=f"{type(error).__name__}: {error}", programmingLanguage="python")
        return self._event("FAIL", inputs=[input_dataset(p) for p in self.inputs], outputs=[],
                           run_facets={"errorMessage": facet})


def input_dataset(path: Path, *, sha256: str | None = None, columns=None, input_facets=None):
    from openlineage.client.event_v2 import InputDataset

    return InputDataset(namespace=FILE_NAMESPACE, name=str(Path(path).resolve()),
                        facets=dataset_facets(Path(path), sha256=sha256, columns=columns),
                        inputFacets=input_facets or {})


def output_dataset(path: Path, *, columns=None, rows: int | None = None):
    """A written file: schema, DatasetVersion (its sha256) and output statistics."""
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import output_statistics_output_dataset as stats

    path = Path(path)
    return OutputDataset(
        namespace=FILE_NAMESPACE, name=str(path.resolve()),
        facets=dataset_facets(path, sha256=file_sha256(path), columns=columns),
        outputFacets={"outputStatistics": stats.OutputStatisticsOutputDatasetFacet(
            rowCount=rows, size=path.stat().st_size, fileCount=1)})


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


def audit_input_facets(report: dict) -> dict:
    """The audit's headline figures (DataQualityMetrics) and checks (DataQualityAssertions)."""
    from openlineage.client.facet_v2 import (
        data_quality_assertions_dataset as dqa,
    )
    from openlineage.client.facet_v2 import (
        data_quality_metrics_input_dataset as dqm,
    )

    figures = headline(report)
    rows = ((report.get("inputs") or {}).get("synthetic") or {}).get("rows")
    four_fifths = [r for r in impact_summary(report)
                   if r["dataset"] == "synthetic" and r["min_max_ratio"] is not None]
    metrics = dqm.DataQualityMetricsInputDatasetFacet(columnMetrics={}, rowCount=rows)
    # The spec's metrics are per column; the audit's headline figures ride as extra properties
    # (facets allow them), named as the registry's audits table names them.
    metrics = metrics.with_additional_properties(
        lowestDisparateImpact=figures.lowest_disparate_impact,
        lowestFourFifthsRatio=min((r["min_max_ratio"] for r in four_fifths), default=None),
        largestShareGap=figures.largest_share_gap, lowestColumnFidelity=figures.lowest_fidelity,
        highestPrivacyRisk=figures.highest_privacy_risk, policyPassed=figures.policy_passed)
    assertions = [dqa.Assertion(assertion=c["name"], success=bool(c["passed"]), name=c["name"],
                                severity="error", description=c.get("explanation"),
                                expected=str(c.get("threshold")), actual=str(c.get("value")))
                  for c in (report.get("policy") or {}).get("checks") or []
                  if c.get("passed") is not None]  # a check not evaluated asserts nothing
    assertions += [dqa.Assertion(assertion="four_fifths", success=bool(r["passes_four_fifths"]),
                                 name=f"four_fifths:{r['attribute']}", severity="warn",
                                 column=str(r["attribute"]), expected="0.8",
                                 actual=str(r["min_max_ratio"]),
                                 description=f"lowest / highest group rate, {r['lowest_group']} "
                                             f"vs {r['highest_group']}")
                   for r in four_fifths]
    return {"dataQualityMetrics": metrics,
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(assertions=assertions)}


def complete_audit(run: LineageRun, report, *, real: Path, synthetic: Path,
                   written: Sequence[Path]) -> None:
    """COMPLETE an audit run (an AuditReport): both inputs with their versions, the figures on the
    synthetic one. The report is turned into its JSON form only when the event is sent."""
    def datasets():
        data = report_to_dict(report)
        inputs = data.get("inputs") or {}
        real_in = input_dataset(real, sha256=(inputs.get("real") or {}).get("sha256"))
        synthetic_in = input_dataset(synthetic, sha256=(inputs.get("synthetic") or {}).get("sha256"),
                                     input_facets=audit_input_facets(data))
        return [real_in, synthetic_in], [output_dataset(p) for p in written if Path(p).is_file()]

    run.complete(datasets)
