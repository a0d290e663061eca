"""evidently's own data drift report for one reference/current pair: its HTML and its per-column decisions."""

from __future__ import annotations

import warnings

import pandas as pd

from fairsynth.drift.stats import STAT_TESTS
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import NUMERIC, column_kind
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.windows import DEFAULT_FREQ

DECISION_COLUMNS = ["column", "method", "drift_detected", "score"]
# evidently names a test by its display name in the snapshot; map it back to our registry names.
_BY_DISPLAY = {spec.display_name: name for name, (spec, _) in STAT_TESTS.items()}


def _run(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]):
    """Run Report([DataDriftPreset()]) (current first, as evidently 0.7 wants) on typed columns."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    missing = [c for c in columns if c not in reference.columns or c not in current.columns]
    if missing:
        raise InvalidInputError(f"Column(s) not in both tables: {', '.join(map(str, missing))}.")
    if reference.empty or current.empty:
        raise InvalidInputError("Both the reference and the current data need rows for an evidently report.")
    # Our NUMERIC is evidently's "numerical": this DataDefinition is the one place that maps them.
    numerical = [c for c in columns
                 if column_kind(reference[c]) == NUMERIC and column_kind(current[c]) == NUMERIC]
    categorical = [c for c in columns if c not in numerical]
    ref, cur = reference[columns].copy(), current[columns].copy()
    for col in categorical:
        # evidently is slow on text: categories cut its time roughly in half.
        ref[col], cur[col] = _as_category(ref[col]), _as_category(cur[col])
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Report([DataDriftPreset(columns=list(columns))], include_tests=True).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )


def _as_category(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        values = values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v))
    return values.astype("category")


def evidently_drift_html(reference: pd.DataFrame, current: pd.DataFrame, *, columns: list[str]) -> str:
    """Full HTML of evidently's data drift report (standalone page) for embedding in the Drift page."""
    return _run(reference, current, columns).get_html_str(as_iframe=False)


def evidently_drift_decisions(
    reference: pd.DataFrame, current: pd.DataFrame, *, columns: list[str]
) -> pd.DataFrame:
    """evidently's per-column result: column, method (our registry name), drift_detected, score."""
    snapshot = _run(reference, current, columns)
    data = snapshot.dict()
    failed = {t.get("metric_config", {}).get("params", {}).get("column"): t.get("status")
              for t in data.get("tests", [])}
    rows = []
    for metric in data["metrics"]:
        config = metric["config"]
        if not config.get("type", "").endswith("ValueDrift"):
            continue
        display = config.get("method")
        name = _BY_DISPLAY.get(display, display)
        score = float(metric["value"])
        status = failed.get(config["column"])
        if status is not None:
            drifted = str(getattr(status, "value", status)).upper() == "FAIL"
        else:
            spec = STAT_TESTS[name][0]
            drifted = spec.drifted(score, score, float(config["threshold"]))
        rows.append((config["column"], name, drifted, score))
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def evidently_window_html(pair: DatasetPair, *, window: str, freq: str | None = DEFAULT_FREQ,
                          n_windows: int | None = None, reference: str = "first",
                          reference_window: str | None = None, min_rows: int = 30) -> str:
    """evidently's report for one window of `drift_over_time` (same reference), over the analysis columns."""
    from fairsynth.drift.timeline import window_frames

    ref, cur = window_frames(pair, window=window, freq=freq, n_windows=n_windows, reference=reference,
                             reference_window=reference_window, min_rows=min_rows)
    return evidently_drift_html(ref, cur, columns=pair.analysis_columns)
