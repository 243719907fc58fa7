"""Production-function and TFP estimation: OLS, within, Olley-Pakes, Levinsohn-Petrin,
Ackerberg-Caves-Frazer and Wooldridge, checked against R's prodest, by group, with a
firm-block bootstrap; plus index-number TFP and labour productivity.

Example
-------
>>> import tfp
>>> panel = tfp.simulate_panel(300, 8, elasticities=[(0.6, 0.3), (0.5, 0.4)], seed=1)
>>> fit = tfp.estimate_by_group(
...     panel, group="industry", id="firm", time="year", output="log_va",
...     free="log_fte", state="log_capital", proxy="log_materials", method="acf", min_obs=500)
>>> sorted(fit.elasticities["term"].unique())
['log_capital', 'log_fte', 'returns_to_scale']
>>> list(fit.tfp.columns[:6])
['firm', 'year', 'group', 'group_used', 'fallback_used', 'log_tfp']
"""

from .api import estimate
from .exceptions import (
    ConvergenceError,
    InsufficientDataError,
    ProxyInversionError,
    TFPError,
    TFPInputError,
    TFPSpecificationError,
)
from .grouped import GroupedProductionFunction, estimate_by_group
from .index_number import cost_share_tfp, labour_productivity
from .results import ModelSpec, ProductionFunctionResults
from .simulate import simulate_panel

__all__ = [
    "estimate",
    "estimate_by_group",
    "GroupedProductionFunction",
    "cost_share_tfp",
    "labour_productivity",
    "simulate_panel",
    "ProductionFunctionResults",
    "ModelSpec",
    "TFPError",
    "TFPInputError",
    "TFPSpecificationError",
    "InsufficientDataError",
    "ProxyInversionError",
    "ConvergenceError",
]
