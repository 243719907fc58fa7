"""Second-stage minimisation shared by OP, LP and ACF.

Both criteria are sums of squares (OP/LP: of the innovation residuals; ACF: of the
Cholesky-scaled moment vector, ``m' W m = |L' m|^2``), so a Levenberg-Marquardt least
squares solver reaches tighter optima than a general-purpose BFGS (prodest uses R's
``optim(method = "BFGS")`` with numerical gradients).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import least_squares


def minimise(
    residuals: Callable[[np.ndarray], np.ndarray],
    theta0: np.ndarray,
    xtol: float,
    max_nfev: int | None,
    jac: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, float, bool, str]:
    """Minimise ``|residuals(theta)|^2``; returns (theta, objective, converged, message).

    ``jac``, if given, is the analytic Jacobian of ``residuals`` (else finite differences).
    """

    def safe(theta: np.ndarray) -> np.ndarray:
        r = residuals(theta)
        # a wild trial step can make the cubic in omega overflow; steer the solver away
        return np.where(np.isfinite(r), r, 1e150)

    try:
        sol = least_squares(safe, theta0, jac=jac if jac is not None else "2-point", method="lm",
                            xtol=xtol, ftol=xtol, gtol=xtol, max_nfev=max_nfev or 200 * (len(theta0) + 1))
    except (np.linalg.LinAlgError, ValueError) as exc:
        return np.full(len(theta0), np.nan), np.nan, False, f"optimiser failed: {exc}"
    r = residuals(sol.x)
    obj = float(r @ r)
    ok = bool(sol.status > 0) and np.all(np.isfinite(sol.x)) and np.isfinite(obj)
    msg = "" if ok else f"optimiser did not converge: {sol.message}"
    return sol.x, obj, ok, msg


def standardise(x: np.ndarray) -> np.ndarray:
    """``(x - mean) / sd``: polynomials in it span the same space as polynomials in ``x``, but
    the normal equations are far better conditioned (with ``x`` around 10, ``x^3`` is 1000 and
    the rounding noise of the fit would swamp the flat OP/LP criterion)."""
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def poly3(x: np.ndarray) -> np.ndarray:
    """``[1, x, x^2, x^3]`` of the standardised ``x``: prodest's cubic approximation of the
    law of motion g (same column space, hence the same fitted values)."""
    z = standardise(x)
    return np.column_stack([np.ones_like(z), z, z * z, z * z * z])


def project_out(p: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Residual of the weighted regression of ``v`` on ``p`` (normal equations, few columns)."""
    pw = p * w[:, None]
    g = np.linalg.solve(pw.T @ p, pw.T @ v)
    return v - p @ g
