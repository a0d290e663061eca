"""What issue 17 keeps off the slow paths: heavy imports a command does not need, and the stand-ins
for scipy functions that stay equal to scipy."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from fairsynth.drift.stats import _js_distance
from fairsynth.fairness.gap_ranking import benjamini_hochberg, gap_p_values
from fairsynth.fairness.subgroups import chi2_homogeneity
from fairsynth.privacy.intervals import _half_binomial_quantiles

HEAVY = ("streamlit", "evidently", "pyspark", "duckdb")


def _modules_after(code: str) -> set[str]:
    """Top-level module names imported by a fresh interpreter running `code`."""
    probe = (f"import sys\n{code}\n"
             "import json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_audit_help_imports_no_heavy_library():
    # Run: `fairsynth audit --help` as the console script runs it (argparse exits 0 after help).
    loaded = _modules_after(
        "from fairsynth.governance.cli import main\n"
        "try:\n    main(['audit', '--help'])\nexcept SystemExit:\n    pass")
    # Assert: none of the heavy libraries, nor pandas, which the help text does not need.
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "pandas" not in loaded and "scipy" not in loaded


def test_audit_command_module_imports_no_optional_library():
    # The audit itself: no UI, no out-of-core engine, no registry or scipy.stats unless asked for.
    loaded = _modules_after("import fairsynth.governance.cli_audit, fairsynth.governance.export")
    assert not loaded & {*HEAVY, "sqlalchemy", "alembic", "sklearn"}
    probe = ("import sys, fairsynth.governance.cli_audit\n"
             "print('scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("seed", range(5))
def test_jensen_shannon_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    p = rng.integers(0, 50, 12).astype(float) / 10
    q = rng.integers(0, 50, 12).astype(float) / 10
    p[seed] = 0.0  # a value absent on one side
    assert _js_distance(p, q) == pytest.approx(distance.jensenshannon(p, q), rel=1e-12, abs=1e-15)


def test_jensen_shannon_of_identical_and_disjoint_supports():
    assert _js_distance(np.array([1.0, 2.0]), np.array([2.0, 4.0])) == 0.0
    assert _js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(np.log(2)))


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_median_interval_ranks_equal_scipy_binomial_quantiles(level):
    q = (1 - level) / 2
    for n in [*range(3, 400), 999, 5000, 20_000, 20_001]:
        expected = (int(stats.binom.ppf(q, n, 0.5)), int(stats.binom.isf(q, n, 0.5)))
        assert _half_binomial_quantiles(q, n) == expected, n


@pytest.mark.parametrize("seed", range(5))
def test_benjamini_hochberg_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    ps = rng.random(40) ** 3
    ps[:5] = ps[5]  # ties
    ps[6] = 1.0
    assert np.array_equal(benjamini_hochberg(ps), stats.false_discovery_control(ps, method="bh"))
    assert np.array_equal(benjamini_hochberg(ps[:1]), ps[:1])


def test_gap_p_values_equal_scipy_normal_tail():
    from scipy.special import ndtr

    real = np.array([0, 10, 500, 900, 1000, 3])
    synth = np.array([0, 40, 480, 990, 1000, 0])
    z_test = gap_p_values(real, synth, 1000.0, 1000.0)
    pooled = (real + synth) / 2000
    se = np.sqrt(pooled * (1 - pooled) * (2 / 1000))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(se > 0, 2 * ndtr(-np.abs(synth - real) / 1000 / se), 1.0)
    assert z_test == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("seed", range(6))
def test_chi2_homogeneity_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 5000, size=(2, 2 + seed))
    table[:, 0] += 1  # no empty group
    expected = stats.chi2_contingency(table, correction=False)
    statistic, dof, p_value = chi2_homogeneity(table)
    assert (statistic, dof) == (pytest.approx(expected.statistic, rel=1e-14), expected.dof)
    assert p_value == pytest.approx(expected.pvalue, rel=1e-12, abs=1e-300)
    with pytest.raises(ValueError, match="zero element"):
        chi2_homogeneity(np.array([[0, 0], [3, 4]]))
