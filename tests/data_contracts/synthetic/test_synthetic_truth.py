"""Known truth: calibration of the demo, selection, and what estimators should find."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

from data_contracts.synthetic import DEMO, simulate_population
from data_contracts.synthetic.industries import industry_table
from data_contracts.synthetic.production import industry_constants


def _twfe(frame: pd.DataFrame, outcome: pd.Series | str) -> float:
    """Two-way fixed-effects coefficient of the absorbing treatment dummy."""
    panel = frame.set_index(["enterprise_number", "year"])
    y = panel[outcome] if isinstance(outcome, str) else pd.Series(
        np.asarray(outcome), index=panel.index)
    fit = PanelOLS(y, panel[["treated"]].astype(float), entity_effects=True,
                   time_effects=True).fit()
    return float(fit.params["treated"])


def _transitory(population) -> pd.Series:
    """The AR(1) component u of productivity, recovered from the truth."""
    truth = population.truth
    a, _ = industry_constants(truth.config, industry_table())
    level = dict(zip(industry_table()["nace2"], a))
    alpha = truth.firms.set_index("enterprise_number")["alpha"]
    fy = truth.firm_years
    return fy["omega"] - fy["nace2"].map(level) - fy["enterprise_number"].map(alpha)


# --- the demo population: calibration and recovery ---------------------------------

def test_demo_members_are_few_but_weigh_heavily(demo_population):
    fy = demo_population.truth.firm_years
    firms = demo_population.truth.firms
    ever = fy["first_join_year"].notna()
    member_share = firms["first_join_year"].notna().mean()
    assert 0.005 < member_share < 0.01
    assert 250 <= firms["first_join_year"].notna().sum() <= 600
    year = fy["year"] == 2022
    fte_share = fy.loc[year & ever, "fte"].sum() / fy.loc[year, "fte"].sum()
    va_share = fy.loc[year & ever, "va_real"].sum() / fy.loc[year, "va_real"].sum()
    assert fte_share > 10 * member_share and va_share > 10 * member_share
    assert fte_share > 0.1
    members_va_per_fte = fy.loc[year & ever, "va_real"].sum() / fy.loc[year & ever, "fte"].sum()
    all_va_per_fte = fy.loc[year, "va_real"].sum() / fy.loc[year, "fte"].sum()
    # Flemish figures: 128k vs 103k euro (ratio 1.24).
    assert 1.1 < members_va_per_fte / all_va_per_fte < 1.4
    assert 80_000 < all_va_per_fte < 130_000


def test_demo_joining_is_staggered_2017_to_2023(demo_population):
    cohorts = demo_population.truth.firms["first_join_year"].dropna().astype(int).value_counts()
    assert set(cohorts.index) == set(range(2017, 2024))
    assert cohorts.min() >= 20


def test_demo_twfe_recovers_the_true_effect(demo_population):
    fy = demo_population.truth.firm_years
    assert abs(_twfe(fy, "log_tfp") - DEMO.true_effect) < 0.01
    # TFP computed with the true elasticities also carries the unforeseen shock.
    elasticities = demo_population.truth.elasticities.set_index("nace2")
    tfp = (fy["log_va"] - fy["nace2"].map(elasticities["labour"]) * fy["log_fte"]
           - fy["nace2"].map(elasticities["capital"]) * fy["log_capital"])
    assert abs(_twfe(fy, tfp) - DEMO.true_effect) < 0.01
    # Also on the study sample: Flemish firms with at least one FTE.
    sample = (fy["fte"] >= 1) & fy["enterprise_number"].map(
        demo_population.truth.firms.set_index("enterprise_number")["region"]).eq("VLG")
    assert abs(_twfe(fy[sample], "log_tfp") - DEMO.true_effect) < 0.01


def test_demo_pooled_gap_reflects_selection(demo_population):
    fy = demo_population.truth.firm_years
    # Pooled member premium with industry and year effects (the naive estimate).
    demeaned = fy["log_tfp"] - fy.groupby(["nace2", "year"])["log_tfp"].transform("mean")
    treated = fy["treated"].astype(float)
    treated_dm = treated - treated.groupby([fy["nace2"], fy["year"]]).transform("mean")
    gap = float((demeaned * treated_dm).sum() / (treated_dm**2).sum())
    assert gap > 3 * DEMO.true_effect
    # Members were more productive and larger before they joined.
    firms = demo_population.truth.firms
    joined = firms["first_join_year"].notna()
    assert firms.loc[joined, "alpha"].mean() > firms.loc[~joined, "alpha"].mean() + 0.1
    assert firms.loc[joined, "scale"].mean() > firms.loc[~joined, "scale"].mean() + 1.0


# --- the production technology ---------------------------------------------------

def test_production_identity_and_materials_proxy(small_population):
    fy = small_population.truth.firm_years
    el = small_population.truth.elasticities.set_index("nace2")
    b_l, b_k = fy["nace2"].map(el["labour"]), fy["nace2"].map(el["capital"])
    np.testing.assert_allclose(
        fy["log_va"], fy["log_tfp"] + b_l * fy["log_fte"] + b_k * fy["log_capital"] + fy["epsilon"],
        atol=1e-12)
    # Materials are an exact increasing function of productivity given capital alone
    # (up to the rounding of euro amounts): the LP/ACF proxy.
    gamma = fy["nace2"].map(el["materials_per_va"])
    wage = fy["nace2"].map(industry_table().set_index("nace2")["wage_per_fte"])
    implied = ((fy["log_materials"] - np.log(gamma)) * (1 - b_l) - b_k * fy["log_capital"]
               - b_l * (np.log(b_l) - np.log(wage)))
    np.testing.assert_allclose(implied, fy["log_tfp"], atol=1e-3)
    assert fy["epsilon"].std() == pytest.approx(small_population.truth.config.measurement_sd, rel=0.1)


def test_capital_is_predetermined_and_labour_responds(small_population):
    fy = small_population.truth.firm_years.copy()
    fy["u"] = _transitory(small_population)
    by_firm = fy.groupby("enterprise_number")
    consecutive = by_firm["year"].diff() == 1
    innovation = fy["u"] - small_population.truth.config.rho * by_firm["u"].shift()
    d_capital = by_firm["log_capital"].diff()
    d_labour = by_firm["log_fte"].diff()
    assert abs(np.corrcoef(d_capital[consecutive], innovation[consecutive])[0, 1]) < 0.03
    assert np.corrcoef(d_labour[consecutive], innovation[consecutive])[0, 1] > 0.2


def test_ols_overstates_the_labour_elasticity(small_population):
    fy = small_population.truth.firm_years
    el = small_population.truth.elasticities.set_index("nace2")
    biases = []
    for nace2, rows in fy[fy["fte"] >= 1].groupby("nace2"):  # twenty industries
        if len(rows) < 1_000:
            continue
        year_dummies = pd.get_dummies(rows["year"], dtype=float).to_numpy()
        x = np.column_stack([rows["log_fte"], rows["log_capital"], year_dummies])
        coef, *_ = np.linalg.lstsq(x, rows["log_va"].to_numpy(), rcond=None)
        biases.append(coef[0] - el.loc[nace2, "labour"])
    assert len(biases) >= 5
    assert min(biases) > 0.05


# --- switches -------------------------------------------------------------------

def test_dip_selection_puts_a_slump_before_joining():
    config = dataclasses.replace(DEMO, n_firms=8_000, seed=2)
    plain = simulate_population(config)
    dip = simulate_population(dataclasses.replace(config, dip_selection=True))

    def slump(population):
        """Members' mean transitory productivity at event time -1 minus at -3."""
        fy = population.truth.firm_years
        u = _transitory(population)
        event = fy["event_time"]
        return float(u[event.eq(-1).fillna(False)].mean() - u[event.eq(-3).fillna(False)].mean())

    assert slump(dip) < -0.06
    assert abs(slump(plain)) < 0.02
    # Same firms and shocks, only the slump (and timing) differ: plain DiD is pushed upward.
    assert _twfe(dip.truth.firm_years, "log_tfp") > _twfe(plain.truth.firm_years, "log_tfp") + 0.01


def test_effect_can_grow_with_years_of_membership():
    config = dataclasses.replace(DEMO, n_firms=1_500, seed=3, effect_growth=0.01)
    truth = simulate_population(config).truth
    fy = truth.firm_years[truth.firm_years["treated"]]
    expected = config.true_effect + 0.01 * fy["event_time"].astype(float)
    np.testing.assert_allclose(fy["effect"], expected)
    assert truth.effect_profile.loc[0] == config.true_effect
    assert truth.effect_profile.loc[3] == pytest.approx(config.true_effect + 0.03)


def test_materials_proxy_identifies_the_labour_elasticity(small_population):
    """Levinsohn-Petrin first stage: y on l and a cubic in (m, k) recovers b_l."""
    fy = small_population.truth.firm_years
    el = small_population.truth.elasticities.set_index("nace2")
    checked = 0
    for nace2, rows in fy[fy["fte"] >= 1].groupby("nace2"):  # twenty industries
        if len(rows) < 2_000:
            continue
        m = rows["log_materials"].to_numpy()
        k = rows["log_capital"].to_numpy()
        m, k = m - m.mean(), k - k.mean()
        poly = [m**i * k**j for i in range(4) for j in range(4 - i)]
        x = np.column_stack([rows["log_fte"], *poly])
        coef, *_ = np.linalg.lstsq(x, rows["log_va"].to_numpy(), rcond=None)
        assert coef[0] == pytest.approx(el.loc[nace2, "labour"], abs=0.02), nace2
        checked += 1
    assert checked >= 4
