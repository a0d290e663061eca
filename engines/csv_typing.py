"""CSV columns typed inside DuckDB or Spark by FairSynth's rule (foundation/csv_types.py).

The runner reads every CSV cell as text (never the engine's own type sniffing) into a raw view;
one aggregate query counts, per column, the present and missing cells and the present cells each
pattern rejects; `column_type` picks the type; the typed view casts each column to it. Only the
text is shared: the runner supplies quoting, literals, trimming and the regex test.
"""

from __future__ import annotations

from fairsynth.foundation.csv_types import (
    FALSE_TEXT,
    NA_VALUES,
    PATTERNS,
    TRIM,
    TRUE_TEXT,
    anchored,
    column_type,
)

# SQL type of each rule type ("object_bool" is the text 'True'/'False': see csv_types).
SQL_TYPES = {"bool": "BOOLEAN", "object_bool": "STRING", "int64": "BIGINT", "float64": "DOUBLE",
             "text": "STRING"}


def _clean(runner, column: str) -> str:
    trimmed = runner.trim(runner.quote(column), TRIM)
    nas = ", ".join(runner.literal(v) for v in NA_VALUES)
    return f"CASE WHEN {trimmed} IN ({nas}) THEN NULL ELSE {trimmed} END"


def _one_of(runner, expr: str, texts) -> str:
    return f"{expr} IN ({', '.join(runner.literal(t) for t in texts)})"


def infer_types(runner, raw_view: str, columns: list[str]) -> dict[str, str]:
    """The rule's type of every column of a raw text view, from one scan of it."""
    if not columns:
        return {}
    cleaned = ", ".join(f"{_clean(runner, c)} AS c{i}" for i, c in enumerate(columns))
    aggregates = ["COUNT(*) AS n"]
    for i in range(len(columns)):
        aggregates.append(f"COUNT(c{i}) AS p{i}")
        for j, pattern in enumerate(PATTERNS.values()):
            aggregates.append(f"SUM(CASE WHEN c{i} IS NOT NULL AND NOT "
                              f"({runner.matches(f'c{i}', anchored(pattern))}) THEN 1 ELSE 0 END) AS m{i}_{j}")
    row = runner.query(f"SELECT {', '.join(aggregates)} FROM (SELECT {cleaned} FROM {raw_view}) t").iloc[0]
    n = int(row["n"])
    out = {}
    for i, col in enumerate(columns):
        present = int(row[f"p{i}"])
        # SUM over no rows is NULL: no mismatch.
        mismatches = {name: int(row[f"m{i}_{j}"] or 0) for j, name in enumerate(PATTERNS)}
        out[col] = column_type(present, n - present, mismatches)
    return out


def typed_expr(runner, column: str, kind: str) -> str:
    """One column of the raw text view as the rule's type, named as the column."""
    value = _clean(runner, column)
    if kind in ("bool", "object_bool"):
        yes, no = ("TRUE", "FALSE") if kind == "bool" else ("'True'", "'False'")
        expr = (f"CASE WHEN {_one_of(runner, value, TRUE_TEXT)} THEN {yes} "
                f"WHEN {_one_of(runner, value, FALSE_TEXT)} THEN {no} END")
    elif kind == "text":
        expr = value
    else:
        expr = f"CAST({value} AS {SQL_TYPES[kind]})"
    return f"{expr} AS {runner.quote(column)}"


def typed_select(runner, raw_view: str, types: dict[str, str], row: str) -> str:
    """SELECT of the raw text view with every column typed, and the row number kept."""
    exprs = [typed_expr(runner, col, kind) for col, kind in types.items()]
    return f"SELECT {', '.join(exprs + [row])} FROM {raw_view}"
