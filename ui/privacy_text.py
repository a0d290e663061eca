"""Words the Privacy page puts around the numbers: the holdout caveat, captions, empty charts."""

from __future__ import annotations

import math

import pandas as pd

from fairsynth.privacy.measures import MeasureSpec

SAMPLE_PREFIX = "sample: "
# Levels are states, not changes: a coloured word, never a delta arrow; no emoji (a browser
# without an emoji font drew them as empty boxes).
LEVEL_COLORS = {"low": "green", "medium": "orange", "high": "red", "unknown": "gray"}


def level_badge(level: str) -> tuple[str, str]:
    """The text and st.metric delta colour of a risk level."""
    return f"{level} risk", LEVEL_COLORS.get(level, "gray")


def holdout_caveat(holdout_source: str, pair_source: str | None) -> str:
    """What a random holdout can and cannot show, for where this pair's synthetic side came from."""
    if holdout_source != "split":
        return ""
    tail = ("Exact copies, distances and the attacks still apply; for a true holdout comparison, "
            "regenerate from the training split only or supply a holdout via the library "
            "(`privacy_risk(pair, holdout=...)`).")
    if (pair_source or "").startswith(SAMPLE_PREFIX):
        return ("The bundled synthetic samples were fitted on *all* real rows, so the holdout was "
                "also seen by the generator: the closer-to-training share then stays near 0.5 even "
                f"for a leaky generator. {tail}")
    return ("If the generator of this synthetic data was fitted on all of these real rows, the "
            "holdout was seen by it too, and the closer-to-training share then stays near 0.5 even "
            f"for a leaky generator. {tail}")


def measure_caption(spec: MeasureSpec, measure: str, row: pd.Series) -> str:
    """The measure's explanation, its 95% interval and its reference, as one punctuated sentence."""
    parts = [spec.explanation.rstrip(". ")]
    if not math.isnan(row["ci_low"]):
        parts.append(f"95% interval {row['ci_low']:.3f} to {row['ci_high']:.3f}")
    if not math.isnan(row["reference"]):
        # For the k-anonymity rows the "reference" is k itself.
        parts.append(f"k = {row['reference']:.0f}" if measure in ("k_anonymity", "k_share_below")
                     else f"reference {row['reference']:.3g}")
    return "; ".join(parts) + "."


def zero_note(by_group: pd.DataFrame, measure: str, label: str) -> str | None:
    """A sentence instead of the chart when every group's value is 0 (its bars would look empty)."""
    rows = by_group[by_group["measure"] == measure]
    values = rows["value"].to_numpy(dtype=float)
    if not len(rows) or not (values == 0).all():
        return None
    upper = rows["ci_high"].to_numpy(dtype=float)
    bound = (f"; the 95% intervals reach at most {upper.max():.3f}"
             if len(upper) and not math.isnan(upper.max()) and upper.max() > 0 else "")
    return (f"{label}: 0 in every protected group ({len(rows)} groups), so the chart would have no "
            f"bars{bound}.")
