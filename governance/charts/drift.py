"""Drift figures: the windows x columns heatmap and the share of drifted columns per window (data in, figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairsynth.drift.stats import normalised_score
from fairsynth.governance.charts.style import (
    BAD_COLOR,
    NEUTRAL_COLOR,
    apply_style,
    threshold_line,
)

# Scores are clipped here so one extreme column does not wash out the rest of the heatmap.
SCORE_CAP = 3.0
# White below the threshold fading to red above it: 1 (the threshold) sits at a third of the scale.
SCORE_SCALE = [[0.0, "#ffffff"], [1 / SCORE_CAP * 0.999, "#fde0c5"], [1 / SCORE_CAP, "#f4a261"],
               [1.0, "#b2182b"]]


def drift_heatmap(drift: pd.DataFrame, *, title: str | None = "Drift per window and column") -> go.Figure:
    """Windows x columns; colour = drift score / threshold (1 = threshold), a cross marks detected drift."""
    frame = drift.assign(score=normalised_score(drift).clip(upper=SCORE_CAP))
    windows = list(dict.fromkeys(frame["window"]))
    columns = list(dict.fromkeys(frame["column"]))
    score = frame.pivot(index="column", columns="window", values="score").reindex(index=columns, columns=windows)
    flag = frame.pivot(index="column", columns="window", values="drift_detected").reindex(
        index=columns, columns=windows)
    hover = frame.assign(
        text=lambda f: f["test"] + "<br>statistic " + f["statistic"].map("{:.4g}".format)
        + "<br>p-value " + f["p_value"].map(lambda p: "—" if pd.isna(p) else f"{p:.3g}")
        + "<br>threshold " + f["threshold"].map("{:.3g}".format)
        + "<br>" + np.where(f["drift_detected"], "drift", "no drift"))
    hover_text = hover.pivot(index="column", columns="window", values="text").reindex(
        index=columns, columns=windows)
    marks = np.where(flag.fillna(False).to_numpy(dtype=bool), "✕", "")
    fig = go.Figure(go.Heatmap(
        z=score.to_numpy(dtype=float), x=windows, y=columns, zmin=0, zmax=SCORE_CAP,
        colorscale=SCORE_SCALE, text=marks, texttemplate="%{text}", textfont={"size": 14},
        customdata=hover_text.to_numpy(), xgap=1, ygap=1,
        hovertemplate="%{y} in %{x}<br>%{customdata}<extra></extra>",
        colorbar={"title": "score /<br>threshold", "tickvals": [0, 1, 2, 3],
                  "ticktext": ["0", "1 (threshold)", "2", "≥3"]},
    ))
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title="window start", type="category")
    return apply_style(fig, title=title, height=max(360, 28 * len(columns) + 160))


def dataset_drift_bars(per_window: pd.DataFrame, *, drift_share: float = 0.5,
                       title: str | None = "Share of drifted columns") -> go.Figure:
    """Share of drifted columns per window, red where it reaches the dataset-drift share."""
    colors = np.where(per_window["dataset_drift"], BAD_COLOR, NEUTRAL_COLOR)
    fig = go.Figure(go.Bar(x=per_window["window"], y=per_window["drifted_share"], marker_color=colors,
                           showlegend=False,
                           hovertemplate="%{x}: %{y:.0%} of columns drifted<extra></extra>"))
    threshold_line(fig, drift_share, f"dataset drift ({drift_share:.0%} of columns)")
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title="drifted columns")
    fig.update_xaxes(type="category", title="window start")
    return apply_style(fig, title=title, height=340)
