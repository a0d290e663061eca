"""FairSynth drift engine: plain functions over pandas objects."""

from drift.groups import impact_over_time, staleness_summary, subgroups_over_time
from drift.stats import STAT_TESTS, column_drift
from drift.timeline import NoTimeRoleError, dataset_drift, drift_over_time
from drift.windows import assign_windows, window_table

__all__ = [
    "STAT_TESTS",
    "NoTimeRoleError",
    "assign_windows",
    "column_drift",
    "dataset_drift",
    "drift_over_time",
    "impact_over_time",
    "staleness_summary",
    "subgroups_over_time",
    "window_table",
]
