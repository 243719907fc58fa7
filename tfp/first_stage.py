"""First stage of the control-function estimators: output on a polynomial in inputs and proxy.

``phi`` estimates output net of the i.i.d. shock, ``phi = f(inputs) + omega``.
Olley and Pakes (1996, eq. 6) and Levinsohn and Petrin (2003, eq. 5) keep the free inputs
linear and put state and proxy in the polynomial; Ackerberg, Caves and Frazer (2015, eq. 21)
put every input in the polynomial.  Degree 2 (all squares and pairwise products) is prodest's
choice and the default here; controls enter linearly.
"""

from __future__ import annotations

import numpy as np

from .linalg import wls
from .panel import PanelArrays
from .terms import evaluate, monomials


def design(panel: PanelArrays, kind: str, degree: int) -> np.ndarray:
    """Regressors of the first stage (with a constant first).

    ``kind='acf'``: polynomial in (free, state, proxy), then controls.
    ``kind='oplp'``: free, controls, then polynomial in (state, proxy).
    """
    n = panel.n
    if kind == "acf":
        v = np.hstack([panel.free, panel.state, panel.proxy[:, None]])
        return np.hstack([np.ones((n, 1)), evaluate(v, monomials(v.shape[1], degree)), panel.controls])
    v = np.hstack([panel.state, panel.proxy[:, None]])
    return np.hstack([np.ones((n, 1)), panel.free, panel.controls, evaluate(v, monomials(v.shape[1], degree))])


def control_slice(panel: PanelArrays, kind: str, n_cols: int) -> slice:
    """Columns of the controls inside :func:`design`."""
    kc = panel.controls.shape[1]
    if kind == "acf":
        return slice(n_cols - kc, n_cols)
    kf = panel.free.shape[1]
    return slice(1 + kf, 1 + kf + kc)


def fit(panel: PanelArrays, kind: str, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """First-stage coefficients and fitted values ``phi``."""
    x = design(panel, kind, degree)
    coef = wls(x, panel.y, panel.weights)
    return coef, x @ coef
