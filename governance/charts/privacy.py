"""Privacy figures: a measure per protected group with intervals, and the distance distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairsynth.foundation.codes import display_group
from fairsynth.governance.charts.style import (
    BAD_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    REAL_COLOR,
    SYNTHETIC_COLOR,
    apply_style,
)
from fairsynth.privacy.measures import MEASURES, base_measure

REFERENCE_MEASURES = ("exact_copy_rate", "dcr_closer_to_train_share", "dcr_median", "nndr_median")
LEVEL_COLORS = {"low": GOOD_COLOR, "medium": "#f9a825", "high": BAD_COLOR, "unknown": NEUTRAL_COLOR}


def group_risk_figure(by_group: pd.DataFrame, measure: str, *, title: str | None = None) -> go.Figure:
    """One bar per protected group (coloured by risk level) with its 95% interval and the reference."""
    rows = by_group[by_group["measure"] == measure]
    labels = [f"{display_group(a)}: {display_group(g)}"
              for a, g in zip(rows["attribute"], rows["group"], strict=True)]
    value = rows["value"].to_numpy(dtype=float)
    fig = go.Figure(go.Bar(
        x=value, y=labels, orientation="h",
        marker_color=[LEVEL_COLORS.get(level, NEUTRAL_COLOR) for level in rows["risk_level"]],
        error_x={"type": "data", "symmetric": False,
                 "array": np.nan_to_num(rows["ci_high"].to_numpy(dtype=float) - value),
                 "arrayminus": np.nan_to_num(value - rows["ci_low"].to_numpy(dtype=float))},
        customdata=np.column_stack([rows["n"], rows["risk_level"]]) if len(rows) else None,
        hovertemplate="%{y}<br>value %{x:.3f}<br>n %{customdata[0]}<br>risk %{customdata[1]}<extra></extra>",
        name="synthetic", showlegend=False,
    ))
    if measure in REFERENCE_MEASURES:
        # Each group has its own reference (its real holdout rows), so it is a marker, not a line.
        fig.add_trace(go.Scatter(x=rows["reference"], y=labels, mode="markers", name="reference",
                                 marker={"symbol": "diamond", "size": 12, "color": REAL_COLOR}))
    fig.update_yaxes(autorange="reversed")
    spec = MEASURES.get(base_measure(measure))
    fig.update_xaxes(title=spec.label if spec else measure.replace("_", " "), rangemode="tozero")
    return apply_style(fig, title=title, height=max(320, 60 + 38 * len(rows)))


def distance_figure(distances: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Distance to the closest training row vs closest holdout row, over the sampled synthetic rows."""
    fig = go.Figure()
    for col, name, color in (("dcr_train", "to closest training row", SYNTHETIC_COLOR),
                             ("dcr_holdout", "to closest holdout row", REAL_COLOR)):
        fig.add_trace(go.Histogram(x=distances[col], name=name, marker_color=color, opacity=0.6,
                                   nbinsx=50))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title="distance (0 = identical row, 1 = nothing in common)")
    fig.update_yaxes(title="synthetic rows")
    return apply_style(fig, title=title)
