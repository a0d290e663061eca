"""The closest synthetic/real pairs laid out side by side, the real rows masked unless revealed."""

from __future__ import annotations

import pandas as pd

from fairsynth.foundation.codes import value_text
from fairsynth.foundation.pair import DatasetPair

SAME, DIFFERENT = "= same", "≠ differs"


def closest_pairs_view(closest: pd.DataFrame, pair: DatasetPair, columns: list[str], *,
                       reveal: bool = False) -> pd.DataFrame:
    """Two rows per pair (synthetic, then real); masked real cells only say whether they match."""
    synthetic = pair.synthetic.reset_index(drop=True)
    real = pair.real.reset_index(drop=True)
    rows = []
    for rec in closest.itertuples(index=False):
        syn_row = synthetic.iloc[int(rec.synthetic_row)][columns]
        real_row = real.iloc[int(rec.real_row)][columns]
        head = {"pair": int(rec.rank), "distance": f"{rec.distance:.4f}"}
        rows.append({**head, "side": f"synthetic #{int(rec.synthetic_row)}",
                     **{c: value_text(syn_row[c]) for c in columns}})
        if reveal:
            cells = {c: value_text(real_row[c]) for c in columns}
        else:
            cells = {c: SAME if value_text(real_row[c]) == value_text(syn_row[c]) else DIFFERENT for c in columns}
        rows.append({**head, "side": f"real #{int(rec.real_row)}", **cells})
    return pd.DataFrame(rows, columns=["pair", "side", "distance", *columns])

