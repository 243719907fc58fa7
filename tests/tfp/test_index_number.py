"""Cost-share (index-number) TFP and labour productivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tfp


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "firm": ["a", "b", "c", "a", "b", "c", "d"],
        "year": [2020, 2020, 2020, 2021, 2021, 2021, 2021],
        "nace2": ["10", "10", "10", "10", "10", "10", "10"],
        "log_va": [3.0, 2.0, 4.0, 3.1, 2.2, 4.1, 1.0],
        "log_fte": [1.0, 0.5, 2.0, 1.1, 0.6, 2.0, 0.1],
        "log_capital": [2.0, 1.0, 3.0, 2.1, 1.2, 3.0, 0.5],
        "wage_share": [0.6, 0.7, 0.8, 0.5, 0.9, 0.7, -1.0],
    })


def test_median_shares_by_industry_year_and_residual_capital_share(small):
    out = tfp.cost_share_tfp(small, id="firm", time="year", group="nace2", output="log_va",
                             inputs={"log_fte": "wage_share", "log_capital": None})
    # 2020: median(0.6, 0.7, 0.8) = 0.7; 2021: the negative share is ignored, median(0.5, 0.9, 0.7) = 0.7
    np.testing.assert_allclose(out["share_log_fte"], 0.7)
    np.testing.assert_allclose(out["share_log_capital"], 0.3)
    np.testing.assert_allclose(out["log_tfp"], small["log_va"] - 0.7 * small["log_fte"] - 0.3 * small["log_capital"])
    assert out.index.equals(small.index)


def test_min_firms_leaves_thin_cells_empty(small):
    out = tfp.cost_share_tfp(small, id="firm", time="year", group="nace2", output="log_va",
                             inputs={"log_fte": "wage_share", "log_capital": None}, min_firms=4)
    assert out["log_tfp"].isna().all()


def test_bad_share_specification(small):
    with pytest.raises(tfp.TFPInputError, match="only one input can take the residual share"):
        tfp.cost_share_tfp(small, id="firm", time="year", group="nace2", output="log_va",
                           inputs={"log_fte": None, "log_capital": None})
    with pytest.raises(tfp.TFPInputError, match="not found in the data: share_k"):
        tfp.cost_share_tfp(small, id="firm", time="year", group="nace2", output="log_va",
                           inputs={"log_fte": "wage_share", "log_capital": "share_k"})


def test_cost_share_tfp_recovers_simulated_productivity_under_constant_returns():
    d = tfp.simulate_panel(500, 6, elasticities=[(0.65, 0.35)], seed=2)
    d["wage_share"] = 0.65  # competitive labour market: the share is the elasticity
    out = tfp.cost_share_tfp(d, id="firm", time="year", group="industry", output="log_va",
                             inputs={"log_fte": "wage_share", "log_capital": None})
    assert np.corrcoef(out["log_tfp"], d["true_log_tfp_with_noise"])[0, 1] > 0.999


def test_labour_productivity(small):
    lp = tfp.labour_productivity(small, output="log_va", labour="log_fte")
    np.testing.assert_allclose(lp, small["log_va"] - small["log_fte"])
    two = tfp.labour_productivity(small.assign(l2=small["log_fte"]), output="log_va", labour=["log_fte", "l2"])
    np.testing.assert_allclose(two, small["log_va"] - small["log_fte"] - np.log(2))
