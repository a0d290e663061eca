"""Read OpenLineage events back through openlineage-python's own model (its generated attrs classes).

Each JSON line is rebuilt as a client RunEvent: every facet must be a class the client defines,
every field one of that class's fields, and the client's validators run (eventTime ISO 8601, runId
a UUID, URIs). Serialising the rebuilt event must give the line back, so the `_schemaURL` each facet
names is the client's own for that facet.
"""

from __future__ import annotations

import json
from pathlib import Path

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
    dataset_version_dataset,
    error_message_run,
    execution_parameters_run,
    job_type_job,
    output_statistics_output_dataset,
    processing_engine_run,
    schema_dataset,
)
from openlineage.client.serde import Serde

META = ("_producer", "_schemaURL")


def _plain(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in META}


def _fields(items: list[dict]) -> list:
    return [schema_dataset.SchemaDatasetFacetFields(**{**f, "fields": _fields(f.get("fields") or [])})
            for f in items]


def _metrics(d: dict):
    cls = data_quality_metrics_input_dataset
    known = {"columnMetrics", "rowCount", "bytes", "fileCount", "lastUpdated"}
    data = _plain(d)
    facet = cls.DataQualityMetricsInputDatasetFacet(
        columnMetrics={k: cls.ColumnMetrics(**v) for k, v in data["columnMetrics"].items()},
        **{k: data[k] for k in known - {"columnMetrics"} if k in data})
    extra = {k: v for k, v in data.items() if k not in known}
    return facet.with_additional_properties(**extra) if extra else facet


BUILDERS = {
    "schema": lambda d: schema_dataset.SchemaDatasetFacet(fields=_fields(d["fields"])),
    "version": lambda d: dataset_version_dataset.DatasetVersionDatasetFacet(**_plain(d)),
    "dataQualityMetrics": _metrics,
    "dataQualityAssertions": lambda d: data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[data_quality_assertions_dataset.Assertion(**a) for a in d["assertions"]]),
    "outputStatistics": lambda d: output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
        **_plain(d)),
    "processing_engine": lambda d: processing_engine_run.ProcessingEngineRunFacet(**_plain(d)),
    "executionParameters": lambda d: execution_parameters_run.ExecutionParametersRunFacet(
        parameters=[execution_parameters_run.ExecutionParameter(**p) for p in d["parameters"]]),
    "errorMessage": lambda d: error_message_run.ErrorMessageRunFacet(**_plain(d)),
    "jobType": lambda d: job_type_job.JobTypeJobFacet(**_plain(d)),
}


def _facets(data: dict) -> dict:
    unknown = set(data) - set(BUILDERS)
    assert not unknown, f"facets the client does not define here: {unknown}"
    return {name: BUILDERS[name](value) for name, value in data.items()}


def rebuilt(line: dict) -> RunEvent:
    """The event as the client's RunEvent (raises when a field or facet is not the client's)."""
    return RunEvent(
        eventType=RunState(line["eventType"]), eventTime=line["eventTime"],
        run=Run(runId=line["run"]["runId"], facets=_facets(line["run"].get("facets") or {})),
        job=Job(namespace=line["job"]["namespace"], name=line["job"]["name"],
                facets=_facets(line["job"].get("facets") or {})),
        inputs=[InputDataset(namespace=i["namespace"], name=i["name"], facets=_facets(i["facets"]),
                             inputFacets=_facets(i.get("inputFacets") or {})) for i in line["inputs"]],
        outputs=[OutputDataset(namespace=o["namespace"], name=o["name"], facets=_facets(o["facets"]),
                               outputFacets=_facets(o.get("outputFacets") or {}))
                 for o in line["outputs"]],
        producer=line["producer"])


def read_events(path: Path) -> list[dict]:
    """Every event of the file, each checked against the client's model."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for event in events:
        assert Serde.to_dict(rebuilt(event)) == event
        assert event["schemaURL"] == RunEvent._get_schema()
    return events
