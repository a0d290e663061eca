"""Over-time figures of the report tables: group shares and disparate impact per window, both sides."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fairsynth.foundation.codes import display_group
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.governance.charts.style import (
    GOOD_COLOR,
    apply_style,
    capped,
    group_colors,
    ratio_axis_top,
    threshold_line,
)

# Solid for the real windows, dashed for the synthetic windows of the same group.
DASH = {"real": "solid", "synthetic": "dash"}


def _lines(fig: go.Figure, frame: pd.DataFrame, value: str, hover: str, colors: dict[str, str],
           top: float | None = None) -> None:
    windows = sorted(frame["window"].unique())
    # Groups in label order, so the legend lists them alike on every chart.
    for group, rows in frame.groupby("group", sort=True):
        color, name = colors[str(group)], display_group(group)
        for dataset, side in rows.groupby("dataset", sort=False):
            side = side.set_index("window").reindex(windows)
            y, symbols = (side[value].tolist(), "circle") if top is None else capped(side[value], top)
            fig.add_trace(go.Scatter(
                x=windows, y=y, mode="lines+markers", legendgroup=name,
                name=name if dataset == "real" else f"{name} (synthetic)",
                showlegend=dataset == "real", line={"color": color, "dash": DASH[dataset]},
                marker={"symbol": symbols, "size": 8}, customdata=side[value],
                # A capped point sits on the axis edge: draw its whole marker, not half of it.
                cliponaxis=top is None,
                hovertemplate=f"{name}, {dataset}<br>%{{x}}: {hover}<extra></extra>"))
    fig.update_xaxes(type="category", title="window start")


def window_share_figure(shares: pd.DataFrame, attribute: str,
                        overall: pd.DataFrame | None = None) -> go.Figure:
    """Share of each group of one attribute per window: real solid, synthetic windows dashed, or,
    when the synthetic side has no windows, its whole-table share (`overall`: subgroup_gaps) dotted."""
    frame = shares[shares["attributes"].map(tuple) == (attribute,)]
    colors = group_colors(frame["group"])
    fig = go.Figure()
    _lines(fig, frame, "share", "%{y:.1%} of the window's rows", colors)
    windowed = (frame["dataset"] == "synthetic").any()
    if not windowed and overall is not None:
        _flat_lines(fig, frame, overall[overall["attributes"].map(tuple) == (attribute,)], colors)
    fig.update_yaxes(tickformat=".0%", title="share of rows", rangemode="tozero")
    what = "dashed = synthetic windows" if windowed or overall is None else "dotted = synthetic table"
    return apply_style(fig, title=f"{display_group(attribute)}: share per window ({what})")


def _flat_lines(fig: go.Figure, frame: pd.DataFrame, overall: pd.DataFrame,
                colors: dict[str, str]) -> None:
    windows = sorted(frame["window"].unique())
    synth = overall.set_index("group")["synthetic_share"]
    for group in frame["group"].drop_duplicates():
        if group in synth.index:
            name = display_group(group)
            fig.add_trace(go.Scatter(
                x=windows, y=[float(synth[group])] * len(windows), mode="lines",
                legendgroup=name, showlegend=False, name=f"{name} (synthetic)",
                line={"color": colors[str(group)], "dash": "dot"},
                hovertemplate=f"{name}, whole synthetic table: %{{y:.1%}}<extra></extra>"))


def window_impact_figure(impact: pd.DataFrame, attribute: str) -> go.Figure:
    """Selection-rate ratio of each group per window with the four-fifths line; synthetic dashed.

    Windows where no ratio of the attribute is defined on either side (e.g. no favourable outcome
    at all) are left off the axis rather than drawn as a gap; `undefined_windows` names them.
    A ratio above the axis cap sits on the top edge as a triangle (style.capped)."""
    frame = impact[impact["attribute"] == attribute]
    # Colours from every group of the attribute, before windows are left out.
    colors = group_colors(frame["group"])
    defined = frame.groupby("window")["ratio"].transform(lambda r: r.notna().any())
    frame = frame[defined.astype(bool)]
    top = ratio_axis_top(frame["ratio"])
    fig = go.Figure()
    threshold_line(fig, FOUR_FIFTHS, f"four-fifths ({FOUR_FIFTHS})", dash="dot")
    fig.add_hline(y=1.0, line_color=GOOD_COLOR, line_width=1)
    _lines(fig, frame, "ratio", "ratio %{customdata:.2f}", colors, top=top)
    above = " (▲ = above the axis)" if (frame["ratio"] > top).any() else ""
    fig.update_yaxes(title=f"disparate impact ratio{above}", range=[0, top])
    return apply_style(fig, title=f"{display_group(attribute)}: disparate impact per window "
                       "(dashed = synthetic)")
