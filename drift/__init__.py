"""FairSynth drift engine: plain functions over pandas objects."""

from fairsynth.drift.groups import impact_over_time, staleness_summary, subgroups_over_time
from fairsynth.drift.stats import STAT_TESTS, column_drift
from fairsynth.drift.timeline import dataset_drift, drift_over_time
from fairsynth.foundation.errors import NoTimeRoleError
from fairsynth.foundation.windows import assign_windows, window_table

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
