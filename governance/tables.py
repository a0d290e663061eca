"""Every table an audit can produce, declared once: its key, title, fixed columns and summary view.

The JSON report, its schema test, the CSV export, the Markdown and HTML summaries and the policy
all read `TABLES`; a part (governance.parts) names the tables it writes. Adding a table is one
entry here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.drift.over_time import IMPACT_COLUMNS as WINDOW_IMPACT_COLUMNS
from fairsynth.drift.over_time import SHARE_COLUMNS as WINDOW_SHARE_COLUMNS
from fairsynth.drift.over_time import STALENESS_COLUMNS
from fairsynth.drift.timeline import DATASET_DRIFT_COLUMNS, TIMELINE_COLUMNS
from fairsynth.fairness.fidelity import FIDELITY_COLUMNS
from fairsynth.fairness.impact import CHANGE_COLUMNS, METRIC_COLUMNS, SUMMARY_COLUMNS
from fairsynth.fairness.ratios import IMPACT_COLUMNS
from fairsynth.fairness.subgroups import GAP_COLUMNS
from fairsynth.fairness.utility import TSTR_COLUMNS
from fairsynth.foundation.codes import display_group
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.privacy.report import GROUP_COLUMNS as PRIVACY_COLUMNS

# Group and attribute keys, shown "Black & Female" in a summary (the JSON and CSV keep "&").
GROUP_COLUMNS = frozenset({"group", "attribute", "reference_group", "lowest_group", "highest_group"})
# Rows a summary shows per table; every row is in the JSON and CSV exports.
TOP_ROWS = 20


# The summaries' one number rule, said once to the reader of the HTML and Markdown summaries.
NUMBER_RULE = ("Numbers: counts in full (48,842); shares as percentages and gaps as signed "
               "percentage points, two decimals (4.73%, -3.15); every other number to three "
               "decimals (0.360, 1.000), and a non-zero value nearer 0 than that as < 0.001.")


def number(value: object, digits: int = 3) -> str:
    """A cell of a summary by NUMBER_RULE: counts in full, other numbers to `digits` decimals.

    >>> number(1.0), number(0.36), number(-0.000109), number(48842), number(None)
    ('1.000', '0.360', '> -0.001', '48,842', '-')
    """
    if _missing(value):
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        smallest = 10.0 ** -digits
        if value != 0 and abs(value) < smallest / 2:
            return f"< {smallest:.{digits}f}" if value > 0 else f"> -{smallest:.{digits}f}"
        text = f"{value:.{digits}f}"
        # A value that rounds to zero reads 0.000, never -0.000.
        return f"{0:.{digits}f}" if float(text) == 0 else text
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def percent(value: object) -> str:
    """A share as a percentage with two decimals."""
    return "-" if _missing(value) else f"{100 * float(value):.2f}%"


def points(value: object) -> str:
    """A difference of shares in signed percentage points."""
    return "-" if _missing(value) else f"{100 * float(value):+.2f}"


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float | np.floating)
                                               and math.isnan(value))


@dataclass(frozen=True)
class Shown:
    """One column of a summary table: the table column, its heading and how a cell is written."""

    column: str
    heading: str
    write: Callable[[object], str] = number


@dataclass(frozen=True)
class TableSpec:
    """A tidy table of the audit: JSON key (also the AuditReport attribute and CSV file name)."""

    key: str
    title: str
    columns: tuple[str, ...]
    # What the Markdown and HTML summaries show: these columns, rows ranked by |rank_by|.
    shown: tuple[Shown, ...] = ()
    rank_by: str | None = None
    # Rows the summary keeps (e.g. the overall rows of a per-group table); None keeps all.
    keep: Callable[[pd.DataFrame], pd.Series] | None = None
    # False: the summaries give the table a section of its own (privacy), not the generic view.
    generic_summary: bool = True

    def summary(self, frame: pd.DataFrame) -> tuple[str, list[str], list[list[str]]]:
        """(heading, column headings, rows of text) of the table's summary; cells not yet escaped."""
        rows = frame if self.keep is None else frame[self.keep(frame)]
        if self.rank_by is not None:
            order = rows[self.rank_by].abs().sort_values(ascending=False, na_position="last").index
            rows = rows.reindex(order)
        top = rows.head(TOP_ROWS)
        shown = self.shown or tuple(Shown(c, c.replace("_", " ")) for c in self.columns)
        heading = self.title if len(top) == len(frame) else (
            f"{self.title} (top {len(top)} of {len(frame)} rows)")
        body = [[_cell(s, v) for s, v in zip(shown, values, strict=True)]
                for values in top[[s.column for s in shown]].itertuples(index=False, name=None)]
        return heading, [s.heading for s in shown], body


def _cell(shown: Shown, value: object) -> str:
    text = shown.write(value)
    return display_group(text) if shown.column in GROUP_COLUMNS else text


def _overall(frame: pd.DataFrame) -> pd.Series:
    return frame["attribute"].isna()


def _all_groups(frame: pd.DataFrame) -> pd.Series:
    return frame["attribute"] == "(all)"


def _single_attribute(frame: pd.DataFrame) -> pd.Series:
    return frame["attributes"].map(len) == 1


def _below_four_fifths(frame: pd.DataFrame) -> pd.Series:
    return frame["passes_four_fifths"].eq(False).fillna(False).astype(bool)


def _drifted(frame: pd.DataFrame) -> pd.Series:
    return frame["drift_detected"].fillna(False).astype(bool)


TABLES: dict[str, TableSpec] = {spec.key: spec for spec in (
    TableSpec("subgroup_gaps", "Subgroup share gaps, synthetic minus real", tuple(GAP_COLUMNS), (
        Shown("group", "group"), Shown("real_count", "real rows"),
        Shown("synthetic_count", "synthetic rows"), Shown("real_share", "real share", percent),
        Shown("synthetic_share", "synthetic share", percent), Shown("gap", "gap (pp)", points),
        Shown("ci_low", "95% CI low (pp)", points), Shown("ci_high", "95% CI high (pp)", points),
        Shown("small", "small"), Shown("missing_side", "missing on")), rank_by="gap"),
    TableSpec("fidelity", "Column fidelity (overall)", tuple(FIDELITY_COLUMNS), (
        Shown("column", "column"), Shown("kind", "kind"), Shown("metric", "metric"),
        Shown("distance", "distance"), Shown("score", "score")), keep=_overall),
    TableSpec("disparate_impact", "Disparate impact per group", tuple(IMPACT_COLUMNS), (
        Shown("dataset", "data"), Shown("attribute", "attribute"), Shown("group", "group"),
        Shown("reference_group", "reference"), Shown("selection_rate", "selection rate"),
        Shown("ratio", "ratio"), Shown("ci_low", "95% CI low"), Shown("ci_high", "95% CI high"),
        Shown("passes_four_fifths", f"passes {FOUR_FIFTHS}"), Shown("n", "rows"))),
    TableSpec("impact_summary", "Four-fifths view per side: lowest over highest selection rate",
              tuple(SUMMARY_COLUMNS), (
        Shown("dataset", "data"), Shown("attribute", "attribute"),
        Shown("lowest_group", "lowest rate"), Shown("highest_group", "highest rate"),
        Shown("min_max_ratio", "lowest / highest"),
        Shown("passes_four_fifths", f"passes {FOUR_FIFTHS}"), Shown("n", "rows"))),
    TableSpec("impact_change", "Disparate impact, real vs synthetic (largest changes)",
              tuple(CHANGE_COLUMNS), (
        Shown("attribute", "attribute"), Shown("group", "group"),
        Shown("real_ratio", "real ratio"), Shown("synthetic_ratio", "synthetic ratio"),
        Shown("change", "change")), rank_by="change"),
    TableSpec("group_metrics", "Model metrics per group", tuple(METRIC_COLUMNS)),
    TableSpec("drift", "Drifted columns per window", tuple(TIMELINE_COLUMNS), (
        Shown("window", "window"), Shown("reference", "reference"), Shown("column", "column"),
        Shown("test", "test"), Shown("statistic", "statistic"), Shown("p_value", "p-value"),
        Shown("threshold", "threshold")), keep=_drifted),
    TableSpec("dataset_drift", "Drift over time (dataset drift per window)",
              tuple(DATASET_DRIFT_COLUMNS), (
        Shown("window", "window"), Shown("n_drifted", "drifted columns"),
        Shown("n_columns", "columns"), Shown("drifted_share", "share", percent),
        Shown("dataset_drift", "dataset drift"))),
    TableSpec("subgroups_over_time", "Group shares per time window", tuple(WINDOW_SHARE_COLUMNS), (
        Shown("dataset", "data"), Shown("window", "window"), Shown("group", "group"),
        Shown("count", "rows"), Shown("share", "share", percent),
        Shown("ci_low", "95% CI low", percent), Shown("ci_high", "95% CI high", percent),
        Shown("small", "small")), keep=_single_attribute),
    TableSpec("impact_over_time", f"Disparate impact per time window (groups under {FOUR_FIFTHS})",
              tuple(WINDOW_IMPACT_COLUMNS), (
        Shown("dataset", "data"), Shown("window", "window"), Shown("attribute", "attribute"),
        Shown("group", "group"), Shown("reference_group", "reference"),
        Shown("selection_rate", "selection rate"), Shown("ratio", "ratio"),
        Shown("ci_low", "95% CI low"), Shown("ci_high", "95% CI high"), Shown("n", "rows")),
              keep=_below_four_fifths),
    TableSpec("staleness", "Staleness: the synthetic data against each real window",
              tuple(STALENESS_COLUMNS), (
        Shown("window", "window"), Shown("drifted_share", "drifted columns", percent),
        Shown("max_abs_share_gap", "largest share gap (pp)", points),
        Shown("max_abs_impact_change", "largest ratio change"),
        Shown("best_match", "best match"), Shown("latest", "latest"))),
    TableSpec("utility", "Train on synthetic, test on real", tuple(TSTR_COLUMNS), (
        Shown("model", "model"), Shown("trained_on", "trained on"), Shown("metric", "metric"),
        Shown("value", "value")), keep=_all_groups),
    TableSpec("privacy", "Privacy", tuple(PRIVACY_COLUMNS), generic_summary=False),
)}

