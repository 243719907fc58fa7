"""Propensity score: an unpenalised binomial GLM fitted exactly as R's ``glm``.

The fit repeats R's ``glm.fit`` iteration for iteration (same start
``mu = (y + 0.5) / 2``, iteratively reweighted least squares, convergence when the
relative deviance change falls below ``1e-8``, at most 25 iterations) so that the
scores, and hence MatchIt's greedy matches, agree with R to rounding error.
Rosenbaum and Rubin (1983), "The central role of the propensity score in
observational studies for causal effects", Biometrika 70(1), eq. (1.2):
``e(x) = P(T = 1 | x)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from matching._display import Display, formatted
from matching.design import (
    check_covariates,
    complete_cases,
    model_matrix,
    treatment_vector,
)
from matching.errors import MatchingError, SeparationError

_EPS = np.finfo(float).eps
_LOGIT_THRESH = 30.0
_PROBIT_THRESH = -stats.norm.ppf(_EPS)
LINKS = ("logit", "probit", "linear.logit", "linear.probit")


def _linkinv(eta: np.ndarray, link: str) -> np.ndarray:
    # R's C_logit_linkinv: exp(eta) / (1 + exp(eta)) with eta clamped at +-30.
    if link == "logit":
        tmp = np.where(
            eta < -_LOGIT_THRESH,
            _EPS,
            np.where(eta > _LOGIT_THRESH, 1.0 / _EPS, np.exp(np.clip(eta, -_LOGIT_THRESH, _LOGIT_THRESH))),
        )
        return tmp / (1.0 + tmp)
    clipped = np.clip(eta, -_PROBIT_THRESH, _PROBIT_THRESH)
    return stats.norm.cdf(clipped)


def _mu_eta(eta: np.ndarray, link: str) -> np.ndarray:
    if link == "logit":
        e = np.exp(np.clip(eta, -_LOGIT_THRESH, _LOGIT_THRESH))
        out = e / ((1.0 + e) * (1.0 + e))
        return np.where((eta > _LOGIT_THRESH) | (eta < -_LOGIT_THRESH), _EPS, out)
    return np.maximum(stats.norm.pdf(eta), _EPS)


def _linkfun(mu: np.ndarray, link: str) -> np.ndarray:
    if link == "logit":
        return np.log(mu / (1.0 - mu))
    return stats.norm.ppf(mu)


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    # binomial deviance residuals; y is 0/1 so y*log(y/mu) reduces to -log(mu)
    with np.errstate(divide="ignore"):
        d = np.where(y == 1, -np.log(mu), -np.log(1.0 - mu))
    return float(2.0 * d.sum())


def _linear_predictor(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    # Accumulate column by column, as reference BLAS dgemv does, so identical
    # rows get bit-identical scores (MatchIt's tie rules depend on exact ties).
    eta = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        eta += x[:, j] * beta[j]
    return eta


@dataclass(frozen=True)
class GLMFit:
    """Raw output of :func:`fit_binomial_glm`."""

    coefficients: np.ndarray
    linear_predictor: np.ndarray
    fitted: np.ndarray
    iterations: int
    converged: bool
    deviance: float
    covariance: np.ndarray


def fit_binomial_glm(
    x: np.ndarray, y: np.ndarray, link: str = "logit", *, epsilon: float = 1e-8, maxit: int = 25
) -> GLMFit:
    """Binomial GLM by R's IRLS (``glm.fit``) on design ``x`` (with intercept column).

    Raises
    ------
    SeparationError
        If the iteration does not converge or fitted probabilities reach 0 or 1,
        the signs of (quasi-)complete separation.
    """
    base = link.removeprefix("linear.")
    mu = (y + 0.5) / 2.0
    eta = _linkfun(mu, base)
    devold = _deviance(y, mu)
    beta = np.zeros(x.shape[1])
    converged = False
    it = 0
    for it in range(1, maxit + 1):
        mu_eta = _mu_eta(eta, base)
        var = mu * (1.0 - mu)
        good = mu_eta != 0
        z = eta[good] + (y - mu)[good] / mu_eta[good]
        w = np.sqrt(mu_eta[good] ** 2 / var[good])
        q, r = np.linalg.qr(x[good] * w[:, None])
        beta = np.linalg.solve(r, q.T @ (z * w))
        eta = _linear_predictor(x, beta)
        mu = _linkinv(eta, base)
        dev = _deviance(y, mu)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        devold = dev
    mu_eta = _mu_eta(eta, base)
    w2 = mu_eta**2 / (mu * (1.0 - mu))
    xtwx = x.T @ (x * w2[:, None])
    cov = np.linalg.pinv(xtwx)
    return GLMFit(
        coefficients=beta,
        linear_predictor=eta,
        fitted=mu,
        iterations=it,
        converged=converged,
        deviance=float(dev),
        covariance=cov,
    )


def _separating_covariate(
    x: np.ndarray, names: Sequence[str], y: np.ndarray
) -> str | None:
    """Name a single design column that separates treated from controls, if any."""
    for j, name in enumerate(names):
        if name == "(Intercept)":
            continue
        col = x[:, j]
        lo1, hi1 = col[y == 1].min(), col[y == 1].max()
        lo0, hi0 = col[y == 0].min(), col[y == 0].max()
        if hi1 <= lo0 or hi0 <= lo1:
            return f"'{name}' (treated range [{lo1:g}, {hi1:g}], control range [{lo0:g}, {hi0:g}])"
    return None


@dataclass(frozen=True)
class PropensityScoreResults:
    """Fitted propensity-score model.

    Attributes
    ----------
    params, std_errors : pandas.Series
        GLM coefficients (R names, e.g. ``racehispan``) and model-based SEs.
    score : pandas.Series
        Fitted probability for every input row (NaN for rows dropped as missing).
    linear_predictor : pandas.Series
        The index ``x'b`` for every input row.
    distance : pandas.Series
        What matching uses: the score, or the linear predictor for ``linear.*`` links.
    link : str
    n_obs : int
    n_dropped : int
        Rows dropped for missing covariates (only with ``drop_missing=True``).
    converged : bool
    iterations : int
    """

    params: pd.Series
    std_errors: pd.Series
    score: pd.Series
    linear_predictor: pd.Series
    distance: pd.Series
    link: str
    n_obs: int
    n_dropped: int
    converged: bool
    iterations: int
    treatment: str = ""
    covariates: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Tidy coefficient table: term, estimate, std_error, z, p_value."""
        z = self.params / self.std_errors
        return pd.DataFrame(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "std_error": self.std_errors.to_numpy(),
                "z": z.to_numpy(),
                "p_value": 2 * stats.norm.sf(np.abs(z.to_numpy())),
            }
        )

    def summary(self) -> str:
        """Printable coefficient table."""
        head = (
            f"Propensity score ({self.link} GLM of {self.treatment} on "
            f"{', '.join(self.covariates)}): N = {self.n_obs}, dropped = {self.n_dropped}, "
            f"iterations = {self.iterations}"
        )
        return head + "\n" + self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return Display(
            title=f"Propensity score: {self.link} GLM of {self.treatment}",
            facts=[("Covariates", ", ".join(self.covariates)), ("Observations", str(self.n_obs)),
                   ("Dropped (missing)", str(self.n_dropped)), ("Iterations", str(self.iterations))],
            tables=[("", formatted(self.to_frame()))],
        ).html()


def propensity_score(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    link: str = "logit",
    drop_missing: bool = False,
) -> PropensityScoreResults:
    """Estimate the propensity score by an unpenalised logit or probit.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str
        0/1 treatment column.
    covariates : sequence of str
        Covariates; factor columns are expanded with the first level dropped.
    link : {"logit", "probit", "linear.logit", "linear.probit"}
        ``linear.*`` returns the linear predictor as the matching distance
        (MatchIt's ``link = "linear.logit"``).
    drop_missing : bool
        Drop rows with missing covariates (their score is NaN) instead of refusing.

    Returns
    -------
    PropensityScoreResults

    Notes
    -----
    Rosenbaum and Rubin (1983), Biometrika 70(1), eq. (1.2); the GLM is fitted with
    R's IRLS (McCullagh and Nelder 1989, sec. 2.5) so scores match ``glm()``.
    """
    if link not in LINKS:
        raise MatchingError(f"link must be one of {', '.join(LINKS)}; got '{link}'")
    covariates = list(covariates)
    t_all = treatment_vector(data, treatment)
    keep = complete_cases(data, covariates, drop_missing=drop_missing)
    sub = data.loc[keep]
    check_covariates(sub, covariates)
    y = t_all[keep].astype(float)
    if y.min() == y.max():
        raise MatchingError("after dropping missing rows only one treatment group is left")
    design = model_matrix(sub, covariates)
    rank = np.linalg.matrix_rank(design.values)
    if rank < design.values.shape[1]:
        raise MatchingError(
            f"covariates are collinear: the score design has rank {rank} < {design.values.shape[1]} columns"
        )
    base = link.removeprefix("linear.")
    culprit = _separating_covariate(design.values, design.names, y)
    if culprit is not None:
        raise SeparationError(f"perfect separation: covariate {culprit} predicts treatment exactly")
    fit = fit_binomial_glm(design.values, y, base)
    tiny = 10 * _EPS
    if not fit.converged or np.any(fit.fitted < tiny) or np.any(fit.fitted > 1 - tiny):
        raise SeparationError(
            "perfect separation: the score model did not converge or gave fitted "
            "probabilities of 0 or 1, so some units have no overlap"
        )
    index = data.index
    score = pd.Series(np.nan, index=index)
    lin = pd.Series(np.nan, index=index)
    score[keep] = fit.fitted
    lin[keep] = fit.linear_predictor
    names = list(design.names)
    return PropensityScoreResults(
        params=pd.Series(fit.coefficients, index=names),
        std_errors=pd.Series(np.sqrt(np.diag(fit.covariance)), index=names),
        score=score,
        linear_predictor=lin,
        distance=lin if link.startswith("linear.") else score,
        link=link,
        n_obs=int(keep.sum()),
        n_dropped=int((~keep).sum()),
        converged=fit.converged,
        iterations=fit.iterations,
        treatment=treatment,
        covariates=tuple(covariates),
    )
