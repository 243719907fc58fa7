"""What to estimate: the options shared by every estimator, and the fitted core numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .panel import PanelArrays
from .terms import Exponents, evaluate, production_terms

#: Estimator names. Those with an R prodest counterpart are named after its function:
#: ``wrdg`` is ``prodestWRDG`` (Wooldridge 2009, pooled IV on the stacked equations) and
#: ``wrdg_gmm`` is ``prodestWRDG_GMM`` (the same moments by two-step system GMM).
METHODS = ("ols", "fe", "op", "lp", "acf", "wrdg", "wrdg_gmm")
CONTROL_FUNCTION_METHODS = ("op", "lp", "acf")
WOOLDRIDGE_METHODS = ("wrdg", "wrdg_gmm")
#: The R prodest function each method reproduces.
PRODEST_FUNCTIONS = {"op": "prodestOP", "lp": "prodestLP", "acf": "prodestACF",
                     "wrdg": "prodestWRDG", "wrdg_gmm": "prodestWRDG_GMM"}
#: Other accepted spellings: the prodest function names (any case) and ``wrdg_iv``
#: (this package's earlier name of ``wrdg``).
METHOD_ALIASES = {"wrdg_iv": "wrdg", **{f.lower(): m for m, f in PRODEST_FUNCTIONS.items()}}


def canonical_method(name: str) -> str | None:
    """The method a name or alias stands for (None if unknown)."""
    key = str(name).strip().lower()
    return key if key in METHODS else METHOD_ALIASES.get(key)


@dataclass(frozen=True)
class FitConfig:
    """Options of one production-function fit (see :func:`tfp.estimate` for their meaning)."""

    method: str = "acf"
    translog: bool = False
    value_added: bool = True
    poly_degree: int = 2
    theta0: tuple[float, ...] | None = None
    exit: bool = False
    label: str | None = None
    prodest_wrdg: bool = False
    overidentify: bool = False
    xtol: float = 1e-12
    max_nfev: int | None = None


@dataclass(frozen=True)
class CoreFit:
    """Numbers from one fit, before they are labelled (coefficients of the production terms,
    then of the controls)."""

    coef: np.ndarray
    se: np.ndarray | None
    converged: bool
    objective: float
    n_used: int
    intercept: float | None = None
    intercept_se: float | None = None
    first_stage: np.ndarray | None = None
    message: str = ""
    extra: dict = field(default_factory=dict)


def production_inputs(panel: PanelArrays, cfg: FitConfig) -> np.ndarray:
    """Inputs of the production function: free, state and, for gross output, the proxy."""
    cols = [panel.free, panel.state]
    if not cfg.value_added:
        cols.append(panel.proxy[:, None])
    return np.hstack(cols)


def term_exponents(panel: PanelArrays, cfg: FitConfig) -> list[Exponents]:
    n_in = panel.free.shape[1] + panel.state.shape[1] + (0 if cfg.value_added else 1)
    return production_terms(n_in, cfg.translog)


def is_free_like(exps: list[Exponents], n_free: int, n_state: int) -> np.ndarray:
    """Whether each term involves a free input or the proxy (so its lag is the instrument,
    Ackerberg, Caves and Frazer 2015, eq. 26) rather than only state inputs (instrumented by
    their current value, which is chosen at t-1)."""
    out = []
    for e in exps:
        out.append(any(e[:n_free]) or any(e[n_free + n_state:]))
    return np.array(out, dtype=bool)


def production_matrix(panel: PanelArrays, cfg: FitConfig) -> np.ndarray:
    return evaluate(production_inputs(panel, cfg), term_exponents(panel, cfg))
