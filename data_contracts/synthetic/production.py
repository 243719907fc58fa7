"""Inputs and output of every firm-year: the production side of the DGP.

Value added is Cobb-Douglas, ``y = omega + effect + b_l l + b_k k + eps``. Capital is
chosen a period ahead, ``K_t = (1 - delta) K_{t-1} + I_{t-1}``, with investment at
t-1 responding to expected productivity; labour is chosen after productivity is
seen, from the first-order condition with a firm- and year-specific labour cost
(so OLS overstates the labour elasticity). Materials are proportional (factor
``gamma_j``, as with Leontief gross output, Ackerberg, Caves and Frazer, 2015,
section 4) to the output planned at the industry's labour cost, so that
``m = log(gamma_j) + ((omega + effect) + b_k k + b_l (log b_l - log w_j)) / (1 - b_l)``
is a strictly increasing function of productivity given capital alone: the
scalar-unobservable proxy of Levinsohn and Petrin (2003, eq. 5) and ACF, with
labour varying independently through labour-cost shocks. ``eps`` is the shock
firms do not foresee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts.synthetic.config import SimulationConfig
from data_contracts.synthetic.firms import FirmDraws


@dataclass(frozen=True)
class ProductionDraws:
    """(n_firms, n_years) real quantities (internal to the generator)."""

    omega: np.ndarray      # log TFP without the membership effect
    effect: np.ndarray     # membership effect on log TFP
    capital: np.ndarray    # real capital stock, base-year euro
    fte: np.ndarray        # reported FTE (one decimal)
    va: np.ndarray         # real value added, base-year euro
    materials: np.ndarray  # real intermediate inputs, base-year euro
    wage: np.ndarray       # real labour cost per FTE, base-year euro
    epsilon: np.ndarray    # unforeseen value-added shock


def industry_constants(config: SimulationConfig, industries: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Productivity level ``a_j`` and log capital ``kappa_j`` of a median firm.

    Chosen so that a firm with zero firm effects and shocks employs
    ``config.median_fte`` FTE with the division's capital per FTE.
    """
    b_l = industries["labour"].to_numpy()
    b_k = industries["capital"].to_numpy()
    l0 = np.log(config.median_fte)
    kappa = np.log(industries["capital_per_fte"].to_numpy()) + l0
    a = (1.0 - b_l) * l0 - np.log(b_l) - b_k * kappa + np.log(industries["wage_per_fte"].to_numpy())
    return a, kappa


def simulate_production(config: SimulationConfig, industries: pd.DataFrame, firms: FirmDraws,
                        first_join: np.ndarray, rng: np.random.Generator) -> ProductionDraws:
    """Simulate capital, labour, materials and value added for every firm and year."""
    years = np.asarray(config.years)
    n, n_years = firms.u.shape
    j = firms.industry
    b_l = industries["labour"].to_numpy()[j][:, None]
    b_k = industries["capital"].to_numpy()[j][:, None]
    gamma = industries["materials_per_va"].to_numpy()[j][:, None]
    a, kappa = industry_constants(config, industries)

    omega = a[j][:, None] + firms.alpha[:, None] + firms.u
    joined = first_join > 0
    event = years[None, :] - first_join[:, None]
    if config.dip_selection:
        # The transitory slump that precedes joining (Ashenfelter dip).
        slump = np.where(event == -1, 1.0, np.where(event == -2, 0.5, 0.0))
        omega = omega - config.dip_size * (joined[:, None] & (event < 0)) * slump
    treated = joined[:, None] & (event >= 0)
    effect = np.where(treated, config.true_effect + config.effect_growth * np.maximum(event, 0), 0.0)
    tfp = omega + effect

    # Capital: the target rises with expected productivity next year; investment
    # closes part of the gap, with lumpy idiosyncratic noise.
    lagged_u = np.hstack([firms.u_before[:, None], firms.u[:, :-1]])
    expected = firms.alpha[:, None] + config.rho * lagged_u + effect
    target = kappa[j][:, None] + firms.scale[:, None] + config.capital_response * expected
    start_offset = np.where(firms.entry == 0, 0.0, -0.7) + 0.3 * rng.standard_normal(n)
    invest_noise = np.exp(0.25 * rng.standard_normal((n, n_years)) - 0.5 * 0.25**2)
    capital = np.empty((n, n_years))
    delta, phi = config.depreciation, config.capital_adjustment
    k_prev = np.exp(target[:, 0] + start_offset)
    for t in range(n_years):
        if t > 0:
            gap = np.exp(target[:, t]) - k_prev
            investment = np.maximum(delta * k_prev + phi * gap, 0.01 * k_prev) * invest_noise[:, t - 1]
            k_prev = (1.0 - delta) * k_prev + investment
        # A firm's first year of accounts starts from its initial stock.
        k_prev = np.where(firms.entry == t, np.exp(target[:, t] + start_offset), k_prev)
        capital[:, t] = k_prev
    capital = np.round(capital, 0)
    capital = np.maximum(capital, 1000.0)
    log_k = np.log(capital)

    # Labour from the first-order condition once productivity is known.
    wage = industries["wage_per_fte"].to_numpy()[j][:, None] * np.exp(
        firms.wage_premium[:, None] + firms.wage_shock)
    log_l = (np.log(b_l) + tfp + b_k * log_k - np.log(wage)) / (1.0 - b_l)
    fte = np.maximum(np.round(np.exp(log_l), 1), 0.1)

    planned = tfp + b_l * np.log(fte) + b_k * log_k
    epsilon = config.measurement_sd * rng.standard_normal((n, n_years))
    va = np.exp(planned + epsilon)
    # Materials are ordered once productivity is known but before the firm's own
    # labour cost is: for the output planned at the industry's labour cost. So
    # m = h(omega + effect, k) only, strictly increasing in productivity: a valid
    # scalar-unobservable proxy for LP and ACF, while labour keeps variation of its
    # own (the labour-cost shocks) that identifies its elasticity.
    log_l_planned = (np.log(b_l) + tfp + b_k * log_k
                     - np.log(industries["wage_per_fte"].to_numpy()[j][:, None])) / (1.0 - b_l)
    materials = gamma * np.exp(tfp + b_k * log_k + b_l * log_l_planned)
    return ProductionDraws(omega=omega, effect=effect, capital=capital, fte=fte, va=va,
                           materials=materials, wage=wage, epsilon=epsilon)
