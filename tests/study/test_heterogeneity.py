"""Heterogeneity by subgroup from one interacted regression, on a panel with known effects."""

import numpy as np
import pandas as pd

from study.heterogeneity import equality_wald, heterogeneity


def _simulated(seed: int = 7, n: int = 3000, years: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n), years)
    year = np.tile(np.arange(2014, 2014 + years), n)
    member = rng.random(n) < 0.2
    cohort = np.where(member, rng.integers(2016, 2020, n), 0)
    size = np.where(rng.random(n) < 0.5, "small", "large")
    effect = {"small": 0.02, "large": 0.06}
    alpha = rng.normal(0, 0.5, n) + 0.3 * member
    treated = (cohort[firm] > 0) & (year >= cohort[firm])
    y = alpha[firm] + 0.01 * (year - 2014) + treated * np.vectorize(effect.get)(size[firm]) + rng.normal(0, 0.05, len(firm))
    return pd.DataFrame({
        "enterprise_number": firm.astype(str), "year": year, "log_tfp": y, "member": member[firm].astype(int),
        "treated": treated.astype(int), "first_join_year": cohort[firm], "size_class": size[firm],
        "clusters": np.where(member[firm], "VIL", ""), "first_clusters": np.where(member[firm], "VIL", ""),
    })


def test_size_effects_recovered_and_equality_rejected():
    effects, tests = heterogeneity(_simulated(), {"size_class": "Size class"})
    est = effects.set_index("group")["estimate"]
    se = effects.set_index("group")["se"]
    assert abs(est["small"] - 0.02) < 3 * se["small"] and abs(est["large"] - 0.06) < 3 * se["large"]
    assert tests.iloc[0]["pvalue"] < 0.01
    assert (effects["n_members"] > 0).all()


def test_equality_wald_is_zero_for_equal_coefficients():
    stat, df, p = equality_wald(np.array([0.1, 0.1, 0.1]), np.eye(3) * 0.01)
    assert stat == 0.0 and df == 2 and p == 1.0
    stat, df, p = equality_wald(np.array([0.0, 0.2]), np.diag([0.01, 0.01]))
    assert np.isclose(stat, 0.2**2 / 0.02) and df == 1
