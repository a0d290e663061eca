"""Over-time figures of the report tables: group shares and disparate impact per window, both sides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.governance.charts.style import BAD_COLOR, GOOD_COLOR, apply_style

PALETTE = qualitative.D3
# Solid for the real windows, dashed for the synthetic windows of the same group.
DASH = {"real": "solid", "synthetic": "dash"}


def _lines(fig: go.Figure, frame: pd.DataFrame, value: str, hover: str) -> None:
    windows = sorted(frame["window"].unique())
    for i, (group, rows) in enumerate(frame.groupby("group", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        for dataset, side in rows.groupby("dataset", sort=False):
            side = side.set_index("window").reindex(windows)
            fig.add_trace(go.Scatter(
                x=windows, y=side[value], mode="lines+markers", legendgroup=str(group),
                name=str(group) if dataset == "real" else f"{group} (synthetic)",
                showlegend=dataset == "real", line={"color": color, "dash": DASH[dataset]},
                hovertemplate=f"{group}, {dataset}<br>%{{x}}: {hover}<extra></extra>"))
    fig.update_xaxes(type="category", title="window start")


def window_share_figure(shares: pd.DataFrame, attribute: str,
                        overall: pd.DataFrame | None = None) -> go.Figure:
    """Share of each group of one attribute per window: real solid, synthetic windows dashed, or,
    when the synthetic side has no windows, its whole-table share (`overall`: subgroup_gaps) dotted."""
    frame = shares[shares["attributes"].map(tuple) == (attribute,)]
    fig = go.Figure()
    _lines(fig, frame, "share", "%{y:.1%} of the window's rows")
    windowed = (frame["dataset"] == "synthetic").any()
    if not windowed and overall is not None:
        _flat_lines(fig, frame, overall[overall["attributes"].map(tuple) == (attribute,)])
    fig.update_yaxes(tickformat=".0%", title="share of rows", rangemode="tozero")
    what = "dashed = synthetic windows" if windowed or overall is None else "dotted = synthetic table"
    return apply_style(fig, title=f"{attribute}: share per window ({what})")


def _flat_lines(fig: go.Figure, frame: pd.DataFrame, overall: pd.DataFrame) -> None:
    windows = sorted(frame["window"].unique())
    synth = overall.set_index("group")["synthetic_share"]
    for i, group in enumerate(frame["group"].drop_duplicates()):
        if group in synth.index:
            fig.add_trace(go.Scatter(
                x=windows, y=[float(synth[group])] * len(windows), mode="lines",
                legendgroup=str(group), showlegend=False, name=f"{group} (synthetic)",
                line={"color": PALETTE[i % len(PALETTE)], "dash": "dot"},
                hovertemplate=f"{group}, whole synthetic table: %{{y:.1%}}<extra></extra>"))


def window_impact_figure(impact: pd.DataFrame, attribute: str) -> go.Figure:
    """Selection-rate ratio of each group per window with the four-fifths line; synthetic dashed.

    Windows where no ratio of the attribute is defined on either side (e.g. no favourable outcome
    at all) are left off the axis rather than drawn as a gap; `undefined_windows` names them."""
    frame = impact[impact["attribute"] == attribute]
    defined = frame.groupby("window")["ratio"].transform(lambda r: r.notna().any())
    frame = frame[defined.astype(bool)]
    fig = go.Figure()
    fig.add_hline(y=FOUR_FIFTHS, line_dash="dot", line_color=BAD_COLOR,
                  annotation_text=f"four-fifths ({FOUR_FIFTHS})", annotation_position="bottom left")
    fig.add_hline(y=1.0, line_color=GOOD_COLOR, line_width=1)
    _lines(fig, frame, "ratio", "ratio %{y:.2f}")
    top = float(np.nanmax(np.r_[frame["ratio"].to_numpy(dtype=float), 1.2]))
    fig.update_yaxes(title="disparate impact ratio", range=[0, min(top * 1.05, 3.0)])
    return apply_style(fig, title=f"{attribute}: disparate impact per window (dashed = synthetic)")
