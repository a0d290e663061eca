"""Figures of the generation page: expected effect of settings, and before/after a generation."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fairsynth.foundation.codes import display_group
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.governance.charts.style import (
    NEUTRAL_COLOR,
    REAL_COLOR,
    SYNTHETIC_COLOR,
    apply_style,
    threshold_line,
)

AFTER_COLOR = "#2e7d32"


def _four_fifths(fig: go.Figure) -> None:
    threshold_line(fig, FOUR_FIFTHS, f"four-fifths ({FOUR_FIFTHS})")


def _groups(part: pd.DataFrame) -> list[str]:
    return [display_group(g) for g in part["group"]]


def expected_shares(expected: pd.DataFrame, attribute: str, *, title: str | None = None) -> go.Figure:
    """Share per group in the real data and the share the settings will give."""
    part = expected[expected["attribute"] == attribute]
    fig = go.Figure([
        go.Bar(name="real", x=_groups(part), y=part["real_share"], marker_color=REAL_COLOR),
        go.Bar(name="expected synthetic", x=_groups(part), y=part["expected_share"],
               marker_color=SYNTHETIC_COLOR),
    ])
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", yaxis_title="share of rows")
    return apply_style(fig, title=title or f"Share per {display_group(attribute)} group: real vs "
                       "expected")


def expected_impact(expected: pd.DataFrame, attribute: str, *, title: str | None = None) -> go.Figure:
    """Disparate impact ratio per group in the real data and the ratio the settings will give."""
    part = expected[expected["attribute"] == attribute]
    fig = go.Figure([
        go.Bar(name="real", x=_groups(part), y=part["real_ratio"], marker_color=REAL_COLOR),
        go.Bar(name="expected synthetic", x=_groups(part), y=part["expected_ratio"],
               marker_color=SYNTHETIC_COLOR),
    ])
    _four_fifths(fig)
    top = max(1.1, float(part[["real_ratio", "expected_ratio"]].max().max()) * 1.05)
    fig.update_layout(barmode="group", yaxis_title="ratio to highest-rate group",
                      yaxis_range=[0, top])
    return apply_style(fig, title=title or f"Disparate impact per {display_group(attribute)} "
                       "group: real vs expected")


def gap_change(table: pd.DataFrame, attribute: str, *, title: str | None = None) -> go.Figure:
    """Share gap (synthetic - real) per group before and after the generation."""
    part = table[table["attribute"] == attribute]
    fig = go.Figure([
        go.Bar(name="before", x=_groups(part), y=part["before_gap"], marker_color=SYNTHETIC_COLOR),
        go.Bar(name="after", x=_groups(part), y=part["after_gap"], marker_color=AFTER_COLOR),
    ])
    fig.add_hline(y=0, line_color=NEUTRAL_COLOR)
    fig.update_layout(barmode="group", yaxis_tickformat=".1%", yaxis_title="synthetic - real share")
    return apply_style(fig, title=title or f"Share gap per {display_group(attribute)} group, "
                       "before and after")


def impact_change(table: pd.DataFrame, attribute: str, *, title: str | None = None) -> go.Figure:
    """Disparate impact ratio per group: real, synthetic before and synthetic after."""
    part = table[table["attribute"] == attribute]
    fig = go.Figure([
        go.Bar(name="real", x=_groups(part), y=part["real_ratio"], marker_color=REAL_COLOR),
        go.Bar(name="before", x=_groups(part), y=part["before_ratio"], marker_color=SYNTHETIC_COLOR),
        go.Bar(name="after", x=_groups(part), y=part["after_ratio"], marker_color=AFTER_COLOR),
    ])
    _four_fifths(fig)
    fig.update_layout(barmode="group", yaxis_title="ratio to highest-rate group")
    return apply_style(fig, title=title or f"Disparate impact per {display_group(attribute)} "
                       "group, before and after")


def fidelity_change(fidelity: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Column fidelity score (1 - KS/TV distance) per column before and after."""
    fig = go.Figure([
        go.Bar(name="before", y=fidelity["column"], x=fidelity["before_score"], orientation="h",
               marker_color=SYNTHETIC_COLOR),
        go.Bar(name="after", y=fidelity["column"], x=fidelity["after_score"], orientation="h",
               marker_color=AFTER_COLOR),
    ])
    # Zoomed in, since the scores differ in the second decimal; the axis title says where it
    # starts, so a short bar is not read as a score near 0.
    low = float(min(fidelity["before_score"].min(), fidelity["after_score"].min(), 0.9))
    start = max(0.0, round(low - 0.02, 2))
    cut = "" if start == 0 else f" · axis starts at {start:.2f}, not 0"
    fig.update_layout(barmode="group", xaxis_range=[start, 1.0],
                      xaxis_title=f"fidelity score (1 = identical distribution){cut}")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return apply_style(fig, title=title or "Column fidelity before and after",
                       height=max(420, 34 * len(fidelity)))
