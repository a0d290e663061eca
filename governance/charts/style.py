"""One look for every figure: readable on a projector, the same colours for real, synthetic and each group."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

REAL_COLOR = "#1f4e79"
SYNTHETIC_COLOR = "#e07b00"
GOOD_COLOR = "#2e7d32"
BAD_COLOR = "#c62828"
NEUTRAL_COLOR = "#7f7f7f"
SIDE_COLORS = {"real": REAL_COLOR, "synthetic": SYNTHETIC_COLOR}
FONT_SIZE = 16
# Tick labels: large and near-black, so they read from the back of a room (Streamlit's own chart
# theme would otherwise make them small and grey).
TICK_FONT = {"size": 15, "color": "#1b1b1b"}
TEXT_COLOR = "#1b1b1b"
# Diverging scale centred on zero for gaps: red under-represented, blue over-represented.
GAP_SCALE = "RdBu"
# Group colours: Okabe-Ito's colour-blind-safe set first (without its red, which marks a failed
# threshold here), then darker tones for attributes with many groups. Charts coloured by group
# tell real from synthetic by line style, so blue and orange are free for groups.
GROUP_PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#8c564b", "#b8860b",
                 "#6a3d9a", "#17becf", "#bcbd22", "#525252", "#999933")
# A title longer than this wraps: a chart in half a page is about this many characters wide.
TITLE_WIDTH = 42


def group_colors(groups: Iterable[object]) -> dict[str, str]:
    """The colour of every group of one attribute: its place among the attribute's sorted groups.

    The one group -> colour rule of every chart: the same groups give the same map whatever order
    a table lists them in, so a group keeps its colour from chart to chart (pass every group of
    the attribute, not only the ones a chart happens to draw).
    """
    labels = sorted({str(g) for g in groups})
    return {g: GROUP_PALETTE[i % len(GROUP_PALETTE)] for i, g in enumerate(labels)}


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """A title broken into lines of at most `width` characters (plotly clips a long title).

    Lines break between phrases first (before "(" and after ", " or ":"), so a bracketed
    aside stays whole; only a phrase longer than a line is broken between words.

    >>> wrap_title("Disparate impact per race & sex group, before and after")
    'Disparate impact per race & sex group,<br>before and after'
    """
    phrases = [p for p in re.split(r"(?<=[,:]) | (?=\()", text) if p]
    lines: list[str] = []
    for phrase in phrases:
        if lines and len(lines[-1]) + 1 + len(phrase) <= width:
            lines[-1] += " " + phrase
        else:
            lines += textwrap.wrap(phrase, width=width, break_long_words=False) or [phrase]
    return "<br>".join(lines)


def threshold_line(fig: go.Figure, value: float, label: str, *, axis: str = "y",
                   color: str = BAD_COLOR, dash: str = "dash") -> None:
    """A reference line across the plot, named in the legend rather than by text on the data.

    Text on the plot area ends up under bars or over lines; a legend entry never does.
    """
    line = {"color": color, "dash": dash, "width": 2}
    if axis == "y":
        fig.add_hline(y=value, line=line)
    else:
        fig.add_vline(x=value, line=line)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=label,
                             hoverinfo="skip", showlegend=True))


def apply_style(fig: go.Figure, *, title: str | None = None, height: int = 460) -> go.Figure:
    """Large dark fonts, white background and a wrapped title: the house look of every chart."""
    text = wrap_title(title) if title else None
    extra_lines = text.count("<br>") if text else 0
    total = height + 26 * extra_lines
    _set_template(fig, "plotly_white")
    fig.update_layout(
        font={"size": FONT_SIZE, "color": TEXT_COLOR},
        # plotly anchors a title of several lines by its first line and lets the others hang
        # below it (yanchor "top" pushes the first line off the figure), so the first line's
        # baseline is pinned 38 px from the top and the top margin grows by a line per line.
        title={"text": text, "font": {"size": FONT_SIZE + 4, "color": TEXT_COLOR},
               "y": 1 - 38 / total, "yanchor": "bottom", "yref": "container",
               "x": 0.01, "xref": "container", "xanchor": "left"} if text else None,
        height=total,
        margin={"l": 60, "r": 30, "t": (105 + 26 * extra_lines) if text else 60, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0,
                "font": {"size": FONT_SIZE - 1, "color": TEXT_COLOR}},
    )
    # Set on each axis, not only the layout font: a chart theme's axis defaults outrank the latter.
    fig.update_xaxes(tickfont=TICK_FONT, title_font={"size": FONT_SIZE, "color": TEXT_COLOR})
    fig.update_yaxes(tickfont=TICK_FONT, title_font={"size": FONT_SIZE, "color": TEXT_COLOR})
    return fig



def _set_template(fig: go.Figure, name: str) -> None:
    """Set one of plotly's registered templates, as plotly sets its default one on a new figure:
    without validating it again (the registered template is valid). Validating copies the whole
    template, ~25 ms per chart, and a page draws several charts on every rerun; the figure is the
    same (tests/test_charts_polish.py)."""
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = pio.templates[name]
    finally:
        layout._validate = validate


# A ratio axis stops here: one window with a tiny reference rate would squash every other line.
RATIO_CAP = 3.0


def ratio_axis_top(values: Iterable[float], *, floor: float = 1.2, cap: float = RATIO_CAP) -> float:
    """Top of a ratio axis: room above the largest finite value, at most `cap`."""
    finite = [float(v) for v in values if v is not None and np.isfinite(float(v))]
    return min(max([floor, *finite]) * 1.05, cap)


def capped(values: Iterable[float], top: float) -> tuple[list[float], list[str]]:
    """Values drawn on an axis that ends at `top`: those above it sit on the edge as an up-triangle.

    The line stays inside the plot and the mark says the true value is higher (the hover says
    by how much), instead of a line running off the axis.
    """
    y, symbols = [], []
    for v in values:
        v = float(v) if v is not None else np.nan
        above = np.isfinite(v) and v > top
        y.append(top if above else v)
        symbols.append("triangle-up" if above else "circle")
    return y, symbols
