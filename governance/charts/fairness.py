"""Figures of the representativeness and fairness results (pure: tables in, plotly figures out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairsynth.foundation.codes import display_group
from fairsynth.foundation.constants import FOUR_FIFTHS, UPPER_FOUR_FIFTHS
from fairsynth.governance.charts.style import (
    BAD_COLOR,
    GAP_SCALE,
    NEUTRAL_COLOR,
    SIDE_COLORS,
    apply_style,
)

TRAINED_COLORS = {"real": SIDE_COLORS["real"], "synthetic": SIDE_COLORS["synthetic"]}


def share_bars(shares: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Grouped bars of real vs synthetic share per group, whiskers at the 95% Wilson interval."""
    fig = go.Figure()
    order = (shares[shares["side"] == "real"].sort_values("share", ascending=False)["group"].tolist())
    order += [g for g in shares["group"].unique() if g not in order]
    for side in ("real", "synthetic"):
        part = shares[shares["side"] == side].set_index("group").reindex(order)
        fig.add_bar(
            name=side, x=[display_group(g) for g in order], y=part["share"] * 100, marker_color=SIDE_COLORS[side],
            error_y={"type": "data", "symmetric": False,
                     "array": (part["ci_high"] - part["share"]) * 100,
                     "arrayminus": (part["share"] - part["ci_low"]) * 100},
            customdata=part["count"],
            hovertemplate="%{x}<br>" + side + ": %{y:.2f}% (%{customdata:,} rows)<extra></extra>",
        )
    fig.update_layout(barmode="group", yaxis_title="share of rows (%)", xaxis_title=None)
    return apply_style(fig, title=title)


def gap_heatmap(gaps: pd.DataFrame, attributes: tuple[str, str], *, title: str | None = None) -> go.Figure:
    """Heatmap of the share gap (percentage points) over the intersection of two attributes."""
    a, b = attributes
    block = gaps[gaps["attributes"].map(tuple) == (a, b)]
    rows = sorted({v[a] for v in block["group_values"]})
    cols = sorted({v[b] for v in block["group_values"]})
    z = np.full((len(rows), len(cols)), np.nan)
    text = np.full((len(rows), len(cols)), "", dtype=object)
    for values, gap, missing in zip(block["group_values"], block["gap"], block["missing_side"],
                                    strict=True):
        i, j = rows.index(values[a]), cols.index(values[b])
        z[i, j] = gap * 100
        text[i, j] = f"{gap * 100:+.2f}" + (" (dropped)" if missing == "synthetic" else
                                            " (new)" if missing == "real" else "")
    limit = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, text=text, texttemplate="%{text}", colorscale=GAP_SCALE,
        zmid=0, zmin=-limit, zmax=limit, colorbar={"title": "gap (pp)"},
        hovertemplate=f"{a}=%{{y}}, {b}=%{{x}}<br>gap %{{z:+.2f}} pp<extra></extra>",
    ))
    fig.update_layout(xaxis_title=b, yaxis_title=a)
    return apply_style(fig, title=title, height=max(320, 70 * len(rows) + 140))


def distribution_overlay(dist: pd.DataFrame, *, column: str, title: str | None = None) -> go.Figure:
    """Overlaid real and synthetic shares of a column's bins or categories."""
    fig = go.Figure()
    for side in ("real", "synthetic"):
        part = dist[dist["side"] == side].sort_values("order")
        fig.add_bar(name=side, x=part["label"], y=part["share"] * 100, opacity=0.6,
                    marker_color=SIDE_COLORS[side],
                    hovertemplate="%{x}<br>" + side + ": %{y:.2f}%<extra></extra>")
    fig.update_layout(barmode="overlay", xaxis_title=column, yaxis_title="share (%)",
                      bargap=0.05)
    return apply_style(fig, title=title)


def impact_forest(impact: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Forest plot: disparate impact ratio per group with 95% interval, real vs synthetic."""
    shown = impact[impact["group"] != impact["reference_group"]].copy()
    shown["row"] = shown["attribute"].map(display_group) + ": " + shown["group"].map(display_group)
    order = (shown[shown["dataset"] == "real"].sort_values("ratio", ascending=False)["row"].tolist())
    order += [r for r in shown["row"].unique() if r not in order]
    fig = go.Figure()
    for dataset, offset in (("real", -0.15), ("synthetic", 0.15)):
        part = shown[shown["dataset"] == dataset].set_index("row").reindex(order)
        # Plotly's log axis cannot show 0: a ratio of 0 is drawn at the axis floor and labelled.
        floor = 0.01  # shown as the tick labelled 0
        x = part["ratio"].clip(lower=floor)
        fig.add_scatter(
            name=dataset, mode="markers", x=x, y=np.arange(len(order)) + offset,
            marker={"color": SIDE_COLORS[dataset], "size": 10},
            error_x={"type": "data", "symmetric": False,
                     "array": (part["ci_high"] - part["ratio"]).clip(lower=0),
                     "arrayminus": (x - part["ci_low"].clip(lower=floor)).clip(lower=0)},
            hovertext=[
                f"{row}<br>ratio {r:.3f} vs {ref} (n = {n:,})" if pd.notna(r) else f"{row}<br>undefined"
                for row, r, ref, n in zip(order, part["ratio"], part["reference_group"],
                                          part["n"].fillna(0).astype(int), strict=True)
            ],
            hovertemplate="%{hovertext}<extra>" + dataset + "</extra>",
        )
    for line in (FOUR_FIFTHS, UPPER_FOUR_FIFTHS):
        fig.add_vline(x=line, line_dash="dash", line_color=BAD_COLOR)
        # Annotations on a log axis take log10 positions (shapes take data values).
        fig.add_annotation(x=np.log10(line), y=1.0, yref="paper", yanchor="bottom",
                           text=f"{line:g}", showarrow=False, font={"color": BAD_COLOR})
    fig.add_vline(x=1.0, line_color=NEUTRAL_COLOR, line_width=1)
    ticks = [0.01, 0.05, 0.1, 0.2, 0.5, FOUR_FIFTHS, 1, UPPER_FOUR_FIFTHS, 2, 5, 10]
    fig.update_xaxes(type="log", title="disparate impact ratio (log scale)", tickvals=ticks,
                     ticktext=["0"] + [f"{t:g}" for t in ticks[1:]])
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=order, autorange="reversed")
    return apply_style(fig, title=title, height=max(360, 34 * len(order) + 140))


def tstr_bars(result: pd.DataFrame, *, model: str, attribute: str, metric: str,
              title: str | None = None) -> go.Figure:
    """Per-group metric of a model trained on real vs on synthetic data, both scored on real."""
    part = result[(result["model"] == model) & (result["attribute"] == attribute)
                  & (result["metric"] == metric)]
    fig = go.Figure()
    for trained_on in ("real", "synthetic"):
        side = part[part["trained_on"] == trained_on]
        fig.add_bar(name=f"trained on {trained_on}", x=side["group"].map(display_group),
                    y=side["value"],
                    marker_color=TRAINED_COLORS[trained_on], customdata=side["n"],
                    hovertemplate="%{x}: %{y:.3f} (n = %{customdata:,})<extra></extra>")
    fig.update_layout(barmode="group", yaxis_title=metric, yaxis_range=[0, 1])
    return apply_style(fig, title=title)


def association_heatmap(assoc: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Symmetric heatmap of the association difference (synthetic - real) for every column pair."""
    cols = list(dict.fromkeys(assoc["column_a"].tolist() + assoc["column_b"].tolist()))
    idx = {c: i for i, c in enumerate(cols)}
    z = np.zeros((len(cols), len(cols)))
    for a, b, d in zip(assoc["column_a"], assoc["column_b"], assoc["difference"], strict=True):
        z[idx[a], idx[b]] = z[idx[b], idx[a]] = d
    limit = float(np.nanmax(np.abs(z))) or 1.0
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=cols, colorscale=GAP_SCALE, zmid=0, zmin=-limit, zmax=limit,
        colorbar={"title": "synthetic - real"},
        hovertemplate="%{y} × %{x}<br>difference %{z:+.3f}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    return apply_style(fig, title=title, height=max(420, 32 * len(cols) + 160))
