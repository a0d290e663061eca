"""Where OpenLineage events go, and the emitter that builds and sends them through openlineage-python.

Destinations: always the events file, `$FAIRSYNTH_OPENLINEAGE_FILE` or
`<data folder>/openlineage/events.jsonl` (set the variable to `off` for none); and also the client's
own configuration when there is one (OPENLINEAGE_URL, OPENLINEAGE_CONFIG, an openlineage.yml,
OPENLINEAGE__TRANSPORT__* variables), e.g. to Marquez. OPENLINEAGE_DISABLED=true stops both.

The run describes its events in plain data (`governance.openlineage_events`); the emitter turns them
into the client's RunEvents. Importing the client costs ~0.25 s of CPU (its HTTP stacks), which a
thread would take from the run under the GIL. So the emitter is a process forked when the command
starts, before pandas is imported (a small copy): it imports the client on the other core, sends
START, and waits on a pipe for COMPLETE or FAIL; the run waits for it only at the end, and prints
the warnings it sends back. Where a fork is not safe (another thread runs, or no fork: Windows),
the emitter is a thread in the run's process, as before. This module imports the standard library
only, so forking it early is cheap.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from fairsynth.foundation.paths import data_dir

FILE_ENV = "FAIRSYNTH_OPENLINEAGE_FILE"
NAMESPACE_ENV = "FAIRSYNTH_OPENLINEAGE_NAMESPACE"
DEFAULT_NAMESPACE = "fairsynth"
# OpenLineage's naming for local files: namespace "file", name the absolute path.
FILE_NAMESPACE = "file"
PRODUCER = "urn:fairsynth"
CLIENT_CONFIG_ENV = ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")
# How long the run waits at its end for the emitter (an HTTP backend has its own, shorter timeouts).
WAIT_SECONDS = 120.0


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


class _Sender:
    """Opens the transports and sends one run's events from their plain descriptions."""

    def __init__(self) -> None:
        self.transports: list = []
        self.warnings: list[str] = []
        self.run: dict = {}

    def connect(self) -> None:
        try:
            self.transports = _transports()
        except Exception as exc:  # a misconfigured backend must not fail the run
            self.warnings.append(f"OpenLineage transports not opened ({type(exc).__name__}: {exc})")

    def start(self, run: dict) -> None:
        """START, stamped with the run's start time; `run`: job, run_id, started_at, inputs, parameters."""
        self.run = run
        self._emit(lambda: self._event("START", run["parameters"], run["started_at"],
                                       [{"path": p} for p in run["inputs"]], [], {}))

    def finish(self, message: dict) -> None:
        """COMPLETE (inputs and outputs described) or FAIL (the error's text)."""
        parameters = message.get("parameters", self.run.get("parameters") or {})
        if message["state"] == "FAIL":
            from openlineage.client.facet_v2 import error_message_run

            def fail():
                facet = error_message_run.ErrorMessageRunFacet(message=message["error"],
                                                               programmingLanguage="python")
                return self._event("FAIL", parameters, None,
                                   [{"path": p} for p in self.run["inputs"]], [],
                                   {"errorMessage": facet})
            self._emit(fail)
        else:
            self._emit(lambda: self._event("COMPLETE", parameters, None, message["inputs"],
                                           message["outputs"], {}))

    def _emit(self, make_event) -> None:
        if not self.transports:
            return
        try:
            event = make_event()
        except Exception as exc:  # describing the run must not break it either
            self.warnings.append(f"OpenLineage event not built ({type(exc).__name__}: {exc})")
            return
        for transport in self.transports:
            try:
                transport.emit(event)
            except Exception as exc:  # a lineage backend being down must not fail the run
                self.warnings.append(f"OpenLineage event not sent through {transport.kind} ({exc})")

    def _event(self, state: str, parameters: dict, event_time: str | None, inputs: list,
               outputs: list, run_facets: dict):
        from importlib import metadata

        from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
        from openlineage.client.facet_v2 import (
            execution_parameters_run,
            job_type_job,
            processing_engine_run,
        )

        try:
            version = metadata.version("fairsynth")
        except metadata.PackageNotFoundError:
            version = "unknown"
        facets = {"processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=version, name="fairsynth")}
        if parameters:
            facets["executionParameters"] = execution_parameters_run.ExecutionParametersRunFacet(
                parameters=[execution_parameters_run.ExecutionParameter(key=str(k), value=str(v))
                            for k, v in parameters.items()])
        job = self.run["job"]
        job_facets = {"jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="FAIRSYNTH", jobType=job.upper())}
        return RunEvent(
            eventType=RunState[state], eventTime=event_time or datetime.now(UTC).isoformat(),
            run=Run(runId=self.run["run_id"], facets={**facets, **run_facets}),
            job=Job(namespace=os.environ.get(NAMESPACE_ENV) or DEFAULT_NAMESPACE,
                    name=f"fairsynth.{job}", facets=job_facets),
            inputs=[_input(d) for d in inputs], outputs=[_output(d) for d in outputs],
            producer=PRODUCER)


def schema_columns(path: Path) -> list[tuple[str, str | None]]:
    """A table file's (name, type) columns: a Parquet file's own schema, a CSV's header names (types
    are FairSynth's rule, read when the table is loaded); none for a file that is not a table."""
    if path.suffix.lower() == ".parquet" and path.is_file():
        import pyarrow.parquet as pq

        try:
            return [(f.name, str(f.type)) for f in pq.read_schema(path)]
        except (OSError, ValueError):  # not Parquet after all: the audit will say so
            return []
    if path.suffix.lower() == ".csv" and path.is_file():
        with path.open(encoding="utf-8", errors="replace") as handle:
            header = handle.readline().strip()
        return [(name.strip().strip('"'), None) for name in header.split(",") if name.strip()]
    return []


def _facets(d: dict) -> dict:
    """Schema (of a table) and, when the content hash is known, DatasetVersion facets."""
    from openlineage.client.facet_v2 import dataset_version_dataset, schema_dataset

    path = Path(d["path"])
    columns = d.get("columns")
    columns = schema_columns(path) if columns is None else columns
    fields = [schema_dataset.SchemaDatasetFacetFields(name=str(n), type=t, ordinal_position=i + 1)
              for i, (n, t) in enumerate(columns)]
    facets: dict = {"schema": schema_dataset.SchemaDatasetFacet(fields=fields)} if fields else {}
    if d.get("sha256"):
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=d["sha256"])
    return facets


def _input(d: dict):
    from openlineage.client.event_v2 import InputDataset

    quality = d.get("quality")
    return InputDataset(namespace=FILE_NAMESPACE, name=str(Path(d["path"]).resolve()),
                        facets=_facets(d), inputFacets=_quality_facets(quality) if quality else {})


def _output(d: dict):
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import output_statistics_output_dataset as stats

    return OutputDataset(
        namespace=FILE_NAMESPACE, name=str(Path(d["path"]).resolve()), facets=_facets(d),
        outputFacets={"outputStatistics": stats.OutputStatisticsOutputDatasetFacet(
            rowCount=d.get("rows"), size=d["size"], fileCount=1)})


def _quality_facets(quality: dict) -> dict:
    """DataQualityMetrics (the headline figures, as extra properties) and DataQualityAssertions."""
    from openlineage.client.facet_v2 import (
        data_quality_assertions_dataset as dqa,
    )
    from openlineage.client.facet_v2 import (
        data_quality_metrics_input_dataset as dqm,
    )

    metrics = dqm.DataQualityMetricsInputDatasetFacet(columnMetrics={}, rowCount=quality["rows"])
    # The spec's metrics are per column; the audit's headline figures ride as extra properties
    # (facets allow them), named as the registry's audits table names them.
    metrics = metrics.with_additional_properties(**quality["metrics"])
    assertions = [dqa.Assertion(**a) for a in quality["assertions"]]
    return {"dataQualityMetrics": metrics,
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(assertions=assertions)}


class Emitter:
    """Sends one run's events: `start(run)` now, `finish(message)` once, which returns the warnings.
    This one works on a thread of the run's own process."""

    def __init__(self) -> None:
        self._sender = _Sender()
        self._thread: threading.Thread | None = None

    def start(self, run: dict) -> None:
        """Import the client, open the transports and send START, on a thread (the run goes on)."""
        def connect_and_start():
            self._sender.connect()
            self._sender.start(run)
        run = _plain(run)
        self._thread = threading.Thread(target=connect_and_start, name="openlineage-start",
                                        daemon=True)
        self._thread.start()

    def finish(self, message: dict) -> list[str]:
        # COMPLETE and FAIL follow START: wait for the thread that sends it.
        if self._thread is not None:
            self._thread.join()
        self._sender.finish(_plain(message))
        return self._sender.warnings

    def close(self) -> None:
        """Send nothing more (START goes out, if it has begun)."""
        if self._thread is not None:
            self._thread.join()


class ForkedEmitter(Emitter):
    """The emitter as a forked child process: the client's import and the events' building and
    sending run beside the run, not under its GIL. Messages go down a pipe as JSON lines; the
    child's warnings come back up another when it is done."""

    def __init__(self) -> None:
        super().__init__()
        down_r, self._down = os.pipe()
        self._up, up_w = os.pipe()
        try:
            self._pid = os.fork()
        except OSError:  # no process to spare: the caller falls back to a thread
            for fd in (down_r, self._down, self._up, up_w):
                os.close(fd)
            raise
        if self._pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(self._down)
                os.close(self._up)
                # Not the run's stdin and stdout: a pipeline reading them sees their end with the run's.
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(null, 1)
                _child(down_r, up_w)
                status = 0
            finally:
                os._exit(status)
        os.close(down_r)
        os.close(up_w)

    def start(self, run: dict) -> None:
        self._send({"start": run})

    def finish(self, message: dict) -> list[str]:
        self._send({"finish": message})
        return self._collect()

    def close(self) -> None:
        """Let the child go without another event (it has sent START, if it got that far)."""
        self._collect()

    def _send(self, message: dict) -> None:
        data = memoryview((_json(message) + "\n").encode())
        try:
            while data:
                data = data[os.write(self._down, data):]
        except OSError:  # the child is gone: _collect says so
            pass

    def _collect(self) -> list[str]:
        if self._down < 0:
            return []
        os.close(self._down)
        self._down = -1
        data, deadline = b"", time.monotonic() + WAIT_SECONDS
        while (left := deadline - time.monotonic()) > 0 and select.select([self._up], [], [], left)[0]:
            chunk = os.read(self._up, 65536)
            if not chunk:
                break
            data += chunk
        os.close(self._up)
        if time.monotonic() >= deadline:
            os.kill(self._pid, 9)
        _, status = os.waitpid(self._pid, 0)
        try:
            return list(json.loads(data)["warnings"]) if data else [_lost(status)]
        except (ValueError, KeyError, TypeError):
            return [_lost(status)]


def _json(message: dict) -> str:
    return json.dumps(message, default=str)  # a date among the settings: its text, as recorded


def _plain(message: dict) -> dict:
    """The message as the forked emitter receives it (so both emitters see the same data)."""
    return json.loads(_json(message))


def _lost(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    how = f"exit code {code}" if code >= 0 else f"signal {-code}"
    return f"OpenLineage events may be missing: the emitter process ended with {how}"


def _child(down: int, up: int) -> None:
    # Ctrl+C reaches the whole process group: the run handles it (and sends FAIL through here).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The run's own threads come first on a busy machine: the child fills the cores' idle gaps.
    os.nice(10)
    sender = _Sender()
    sender.connect()
    with os.fdopen(down, "rb") as messages:
        for line in messages:
            message = json.loads(line)
            if "start" in message:
                sender.start(message["start"])
            elif "finish" in message:
                sender.finish(message["finish"])
                break
    with os.fdopen(up, "wb") as out:
        out.write(json.dumps({"warnings": sender.warnings}).encode())


_EARLY: ForkedEmitter | None = None


def can_fork() -> bool:
    """A fork copies only the calling thread: safe while no other Python thread runs (one could
    hold a lock the child then waits on forever); and only where fork is the platform's own."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def fork_early() -> None:
    """Fork the emitter now, while the process is small (before pandas is imported)."""
    global _EARLY
    if _EARLY is None and has_destination() and can_fork():
        with contextlib.suppress(OSError):  # no fork now: the run starts a thread instead
            _EARLY = ForkedEmitter()


def discard_early() -> None:
    """Reap an emitter forked early that no run took (the command failed before its run began)."""
    global _EARLY
    if _EARLY is not None:
        _EARLY.close()
        _EARLY = None


def new_emitter() -> Emitter | None:
    """The emitter for a run starting now: the one forked early, a new fork, or a thread; None when
    events go nowhere."""
    global _EARLY
    if not has_destination():
        discard_early()
        return None
    if _EARLY is not None:
        emitter, _EARLY = _EARLY, None
        return emitter
    if can_fork():
        with contextlib.suppress(OSError):
            return ForkedEmitter()
    return Emitter()
