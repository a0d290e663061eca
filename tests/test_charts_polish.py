"""Chart polish on the figure objects (issue 18, point 7): one colour per group, readable labels and
ticks, titles that fit, threshold labels off the data, no line off the axis, honest fidelity axis."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.codes import display_group
from fairsynth.foundation.samples import load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.charts import generation, over_time, report
from fairsynth.governance.charts.fairness import impact_forest
from fairsynth.governance.charts.style import TITLE_WIDTH, apply_style, group_colors, wrap_title
from fairsynth.governance.export_html import report_figures


@pytest.fixture(scope="module")
def compas():
    return run_audit(load_sample("compas"))


def _line_colors(fig: go.Figure) -> dict[str, set[str]]:
    """Legend group (the group's display name) -> colours of its lines."""
    out: dict[str, set[str]] = {}
    for trace in fig.data:
        if trace.legendgroup:
            out.setdefault(trace.legendgroup, set()).add(trace.line.color)
    return out


def test_a_group_has_one_colour_on_every_chart_page_and_export(compas):
    # Setup: the over-time figures the Drift page and the HTML summary both draw, on COMPAS; the
    # impact table lists groups in another order than the shares, and leaves windows out.
    audit = compas
    shares, impact = audit.subgroups_over_time, audit.impact_over_time
    shuffled = shares.sample(frac=1.0, random_state=3)
    for attribute in ("race", "sex"):
        figures = [over_time.window_share_figure(shares, attribute),
                   over_time.window_share_figure(shuffled, attribute, audit.subgroup_gaps),
                   over_time.window_impact_figure(impact, attribute)]
        # Run
        merged: dict[str, set[str]] = {}
        for fig in figures:
            for group, seen in _line_colors(fig).items():
                merged.setdefault(group, set()).update(seen)
        # Assert: each group is drawn in one colour on every figure, and groups differ.
        assert len(merged) >= 2
        assert all(len(seen) == 1 for seen in merged.values()), merged
        assert len({next(iter(c)) for c in merged.values()}) == len(merged)


def test_group_colours_do_not_depend_on_the_order_groups_come_in():
    groups = ["Male", "Female", "Other"]
    assert group_colors(groups) == group_colors(groups[::-1]) == group_colors(groups * 3)


def test_intersection_labels_have_spaces_for_display_only(compas):
    audit = compas
    gaps = report.gap_figure(audit.subgroup_gaps)
    impact = report.impact_figure(audit.disparate_impact)
    forest = impact_forest(audit.disparate_impact)
    labels = [*gaps.data[0].y, *impact.data[0].y, *forest.layout.yaxis.ticktext]
    assert "African-American & Female" in labels
    assert any(label.startswith("race & sex: ") for label in labels)
    assert not [label for label in labels if "&" in label.replace(" & ", "")]
    # The report's own keys keep '&' (DESIGN, report JSON).
    assert "African-American&Female" in set(audit.subgroup_gaps["group"])


def test_every_title_fits_and_every_axis_has_large_dark_ticks(compas):
    audit = compas
    figures = [fig for _, _, fig in report_figures(audit)]
    assert len(figures) >= 8
    for fig in figures:
        title = fig.layout.title.text or ""
        assert all(len(line) <= TITLE_WIDTH for line in title.split("<br>")), title
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert axis.tickfont.size >= 14 and axis.tickfont.color == "#1b1b1b"
        # No raw column name left as an axis title.
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert "_" not in (axis.title.text or ""), axis.title.text


def test_wrapped_titles_break_between_phrases():
    assert wrap_title("Drift per quarter and column (window 2013-07-01)") == (
        "Drift per quarter and column<br>(window 2013-07-01)")
    assert wrap_title("Short title") == "Short title"


def test_threshold_labels_sit_in_the_legend_not_on_the_bars():
    table = pd.DataFrame({"attribute": "race", "group": ["A", "B"], "real_ratio": [1.0, 0.5],
                          "before_ratio": [1.0, 0.6], "after_ratio": [1.0, 0.9],
                          "before_gap": [0.01, -0.01], "after_gap": [0.0, 0.0]})
    fig = generation.impact_change(table, "race")
    assert not fig.layout.annotations
    assert "four-fifths (0.8)" in [t.name for t in fig.data if t.showlegend]
    assert [s.y0 for s in fig.layout.shapes] == [0.8]


def test_a_ratio_above_the_axis_is_drawn_on_its_edge_and_marked(compas):
    # COMPAS's Hispanic ratio reaches 4.7 in one window, above the axis cap of 3.
    audit = compas
    frame = audit.impact_over_time
    assert frame.loc[frame["attribute"] == "race", "ratio"].max() > 3
    fig = over_time.window_impact_figure(frame, "race")
    top = fig.layout.yaxis.range[1]
    drawn = [y for t in fig.data if t.y is not None for y in t.y if y is not None and y == y]
    assert max(drawn) <= top
    assert any("triangle-up" in list(t.marker.symbol) for t in fig.data
               if isinstance(t.marker.symbol, tuple | list))
    assert "above the axis" in fig.layout.yaxis.title.text


def test_a_zoomed_fidelity_axis_says_where_it_starts():
    fidelity = pd.DataFrame({"column": ["a", "b"], "before_score": [0.95, 0.91],
                             "after_score": [0.97, 0.99]})
    fig = generation.fidelity_change(fidelity)
    start = fig.layout.xaxis.range[0]
    assert 0 < start < 0.91
    assert f"axis starts at {start:.2f}, not 0" in fig.layout.xaxis.title.text


def test_display_group_is_the_one_label_rule():
    assert display_group("Black&Female") == "Black & Female"
    assert display_group("race&sex") == "race & sex"
    gaps = subgroup_gaps(load_sample("adult-skewed"))
    assert "Black&Female" in set(gaps["group"])


def test_house_template_set_unvalidated_is_plotly_white():
    # apply_style sets plotly_white without validating it again: the figure must be the one a
    # validated update_layout(template="plotly_white") gives.
    styled = apply_style(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), title="Shares, by group")
    expected = go.Figure(styled)
    expected.update_layout(template="plotly_white")
    assert styled.to_plotly_json() == expected.to_plotly_json()
    assert styled.layout.template.layout.paper_bgcolor == "white"
