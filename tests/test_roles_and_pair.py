"""Role inference on the real samples and validation of dataset pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairsynth.foundation.errors import PairValidationError
from fairsynth.foundation.pair import frame_sha256, make_pair, validate_pair
from fairsynth.foundation.roles import Roles, favorable_mask, guess_favorable, infer_roles


def test_adult_roles_are_guessed(adult_real):
    roles = infer_roles(adult_real)
    assert set(roles.protected) == {"race", "sex"}
    assert (roles.target, roles.favorable) == ("income", ">50K")
    assert roles.time is None


def test_compas_roles_are_guessed(compas_real):
    roles = infer_roles(compas_real)
    assert {"race", "sex"} <= set(roles.protected)
    # Recidivism is the adverse event: the favourable value is "did not reoffend".
    assert (roles.target, roles.favorable) == ("two_year_recid", "0")
    assert roles.prediction == "predicted_recid"
    assert roles.time == "compas_screening_date"


def test_favorable_guess_follows_the_meaning_of_the_column():
    assert guess_favorable(pd.Series(["yes", "no"]), "approved") == "yes"
    assert guess_favorable(pd.Series([0.0, 1.0]), "hired") == "1"
    assert guess_favorable(pd.Series([0, 1]), "loan_default") == "0"


def test_favorable_mask_matches_numbers_and_text():
    assert favorable_mask(pd.Series([0.0, 1.0, np.nan]), "1").tolist() == [False, True, False]
    assert favorable_mask(pd.Series([" >50K", "<=50K", None]), ">50K").tolist() == [True, False, False]


def test_a_pair_of_a_table_with_itself_is_clean(adult_real):
    pair = make_pair(adult_real, adult_real.copy(), Roles(("race", "sex"), "income", ">50K"))
    assert pair.warnings == ()
    assert pair.real_sha256 == pair.synthetic_sha256
    assert "income" in pair.analysis_columns


def test_roles_round_trip_through_a_dict():
    roles = Roles(("race", "sex"), "income", ">50K", None, None, ("fnlwgt",))
    assert Roles.from_dict(roles.to_dict()) == roles


def test_content_hash_changes_with_data_and_roles(adult_real):
    roles = Roles(("sex",), "income", ">50K")
    a = make_pair(adult_real, adult_real, roles)
    b = make_pair(adult_real, adult_real.iloc[:-1], roles)
    c = make_pair(adult_real, adult_real, roles.with_changes(protected=("race",)))
    assert len({a.content_hash, b.content_hash, c.content_hash}) == 3
    assert frame_sha256(adult_real) == frame_sha256(adult_real.copy())


def _codes(problems):
    return {p.code for p in problems}


def test_validation_reports_each_problem_with_the_column(adult_real):
    synth = adult_real.drop(columns=["fnlwgt"]).assign(age=adult_real["age"].astype(str) + " years", extra=1)
    problems = validate_pair(adult_real, synth, Roles(("sex",), "income", ">50K"))
    assert {"only_in_real", "only_in_synthetic", "dtype_mismatch"} <= _codes(problems)
    mismatch = next(p for p in problems if p.code == "dtype_mismatch")
    assert mismatch.columns == ("age",) and mismatch.level == "warning"
    pair = make_pair(adult_real, synth, Roles(("sex",), "income", ">50K"))
    assert "age" in pair.excluded and "age" not in pair.analysis_columns


@pytest.mark.parametrize("roles, code", [
    (Roles(("nope",), "income", ">50K"), "role_column_missing"),
    (Roles(("income",), "income", ">50K"), "role_conflict"),
    (Roles(("fnlwgt",), "income", ">50K"), "protected_too_many_groups"),
    (Roles(("sex",), "education", None), "target_no_favorable"),
    (Roles(("sex",), "income", "rich"), "favorable_not_found"),
])
def test_bad_roles_are_errors(adult_real, roles, code):
    problems = validate_pair(adult_real, adult_real, roles)
    errors = _codes(p for p in problems if p.level == "error")
    assert code in errors
    with pytest.raises(PairValidationError):
        make_pair(adult_real, adult_real, roles)


def test_single_group_protected_attribute_is_an_error(adult_real):
    women = adult_real[adult_real["sex"] == "Female"]
    problems = validate_pair(women, women, Roles(("sex",), "income", ">50K"))
    assert "protected_single_group" in _codes(problems)


def test_no_shared_columns_is_an_error():
    with pytest.raises(PairValidationError, match="no column in common"):
        make_pair(pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"b": [1, 2]}), Roles())


def test_all_missing_column_and_bad_times_are_reported(compas_real):
    real = compas_real.assign(empty=np.nan)
    synth = compas_real.assign(empty=np.nan)
    synth["compas_screening_date"] = synth["compas_screening_date"].astype(str)
    synth.loc[synth.index[:25], "compas_screening_date"] = "not a date"
    roles = Roles(("race",), "two_year_recid", "0", time="compas_screening_date")
    problems = validate_pair(real, synth, roles)
    assert "all_missing" in _codes(problems)
    partly = next(p for p in problems if p.code == "time_partly_unparseable")
    assert "25 of 7214 synthetic values" in partly.message


def test_infinities_become_missing_with_a_warning(adult_real):
    synth = adult_real.astype({"age": "float64"}).copy()
    synth.loc[synth.index[:3], "age"] = [np.inf, -np.inf, np.inf]
    pair = make_pair(adult_real.astype({"age": "float64"}), synth, Roles(("sex",), "income", ">50K"))
    assert pair.synthetic["age"].isna().sum() == 3 and np.isinf(synth["age"]).sum() == 3
    warning = next(p for p in pair.warnings if p.code == "infinite_values")
    assert "synthetic" in warning.message and "age (3)" in warning.message


def test_text_dates_and_numbers_on_one_side_are_parsed(compas_real):
    synth = compas_real.astype({"compas_screening_date": str, "age": str})
    roles = Roles(("race",), "two_year_recid", "0", time="compas_screening_date")
    pair = make_pair(compas_real, synth, roles)
    assert pair.excluded == ()
    assert pd.api.types.is_datetime64_any_dtype(pair.synthetic["compas_screening_date"])
    assert pair.synthetic["age"].equals(compas_real["age"].astype("int64"))
    assert synth["age"].dtype == object  # the caller's frame is not mutated
