"""The fairness cost of privacy: one line per group across epsilons, with the seeds' 95% interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fairsynth.governance.charts.style import apply_style

METRIC_TITLES = {
    "within_fidelity": "Within-group fidelity (mean KS/TV complement)",
    "share_gap": "Share gap (synthetic - real)",
    "di_change": "Disparate impact change (synthetic - real)",
    "tstr_accuracy": "Accuracy of a model trained on synthetic data",
}


def sweep_attribute(table: pd.DataFrame) -> str:
    """The attribute drawn by default: the deepest intersection in the sweep."""
    attrs = list(dict.fromkeys(table["attribute"]))
    return max(attrs, key=lambda a: (str(a).count("&"), -attrs.index(a)))


def sweep_figure(table: pd.DataFrame, *, metric: str = "within_fidelity", attribute: str | None = None,
                 judged_only: bool = True) -> go.Figure:
    """One line per group of `attribute` over the sweep's settings (epsilons, then no DP), smallest groups last."""
    attribute = attribute or sweep_attribute(table)
    rows = table[(table["metric"] == metric) & (table["attribute"] == attribute)]
    if judged_only:
        rows = rows[rows["judged"]]
    order = (rows.drop_duplicates("setting").assign(key=lambda f: f["epsilon"].fillna(np.inf))
             .sort_values("key")["setting"].tolist())
    fig = go.Figure()
    sizes = rows.drop_duplicates("group").sort_values("real_count", ascending=False)
    for group, count in zip(sizes["group"], sizes["real_count"], strict=True):
        part = rows[rows["group"] == group].set_index("setting").reindex(order)
        mean = part["mean"].to_numpy(float)
        fig.add_trace(go.Scatter(
            x=order, y=mean, mode="lines+markers", name=f"{group} (n={int(count):,})",
            error_y={"type": "data", "symmetric": False,
                     "array": np.nan_to_num(part["ci_high"].to_numpy(float) - mean),
                     "arrayminus": np.nan_to_num(mean - part["ci_low"].to_numpy(float))},
            hovertemplate=f"{group}<br>%{{x}}: %{{y:.3f}}<extra></extra>",
        ))
    fig.update_layout(xaxis_title="privacy budget", yaxis_title=metric.replace("_", " "),
                      xaxis={"type": "category", "categoryorder": "array", "categoryarray": order})
    return apply_style(fig, title=f"{METRIC_TITLES.get(metric, metric)} by {attribute}")
