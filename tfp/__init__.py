"""Production-function and TFP estimation: OLS, within, Olley-Pakes, Levinsohn-Petrin,
Ackerberg-Caves-Frazer and Wooldridge, checked against R's prodest, by group, with a
firm-block bootstrap; plus index-number TFP and labour productivity."""

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
