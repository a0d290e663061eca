"""The Lineage section of the HTML summary as rows a person reads (the raw record stays in the JSON).

Every key of the lineage record becomes at least one row, so nothing recorded is hidden; the
audit parts have a section of their own and are only counted here.
"""

from __future__ import annotations

from collections.abc import Mapping

from fairsynth.governance.tables import number

LINEAGE_HEADER = ["part of the record", "item", "value"]
# Section names of the record's keys; a key not listed here reads as its own name.
SECTIONS = {
    "created_at": "Audit", "fairsynth_version": "Audit", "python_version": "Audit",
    "engine": "Audit", "packages": "Software", "inputs": "Inputs", "roles": "Roles",
    "excluded_columns": "Inputs", "pair_warnings": "Inputs", "generator": "Generator",
    "audit_options": "Audit options", "parts": "Audit parts", "privacy_settings": "Privacy",
}
ITEMS = {"created_at": "audited at", "fairsynth_version": "FairSynth version",
         "python_version": "Python version", "excluded_columns": "excluded columns",
         "pair_warnings": "warnings about the pair"}


def when(stamp: object) -> str:
    """An ISO 8601 UTC time as people write it: "2026-12-02T04:27:01+00:00" -> "2026-12-02 04:27:01 UTC"."""
    text = str(stamp or "")
    if text.endswith("+00:00") and "T" in text:
        return text[:-6].replace("T", " ") + " UTC"
    return text or "-"


def _item(key: str) -> str:
    return ITEMS.get(key, key.replace("_", " "))


# Identifiers, not quantities: written as they are, without thousands separators.
VERBATIM = ("seed", "random_state")


def _cell(key: str, value: object) -> str:
    return str(value) if key.endswith(VERBATIM) and value is not None else _text(value)


def _text(value: object) -> str:
    """One cell: lists joined, small mappings as "key: value" pairs, numbers by the summary rule."""
    if value is None:
        return "-"
    if isinstance(value, Mapping):
        return "; ".join(f"{_item(str(k))}: {_cell(str(k), v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            return f"{len(value)} record(s), listed in the JSON below"
        return ", ".join(_text(v) for v in value) or "none"
    return number(value)


def _inputs(inputs: Mapping) -> list[tuple[str, str, str]]:
    rows = []
    for side, info in inputs.items():
        if not isinstance(info, Mapping):
            rows.append(("Inputs", str(side), _text(info)))
            continue
        rows.append(("Inputs", f"{side} file", f"{info.get('path', '-')}: {number(info.get('rows'))} "
                     f"rows, {number(info.get('columns'))} columns"))
        rows.append(("Inputs", f"{side} sha256", str(info.get("sha256", "-"))))
        rows.append(("Inputs", f"{side} columns", _text(info.get("column_names", []))))
    return rows


def lineage_rows(lineage: Mapping) -> list[tuple[str, str, str]]:
    """(section, item, value) rows of a lineage record by section, cells not escaped.

    The section is written on its first row only, so the table reads as blocks.
    """
    rows: list[tuple[str, str, str]] = []
    for key, value in lineage.items():
        section = SECTIONS.get(key, key.replace("_", " ").capitalize())
        if key == "created_at":
            rows.append((section, _item(key), when(value)))
        elif key == "packages" and isinstance(value, Mapping):
            rows.append((section, "packages", ", ".join(f"{n} {v or '(not installed)'}"
                                                        for n, v in value.items())))
        elif key == "inputs" and isinstance(value, Mapping):
            rows += _inputs(value)
        elif key == "parts" and isinstance(value, list):
            rows.append((section, "parts", f"{len(value)} part(s), see the Audit parts table"))
        elif key == "generator" and value is None:
            rows.append((section, "settings", "not recorded: the synthetic file carries no "
                         "generator settings"))
        elif isinstance(value, Mapping) and value:
            rows += [(section, _item(str(k)), _cell(str(k), v)) for k, v in value.items()]
        else:
            rows.append((section, _item(key), _cell(key, value)))
    # Sections in the order of SECTIONS (then any other), each row once; sorted() is stable.
    order = list(dict.fromkeys(SECTIONS.values()))
    rows = sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    return [(section if i == 0 or rows[i - 1][0] != section else "", item, value)
            for i, (section, item, value) in enumerate(rows)]
