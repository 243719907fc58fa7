"""Bad input gets one clear error (or a warning with a count) naming the cause."""

import warnings

import numpy as np
import pandas as pd
import pytest

from matching import (
    MatchingError,
    MatchingWarning,
    MissingCovariateError,
    NoMatchError,
    NoVariationError,
    SeparationError,
    TreatmentError,
    match,
    propensity_score,
)


def _df(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    return pd.DataFrame({"t": t, "x": x, "z": rng.normal(size=n), "y": rng.normal(size=n)})


def test_no_variation_covariate():
    df = _df().assign(c=3.0)
    with pytest.raises(NoVariationError, match="'c' has no variation"):
        match(df, treatment="t", covariates=["x", "c"])


def test_perfect_separation_names_the_covariate():
    df = _df()
    df["sep"] = df["t"] * 10.0 + np.arange(len(df)) * 1e-3
    with pytest.raises(SeparationError, match="perfect separation.*'sep'"):
        propensity_score(df, treatment="t", covariates=["x", "sep"])


def test_quasi_separation_by_combination():
    df = _df(400)
    df["u"] = np.where(df["t"] == 1, df["x"] + 5, df["x"] - 5) + df["z"]
    df["v"] = -df["z"]
    with pytest.raises(SeparationError, match="perfect separation"):
        propensity_score(df, treatment="t", covariates=["u", "v"])


@pytest.mark.parametrize("values", [[0, 1, 2], [1, 2, 1], ["a", "b", "a"]])
def test_treatment_not_01(values):
    df = pd.DataFrame({"t": values * 10, "x": np.arange(30.0)})
    with pytest.raises(TreatmentError, match="must be coded 0/1"):
        match(df, treatment="t", covariates=["x"])


def test_treatment_missing_values():
    df = _df()
    df.loc[3, "t"] = np.nan
    with pytest.raises(TreatmentError, match="1 missing values"):
        match(df, treatment="t", covariates=["x"])


def test_missing_covariates_refused_then_dropped_with_count():
    df = _df()
    df.loc[[1, 5, 9], "x"] = np.nan
    with pytest.raises(MissingCovariateError, match=r"3 rows have missing covariate values \(x \(3\)\)"):
        match(df, treatment="t", covariates=["x", "z"])
    with pytest.warns(MatchingWarning, match="dropped 3 of 200 rows"):
        m = match(df, treatment="t", covariates=["x", "z"], drop_missing=True)
    assert m.dropped.sum() == 3
    assert m.weights[[1, 5, 9]].eq(0).all() and m.distance[[1, 5, 9]].isna().all()
    assert m.counts().loc["dropped_missing"].sum() == 3


def test_caliper_leaving_no_match():
    df = pd.DataFrame({"t": [1, 1, 0, 0, 0, 0], "x": [10.0, 11.0, 0.0, 0.5, 1.0, 9.5]})
    df = pd.concat([df] * 1, ignore_index=True)
    with pytest.raises(NoMatchError, match="no treated unit was matched.*caliper"):
        match(df, treatment="t", covariates=["x"], distance="x", caliper=1e-6)


def test_exact_without_common_cells():
    df = pd.DataFrame({"t": [1, 1, 0, 0], "x": [1.0, 2, 3, 4], "k": list("aabb")})
    with pytest.raises(NoMatchError, match="no cell holds both"):
        match(df, treatment="t", covariates=["k"], method="exact")


@pytest.mark.parametrize(
    "kw, msg",
    [
        (dict(method="optimal"), "method must be one of"),
        (dict(ratio=0), "ratio must be a positive integer"),
        (dict(caliper=-1.0), "caliper must be a positive number"),
        (dict(link="cloglog"), "link must be one of"),
        (dict(covariates=["nope"]), "covariates not in the data: nope"),
        (dict(exact=["nope"]), "exact-matching variables not in the data"),
        (dict(method="exact", exact=["x"]), "exact= applies to nearest-neighbour matching, not method='exact'"),
        (dict(method="cem", exact=["x"]), "cutpoints 0"),
        (dict(method="cem", cutpoints={"z": 3}), "not CEM covariates: z"),
    ],
)
def test_argument_errors(kw, msg):
    args = dict(treatment="t", covariates=["x"])
    args.update(kw)
    with pytest.raises(MatchingError, match=msg):
        match(_df(), **args)


def test_errors_are_value_errors():
    assert issubclass(MatchingError, ValueError)
    for cls in (TreatmentError, MissingCovariateError, NoVariationError, SeparationError, NoMatchError):
        assert issubclass(cls, MatchingError)


def test_caliper_dropping_some_treated_is_reported(lalonde, covariates):
    with pytest.warns(MatchingWarning, match="72 of 185 treated units have no match \\(caliper 0.2\\)"):
        match(lalonde, treatment="treat", covariates=covariates, caliper=0.2)
