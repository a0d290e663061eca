"""Exports of an AuditReport: JSON (schema_version 1), Markdown, self-contained HTML, CSV tables.

`EXPORTS` maps a format name to its spec (extension, media type, function report -> bytes);
the Notes page's download buttons and `fairsynth audit --out` both use it.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.paths import atomic_write, resource
from fairsynth.governance.audit import AuditReport
from fairsynth.governance.export_markdown import to_markdown
from fairsynth.governance.tables import TABLES

SCHEMA_VERSION = 1
SCHEMA_PATH = resource("governance", "report_schema.json")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def plain(value: object) -> object:
    """A JSON-ready value: numpy scalars to Python, NaN/NaT/NA/inf to None, tuples to lists."""
    # Fast path for the plain Python values most cells are (the checks below are ABC lookups).
    kind = type(value)
    if kind is str or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame | None) -> list[dict]:
    """Rows of a tidy table as flat JSON-ready records ([] for a part that did not run)."""
    if frame is None:
        return []
    columns = [str(c) for c in frame.columns]
    values = [_plain_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _plain_column(column: pd.Series) -> list:
    """`plain` of every value of a column: numbers, flags and text by whole columns (the values a
    row-by-row `plain` gives: Python floats with non-finite as None, ints, bools), anything else
    value by value."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        return column.to_numpy().tolist()
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
        array = column.to_numpy()
        out = array.tolist()
        for i in np.flatnonzero(~np.isfinite(array)).tolist():
            out[i] = None
        return out
    return [v if type(v) is str else plain(v) for v in column.tolist()]


def report_to_dict(report: AuditReport) -> dict:
    """The report as the schema_version 1 JSON object (see governance/report_schema.json)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "created_at": report.created_at,
        "inputs": plain(report.inputs),
        "roles": report.roles.to_dict(),
        # Every declared table, in declaration order ([] for a part that did not run).
        **{key: records(report.tables.get(key)) for key in TABLES},
        "findings": [plain(f.to_dict()) for f in report.findings],
        "notes": [n.to_dict() for n in report.notes],
        "lineage": plain(report.lineage),
        "policy": None if report.policy is None else plain(report.policy.to_dict()),
    }


def to_json(report: AuditReport) -> bytes:
    """The report as JSON bytes (UTF-8, indented, a table's rows one per line, NaN written as null)."""
    return json_text(report_to_dict(report)).encode()


# The C encoder (json's indent=2 falls back to the pure-Python one, ~3x slower on a report's
# thousands of rows); non-finite numbers are refused, as `plain` has made them None.
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def json_text(value: object, indent: str = "") -> str:
    """JSON of plain values: objects and lists indented two spaces a level, but a list of objects
    (a table's rows, the findings) one object per line, each written by the C encoder."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{_COMPACT(str(k))}: {json_text(v, inner)}" for k, v in value.items())
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        items = (inner + _COMPACT(v) for v in value)
    elif isinstance(value, list) and value:
        items = (inner + json_text(v, inner) for v in value)
    else:
        return _COMPACT(value)
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return f"{opening}\n" + ",\n".join(items) + f"\n{indent}{closing}"


def load_schema() -> dict:
    """The JSON Schema of report schema_version 1."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def neutralise_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe; numbers untouched."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """CSV text of a table with lists/dicts as JSON and formula injection neutralised in text cells."""
    out = frame.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(
                lambda v: neutralise_cell(json.dumps(plain(v), ensure_ascii=False)
                                          if isinstance(v, list | tuple | dict) else v))
    return out.to_csv(index=False, lineterminator="\n")


def csv_tables(report: AuditReport) -> dict[str, str]:
    """File name -> CSV text for every table the audit produced, plus findings, notes and policy."""
    tables = {key: report.tables.get(key) for key in TABLES}
    tables["findings"] = pd.DataFrame([f.to_dict() for f in report.findings],
                                      columns=["code", "severity", "kind", "sentence", "subject",
                                               "magnitude"])
    tables["notes"] = pd.DataFrame([n.to_dict() for n in report.notes],
                                   columns=["id", "finding_code", "action", "owner", "status",
                                            "rationale", "created", "updated"])
    if report.policy is not None:
        tables["policy_checks"] = pd.DataFrame(report.policy.to_dict()["checks"],
                                               columns=["name", "value", "threshold", "passed",
                                                        "explanation"])
    return {f"{name}.csv": safe_csv(frame) for name, frame in tables.items() if frame is not None}


def to_csv_zip(report: AuditReport) -> bytes:
    """Every CSV table in one zip file (fixed timestamps, so the same report gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in csv_tables(report).items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _markdown(report: AuditReport) -> bytes:
    return to_markdown(report).encode()


def _html(report: AuditReport) -> bytes:
    # plotly (the HTML summary's charts) costs about half a second to import; only this export needs it.
    from fairsynth.governance.export_html import to_html
    return to_html(report).encode()


@dataclass(frozen=True)
class ExportFormat:
    """One export: its name, file extension, media type and the function that writes the bytes."""

    name: str
    extension: str
    media_type: str
    render: Callable[[AuditReport], bytes]


EXPORTS: dict[str, ExportFormat] = {
    spec.name: spec
    for spec in (
        ExportFormat("json", ".json", "application/json", to_json),
        ExportFormat("markdown", ".md", "text/markdown", _markdown),
        ExportFormat("html", ".html", "text/html", _html),
        ExportFormat("csv", ".zip", "application/zip", to_csv_zip),
    )
}


def format_for_path(path: str | Path) -> ExportFormat:
    """The export whose extension the path has (.json, .md, .html, .zip), or a clear error."""
    suffix = Path(path).suffix.lower()
    aliases = {".markdown": ".md", ".htm": ".html"}
    suffix = aliases.get(suffix, suffix)
    for spec in EXPORTS.values():
        if spec.extension == suffix:
            return spec
    known = ", ".join(s.extension for s in EXPORTS.values())
    raise InvalidInputError(
        f"Cannot tell the export format of '{path}'; use one of {known}, or a folder path ending "
        "in / for one CSV file per table.")


def write_report(report: AuditReport, path: str | Path) -> list[Path]:
    """Write the report to `path` by its extension; a path ending in / (or a folder) gets CSV files."""
    text = str(path)
    target = Path(path)
    if text.endswith(("/", "\\")) or target.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for name, csv_text in csv_tables(report).items():
            atomic_write(target / name, csv_text.encode("utf-8"), private=False)
            written.append(target / name)
        return written
    spec = format_for_path(target)
    if not target.parent.is_dir():
        raise InvalidInputError(f"Cannot write '{path}': the folder {target.parent} does not exist.")
    atomic_write(target, spec.render(report), private=False)
    return [target]
