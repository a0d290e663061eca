"""One field-by-field comparison of report dicts, for the golden reports and the engine equality test."""

from __future__ import annotations

import math

# Floats may differ in the last bits (another summation order, another BLAS build); anything
# beyond this is a real change.
REL_TOL = 1e-9
ABS_TOL = 1e-12


def _close(actual: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def assert_same(actual, expected, where: str = "report", *, text_numbers: bool = False) -> None:
    """Equal field by field, floats to REL_TOL; `text_numbers` compares numeric text (CSV cells) as numbers."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert sorted(actual) == sorted(expected), f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}", text_numbers=text_numbers)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: length differs"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]", text_numbers=text_numbers)
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), f"{where}: {actual!r}"
        assert _close(actual, expected), f"{where}: {actual!r} != {expected!r}"
    elif text_numbers and isinstance(expected, str) and isinstance(actual, str):
        try:
            a, e = float(actual), float(expected)
        except ValueError:
            assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        else:
            assert _close(a, e), f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
