"""Figures of the Govern pages: a version's audits over time and its lineage graph."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fairsynth.governance.charts.style import (
    BAD_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    REAL_COLOR,
    SYNTHETIC_COLOR,
    apply_style,
)

SERIES = (("lowest_disparate_impact", "lowest disparate impact", SYNTHETIC_COLOR),
          ("largest_share_gap", "largest share gap", REAL_COLOR),
          ("lowest_fidelity", "lowest column fidelity", GOOD_COLOR))
NODE_COLORS = {"real": REAL_COLOR, "synthetic": SYNTHETIC_COLOR, "settings": NEUTRAL_COLOR,
               "audit": "#5e35b1", "decision": GOOD_COLOR}
LAYER_NAMES = ("real seed", "settings & privacy", "synthetic version", "audits", "decisions")


def audits_over_time(runs: pd.DataFrame) -> go.Figure:
    """Headline figures per audit run (x: run time), pass/fail marked; dashed: four-fifths."""
    fig = go.Figure()
    x = [f"audit {i}<br>{str(t)[:16].replace('T', ' ')}" for i, t in zip(runs["id"], runs["run_at"],
                                                                         strict=True)]
    for column, label, color in SERIES:
        values = pd.to_numeric(runs[column], errors="coerce")
        if values.notna().any():
            fig.add_trace(go.Scatter(x=x, y=values, mode="lines+markers+text", name=label,
                                     line={"color": color, "width": 3}, marker={"size": 11},
                                     text=[f"{v:.2f}" if pd.notna(v) else "" for v in values],
                                     textposition="top center"))
    verdict_color = [GOOD_COLOR if p is True else BAD_COLOR if p is False else NEUTRAL_COLOR
                     for p in runs["policy_passed"]]
    fig.add_trace(go.Scatter(x=x, y=[-0.08] * len(x), mode="markers", name="policy (green: passed)",
                             marker={"symbol": "square", "size": 14, "color": verdict_color},
                             hovertext=[{True: "passed", False: "failed"}.get(p, "no policy")
                                        for p in runs["policy_passed"]], hoverinfo="text"))
    fig.add_hline(y=0.8, line_dash="dash", line_color=NEUTRAL_COLOR,
                  annotation_text="0.8 (four-fifths)", annotation_position="bottom right")
    fig.update_yaxes(title="value", range=[-0.15, 1.15])
    fig.update_xaxes(title="audit run")
    return apply_style(fig, title="Audits over time: headline figures per run", height=440)


def lineage_figure(graph: dict) -> go.Figure:
    """The lineage as a layered graph: seed -> settings/privacy -> version -> audits -> decisions."""
    by_layer: dict[int, list[dict]] = {}
    for node in graph["nodes"]:
        by_layer.setdefault(node["layer"], []).append(node)
    where = {}
    for layer, nodes in by_layer.items():
        for i, node in enumerate(nodes):
            where[node["id"]] = (layer, -(i - (len(nodes) - 1) / 2))
    fig = go.Figure()
    for source, target in graph["edges"]:
        if source in where and target in where:
            (x0, y0), (x1, y1) = where[source], where[target]
            fig.add_annotation(x=x1 - 0.18, y=y1, ax=x0 + 0.18, ay=y0, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=3, arrowwidth=2,
                               arrowcolor=NEUTRAL_COLOR, text="")
    nodes = [n for n in graph["nodes"] if n["id"] in where]
    fig.add_trace(go.Scatter(
        x=[where[n["id"]][0] for n in nodes], y=[where[n["id"]][1] for n in nodes],
        mode="markers+text", text=[n["label"] for n in nodes], textposition="bottom center",
        marker={"size": 30, "symbol": "square", "color": [NODE_COLORS.get(n["kind"], NEUTRAL_COLOR)
                                                        for n in nodes]},
        hoverinfo="text", showlegend=False))
    tall = max((len(v) for v in by_layer.values()), default=1)
    fig.update_xaxes(tickvals=list(range(len(LAYER_NAMES))), ticktext=list(LAYER_NAMES),
                     range=[-0.5, len(LAYER_NAMES) - 0.5], showgrid=False, side="top")
    fig.update_yaxes(visible=False, range=[-(tall / 2) - 0.6, tall / 2 + 0.2])
    return apply_style(fig, title="Lineage", height=max(380, 150 * tall))
