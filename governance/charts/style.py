"""One look for every figure: readable on a projector, the same colours for real and synthetic."""

from __future__ import annotations

import plotly.graph_objects as go

REAL_COLOR = "#1f4e79"
SYNTHETIC_COLOR = "#e07b00"
GOOD_COLOR = "#2e7d32"
BAD_COLOR = "#c62828"
NEUTRAL_COLOR = "#7f7f7f"
SIDE_COLORS = {"real": REAL_COLOR, "synthetic": SYNTHETIC_COLOR}
FONT_SIZE = 16
# Diverging scale centred on zero for gaps: red under-represented, blue over-represented.
GAP_SCALE = "RdBu"


def apply_style(fig: go.Figure, *, title: str | None = None, height: int = 460) -> go.Figure:
    """Large fonts, white background and a title: the house look of every chart."""
    fig.update_layout(
        template="plotly_white",
        font={"size": FONT_SIZE},
        # The title sits at the top of the figure and the legend just above the plot area,
        # with enough top margin between them that the two never overlap.
        title={"text": title, "font": {"size": FONT_SIZE + 4}, "y": 0.98, "yanchor": "top",
               "yref": "container"} if title else None,
        height=height,
        margin={"l": 60, "r": 30, "t": 105 if title else 40, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    return fig
