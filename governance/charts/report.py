"""Figures of the exported summary: pure functions from audit tables to plotly figures (no streamlit)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fairsynth.foundation.codes import display_group
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.governance.charts.privacy import group_risk_figure
from fairsynth.governance.charts.style import (
    BAD_COLOR,
    GAP_SCALE,
    GOOD_COLOR,
    REAL_COLOR,
    SYNTHETIC_COLOR,
    apply_style,
    threshold_line,
)
from fairsynth.privacy.measures import MEASURES


def gap_figure(gaps: pd.DataFrame, *, top: int = 20) -> go.Figure:
    """The subgroups with the largest share gaps (synthetic - real, points) with their 95% intervals."""
    rows = gaps.reindex(gaps["gap"].abs().sort_values(ascending=False).index).head(top)
    rows = rows.iloc[::-1]
    gap = 100 * rows["gap"]
    fig = go.Figure(go.Bar(
        x=gap, y=[display_group(g) for g in rows["group"]], orientation="h",
        marker={"color": gap, "colorscale": GAP_SCALE, "cmid": 0},
        error_x={"type": "data", "symmetric": False,
                 "array": 100 * (rows["ci_high"] - rows["gap"]),
                 "arrayminus": 100 * (rows["gap"] - rows["ci_low"])},
        customdata=list(zip(100 * rows["real_share"], 100 * rows["synthetic_share"], strict=True)),
        hovertemplate="%{y}<br>gap %{x:.2f} pp<br>real %{customdata[0]:.2f}%"
                      "<br>synthetic %{customdata[1]:.2f}%<extra></extra>",
    ))
    fig.add_vline(x=0, line_color="black", line_width=1)
    fig.update_xaxes(title="synthetic share - real share (percentage points)")
    fig.update_yaxes(automargin=True)
    return apply_style(fig, title=f"Largest subgroup share gaps (top {len(rows)})",
                       height=max(360, 28 * len(rows) + 140))


def impact_figure(impact: pd.DataFrame, *, top: int = 20) -> go.Figure:
    """Disparate impact ratio per group, real beside synthetic, with the four-fifths line.

    The reference group's own bar (ratio 1 on its side) stays in: it is the yardstick the other
    bars are read against, and a missing bar reads as a missing group.
    """
    key = ["attribute", "group"]
    real = impact[impact["dataset"] == "real"].set_index(key)
    synth = impact[impact["dataset"] == "synthetic"].set_index(key)
    both = pd.DataFrame({"real": real["ratio"], "synthetic": synth["ratio"]})
    # One reference per attribute (DESIGN: the real data's); its bar is drawn on both sides.
    refs = {(a, r) for (a, _), r in real["reference_group"].items()}
    change = (both["synthetic"] - both["real"]).abs().fillna(0)
    others = change[[k not in refs for k in change.index]].sort_values(ascending=False, kind="stable")
    # The groups with the largest changes, each attribute's reference above its groups.
    chosen = others.head(top).index
    rows = []
    for attribute in dict.fromkeys(a for a, _ in chosen):
        rows += [k for k in both.index if k[0] == attribute and k in refs]
        rows += [k for k in chosen if k[0] == attribute]
    both = both.reindex(rows).iloc[::-1]
    labels = [f"{display_group(a)}: {display_group(g)}"
              + (" (reference)" if (a, g) in refs else "") for a, g in both.index]
    fig = go.Figure()
    for side, color in (("real", REAL_COLOR), ("synthetic", SYNTHETIC_COLOR)):
        fig.add_trace(go.Bar(x=both[side], y=labels, orientation="h", name=side,
                             marker_color=color,
                             hovertemplate="%{y}<br>" + side + " ratio %{x:.3f}<extra></extra>"))
    threshold_line(fig, FOUR_FIFTHS, f"four-fifths ({FOUR_FIFTHS})", axis="x")
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="selection rate / reference group's rate", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    fig = apply_style(fig, title="Disparate impact, real vs synthetic (largest changes)",
                      height=max(380, 36 * len(both) + 160))
    # Room between the title and the legend above the plot.
    return fig.update_layout(margin_t=110)


def fidelity_figure(fidelity: pd.DataFrame) -> go.Figure:
    """Overall fidelity score (1 - KS or TV distance) of each column, worst first."""
    overall = fidelity[fidelity["attribute"].isna()].dropna(subset=["score"])
    overall = overall.sort_values("score", ascending=False)
    colors = [GOOD_COLOR if s >= 0.9 else BAD_COLOR for s in overall["score"]]
    fig = go.Figure(go.Bar(
        x=overall["score"], y=[str(c) for c in overall["column"]], orientation="h",
        marker_color=colors, customdata=overall["metric"].str.upper(),
        hovertemplate="%{y}<br>score %{x:.3f} (%{customdata} complement)<extra></extra>"))
    fig.update_xaxes(title="fidelity score (1 = same distribution)", range=[0, 1])
    fig.update_yaxes(automargin=True)
    return apply_style(fig, title="Column fidelity, real vs synthetic",
                       height=max(360, 26 * len(overall) + 140))


def drift_figure(drift: pd.DataFrame) -> go.Figure:
    """Which column drifted in which window (1 = drift detected) against the reference."""
    table = drift.pivot_table(index="column", columns="window", values="drift_detected",
                              aggfunc="max", sort=False).astype(float)
    fig = go.Figure(go.Heatmap(
        z=table.to_numpy(), x=[str(w) for w in table.columns], y=[str(c) for c in table.index],
        colorscale=[[0, "#f0f0f0"], [1, BAD_COLOR]], zmin=0, zmax=1, showscale=False,
        hovertemplate="%{y}<br>window %{x}<br>drift %{z}<extra></extra>"))
    fig.update_xaxes(title="window start")
    fig.update_yaxes(automargin=True)
    return apply_style(fig, title="Drift per column and time window (red = drift detected)",
                       height=max(360, 26 * len(table) + 160))


def dataset_drift_figure(dataset_drift: pd.DataFrame, *, threshold: float = 0.5) -> go.Figure:
    """Share of drifted columns per window, with the dataset-drift line."""
    fig = go.Figure(go.Scatter(
        x=[str(w) for w in dataset_drift["window"]], y=dataset_drift["drifted_share"],
        mode="lines+markers", line_color=REAL_COLOR, name="drifted columns",
        hovertemplate="%{x}<br>%{y:.0%} of columns drifted<extra></extra>"))
    threshold_line(fig, threshold, f"dataset drift ({threshold:.0%} of columns)")
    fig.update_yaxes(title="share of drifted columns", range=[0, 1], tickformat=".0%")
    fig.update_xaxes(title="window start")
    return apply_style(fig, title="Share of drifted columns over time", height=380)


# Per-group privacy charts of the exported summary, in this order (attack ones only when they ran).
PRIVACY_CHART_MEASURES = ("exact_copy_rate", "dcr_closer_to_train_share", "k_share_below",
                          "singling_out_risk", "linkability_risk", "inference_risk")


def privacy_figure(privacy: pd.DataFrame, measure: str) -> go.Figure:
    """One privacy measure per protected group (the Privacy page's chart), titled for the export."""
    by_group = privacy[privacy["attribute"].notna()]
    return group_risk_figure(by_group, measure,
                             title=f"{MEASURES[measure].label} per protected group")
