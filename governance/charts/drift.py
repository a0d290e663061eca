"""Drift figures: windows x columns heatmap, group shares and disparate impact over time (data in, figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from fairsynth.drift.stats import normalised_score
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.governance.charts.style import BAD_COLOR, GOOD_COLOR, NEUTRAL_COLOR, apply_style

# Scores are clipped here so one extreme column does not wash out the rest of the heatmap.
SCORE_CAP = 3.0
PALETTE = qualitative.D3
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
                           hovertemplate="%{x}: %{y:.0%} of columns drifted<extra></extra>"))
    fig.add_hline(y=drift_share, line_dash="dash", line_color=BAD_COLOR,
                  annotation_text=f"dataset drift ({drift_share:.0%})")
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title="drifted columns")
    fig.update_xaxes(type="category", title="window start")
    return apply_style(fig, title=title, height=340)


def share_lines(shares: pd.DataFrame, attribute: str, *, title: str | None = None) -> go.Figure:
    """Share of each group of `attribute` per window (solid) and in the synthetic data (dashed)."""
    frame = shares[shares["attribute"] == attribute]
    fig = go.Figure()
    for i, (group, rows) in enumerate(frame.groupby("group", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(
            x=rows["window"], y=rows["share"], mode="lines+markers", name=str(group),
            line={"color": color}, legendgroup=str(group), customdata=rows["count"],
            hovertemplate=f"{group}<br>%{{x}}: %{{y:.1%}} (%{{customdata}} rows)<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=rows["window"], y=rows["synthetic_share"], mode="lines", name=f"{group} (synthetic)",
            line={"color": color, "dash": "dash"}, legendgroup=str(group), showlegend=False,
            hovertemplate=f"{group}, synthetic: %{{y:.1%}}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", title="share of rows", rangemode="tozero")
    fig.update_xaxes(type="category", title="window start")
    return apply_style(fig, title=title or f"{attribute}: share per window (dashed = synthetic)")


def impact_lines(impact: pd.DataFrame, attribute: str, *, title: str | None = None) -> go.Figure:
    """Disparate impact ratio per group and window with its 95% interval, the 0.8 band and the synthetic ratio dashed."""
    frame = impact[impact["attribute"] == attribute]
    real = frame[frame["dataset"] == "real"]
    synth = frame[frame["dataset"] == "synthetic"].set_index("group")
    windows = list(dict.fromkeys(real["window"]))
    fig = go.Figure()
    top = float(np.nanmax(np.r_[real["ci_high"].replace(np.inf, np.nan).to_numpy(dtype=float), 1.2]))
    fig.add_hrect(y0=0, y1=FOUR_FIFTHS, fillcolor=BAD_COLOR, opacity=0.08, line_width=0,
                  annotation_text=f"below four-fifths ({FOUR_FIFTHS})", annotation_position="bottom left")
    fig.add_hline(y=FOUR_FIFTHS, line_dash="dot", line_color=BAD_COLOR)
    fig.add_hline(y=1.0, line_color=GOOD_COLOR, line_width=1)
    for i, (group, rows) in enumerate(real.groupby("group", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        rows = rows.set_index("window").reindex(windows)
        fig.add_trace(go.Scatter(
            x=windows, y=rows["ratio"], mode="lines+markers", name=str(group), legendgroup=str(group),
            line={"color": color},
            error_y={"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["ratio"],
                     "arrayminus": rows["ratio"] - rows["ci_low"], "thickness": 1, "color": color},
            customdata=np.c_[rows["reference_group"].astype(str), rows["n"].fillna(0)],
            hovertemplate=(f"{group}<br>%{{x}}: ratio %{{y:.2f}} vs %{{customdata[0]}}"
                           "<br>n = %{customdata[1]}<extra></extra>")))
        if group in synth.index and pd.notna(synth.loc[group, "ratio"]):
            fig.add_trace(go.Scatter(
                x=windows, y=[float(synth.loc[group, "ratio"])] * len(windows), mode="lines",
                line={"color": color, "dash": "dash"}, legendgroup=str(group), showlegend=False,
                name=f"{group} (synthetic)",
                hovertemplate=f"{group}, synthetic: %{{y:.2f}}<extra></extra>"))
    fig.update_yaxes(title="disparate impact ratio", range=[0, min(top * 1.05, 3.0)])
    fig.update_xaxes(type="category", title="window start")
    return apply_style(fig, title=title or f"{attribute}: disparate impact per window (dashed = synthetic)")
