"""Numbers the analyses, findings and charts share, defined once so a chart line and a pass/fail
verdict can never disagree."""

from __future__ import annotations

import os

# The four-fifths rule (EEOC Uniform Guidelines, 29 CFR 1607.4(D)): a group whose selection rate
# is below 80% of the reference group's shows adverse impact.
FOUR_FIFTHS = 0.8
# Its mirror image, 1 / 0.8: a ratio above it favours the group as strongly as 0.8 disfavours it.
UPPER_FOUR_FIFTHS = 1.25
# Two-sided 95% standard normal quantile, scipy.stats.norm.ppf(0.975) to full double precision
# (hard-coded so the foundation needs no scipy).
Z95 = 1.959963984540054
# Finding severities, most severe first: findings, rankings and summaries sort by this order.
SEVERITIES = ("critical", "high", "medium", "low")

# The calendar window frequencies (code: name), the one list the CLI, the audit and the pages offer
# (here, not in windows.py, so that `fairsynth audit --help` reads them without pandas).
FREQS: dict[str, str] = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
DEFAULT_FREQ = "M"
# What drift compares each window against (drift.timeline).
DRIFT_REFERENCES = ("first", "window", "previous", "synthetic")


# Threads one audit may use: the row-reading parts beside the counting parts, and columns counted
# two at a time. The dashboard's server sets 1 (ui/launch.py): there, sessions and the warm-up
# already share the cores, and each page's work stays on its own thread.
AUDIT_THREADS_ENV = "FAIRSYNTH_AUDIT_THREADS"


def audit_threads() -> int:
    """$FAIRSYNTH_AUDIT_THREADS (at least 1), else 2 on a machine with two cores or more."""
    text = os.environ.get(AUDIT_THREADS_ENV, "").strip()
    if text.isdigit():
        return max(1, int(text))
    return min(2, os.cpu_count() or 1)
