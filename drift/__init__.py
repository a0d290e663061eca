"""FairSynth drift engine: plain functions over pandas objects."""

from fairsynth.drift.over_time import OverTime, fairness_over_time
from fairsynth.drift.stats import STAT_TESTS, column_drift
from fairsynth.drift.timeline import dataset_drift, drift_over_time, timeline_sentences
from fairsynth.foundation.errors import NoTimeRoleError
from fairsynth.foundation.windows import assign_windows, window_table

__all__ = [
    "STAT_TESTS",
    "NoTimeRoleError",
    "OverTime",
    "assign_windows",
    "column_drift",
    "dataset_drift",
    "drift_over_time",
    "fairness_over_time",
    "timeline_sentences",
    "window_table",
]
