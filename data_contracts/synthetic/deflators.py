"""Price indices by NACE 2-digit division and year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_contracts.layouts import DEFLATOR_COLUMNS
from data_contracts.synthetic.config import SimulationConfig

#: Source recorded in the deflator file.
DEFLATOR_SOURCE = "cluster-impact synthetic national accounts (demo data, not official)"

#: Economy-wide log price shocks by year on top of the trend: the 2021-2023 energy
#: and materials inflation hits intermediate inputs hardest, then investment goods.
_COMMON_SHOCKS: dict[str, dict[int, float]] = {
    "va": {2020: -0.005, 2022: 0.03, 2023: 0.02},
    "intermediate": {2021: 0.05, 2022: 0.10, 2023: -0.02},
    "investment": {2021: 0.02, 2022: 0.05, 2023: 0.01},
}
_TRENDS: dict[str, float] = {"va": 0.016, "intermediate": 0.015, "investment": 0.014}


def simulate_deflators(config: SimulationConfig, nace2: pd.Series,
                       rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Deflator indices (base year = 100, two decimals) by division and year.

    Returns
    -------
    dict
        ``va``, ``intermediate``, ``investment`` and ``output`` arrays of shape
        (n_industries, n_years).
    """
    years = np.asarray(config.years)
    n_ind, n_years = len(nace2), len(years)
    base = int(np.searchsorted(years, config.base_year))
    indices: dict[str, np.ndarray] = {}
    for kind, trend in _TRENDS.items():
        shocks = np.array([_COMMON_SHOCKS[kind].get(int(y), 0.0) for y in years])
        industry_trend = trend + 0.006 * rng.standard_normal(n_ind)
        noise = 0.008 * rng.standard_normal((n_ind, n_years))
        growth = industry_trend[:, None] + shocks[None, :] + noise
        growth[:, 0] = 0.0
        log_level = np.cumsum(growth, axis=1)
        log_level -= log_level[:, [base]]
        indices[kind] = np.round(100.0 * np.exp(log_level), 2)
    # Output prices: a value-added / intermediate mix, as a gross-output deflator is.
    mix = np.exp(0.5 * np.log(indices["va"]) + 0.5 * np.log(indices["intermediate"]))
    indices["output"] = np.round(100.0 * mix / mix[:, [base]], 2)
    return indices


def deflator_frame(config: SimulationConfig, nace2: pd.Series,
                   indices: dict[str, np.ndarray]) -> pd.DataFrame:
    """The deflator table in the canonical layout (one row per division and year)."""
    years = np.asarray(config.years)
    n_ind = len(nace2)
    frame = pd.DataFrame({
        "nace2": np.repeat(np.asarray(nace2, dtype=object), len(years)),
        "year": np.tile(years, n_ind).astype(np.int64),
        "va": indices["va"].ravel(),
        "output": indices["output"].ravel(),
        "intermediate": indices["intermediate"].ravel(),
        "investment": indices["investment"].ravel(),
        "base_year": np.int64(config.base_year),
        "source": DEFLATOR_SOURCE,
    })
    return frame[list(DEFLATOR_COLUMNS)]
