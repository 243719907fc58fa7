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
from .results import ModelSpec, ProductionFunctionResults

__all__ = [
    "estimate",
    "ProductionFunctionResults",
    "ModelSpec",
    "TFPError",
    "TFPInputError",
    "TFPSpecificationError",
    "InsufficientDataError",
    "ProxyInversionError",
    "ConvergenceError",
]
