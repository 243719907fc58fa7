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
from .results import ModelSpec, ProductionFunctionResults

__all__ = [
    "estimate",
    "estimate_by_group",
    "GroupedProductionFunction",
    "ProductionFunctionResults",
    "ModelSpec",
    "TFPError",
    "TFPInputError",
    "TFPSpecificationError",
    "InsufficientDataError",
    "ProxyInversionError",
    "ConvergenceError",
]
