"""Treatment effects by subgroup and tests that they are equal.

For the study's heterogeneity claims (effect does not depend on size class, cluster or
entry cohort). Subgroups defined by a unit characteristic are estimated on disjoint
sets of units, so their estimates are independent and the equality test is the Wald
statistic ``sum_k (b_k - b_bar)^2 / v_k`` with precision-weighted ``b_bar`` (chi-squared,
K - 1 df). Cohort effects from one Callaway-Sant'Anna fit share comparison units, so
:func:`cohort_equality_test` uses their joint influence-function covariance instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from did.att_gt import ATTgtResults, att_gt
from did.errors import DiDError, DiDInputError
from did.panel import require_columns, require_complete
from did.twfe import twfe


@dataclass(frozen=True)
class EqualityTest:
    """Wald test that several effects are equal."""

    W: float
    df: int
    pvalue: float

    def __str__(self) -> str:
        return f"Equality test: W = {self.W:.4f}, df = {self.df}, p = {self.pvalue:.4f}"


@dataclass(frozen=True)
class SubgroupResults:
    """One effect per subgroup and the test of equality.

    ``table`` columns: ``subgroup, estimate, se, ci_lower, ci_upper, n_units, n_obs``.
    """

    table: pd.DataFrame
    equality: EqualityTest
    estimator: str
    by: str

    @property
    def params(self) -> pd.Series:
        return self.table.set_index("subgroup")["estimate"]

    @property
    def std_errors(self) -> pd.Series:
        return self.table.set_index("subgroup")["se"]

    def conf_int(self) -> pd.DataFrame:
        return self.table.set_index("subgroup")[["ci_lower", "ci_upper"]].rename(
            columns={"ci_lower": "lower", "ci_upper": "upper"}
        )

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        return "\n".join(
            [
                f"Effects by {self.by} ({self.estimator})",
                self.table.to_string(index=False, float_format=lambda v: f"{v:.6f}"),
                str(self.equality),
            ]
        )


def independent_equality_test(estimates: np.ndarray, se: np.ndarray) -> EqualityTest:
    """Wald test of equal means for independent estimates."""
    prec = 1.0 / se**2
    pooled = float(np.sum(prec * estimates) / prec.sum())
    w_stat = float(np.sum(prec * (estimates - pooled) ** 2))
    df = len(estimates) - 1
    return EqualityTest(W=w_stat, df=df, pvalue=float(stats.chi2.sf(w_stat, df)))


def joint_equality_test(estimates: np.ndarray, cov: np.ndarray) -> EqualityTest:
    """Wald test that all entries of ``estimates`` are equal given their covariance."""
    k = len(estimates)
    r = np.hstack([np.ones((k - 1, 1)), -np.eye(k - 1)])
    diff = r @ estimates
    w_stat = float(diff @ np.linalg.solve(r @ cov @ r.T, diff))
    return EqualityTest(W=w_stat, df=k - 1, pvalue=float(stats.chi2.sf(w_stat, k - 1)))


def subgroup_effects(
    data: pd.DataFrame,
    *,
    by: str,
    estimator: Literal["cs", "twfe"] = "cs",
    alpha: float = 0.05,
    **kwargs: Any,
) -> SubgroupResults:
    """Estimate the effect separately within each value of ``by`` and test equality.

    Parameters
    ----------
    data : DataFrame
        Long panel.
    by : str
        Unit-level subgroup column (constant within unit), e.g. size class or cluster.
    estimator : {"cs", "twfe"}
        "cs": :func:`did.att_gt` (keyword arguments passed on, ``id`` required) and the
        simple aggregate ATT; "twfe": :func:`did.twfe` coefficient on ``treated``.
    **kwargs
        Column names and options of the chosen estimator.
    """
    if estimator not in ("cs", "twfe"):
        raise DiDInputError(f"estimator must be 'cs' or 'twfe', got {estimator!r}")
    unit = kwargs.get("id")
    require_columns(data, [by, unit])
    require_complete(data, by, "subgroup")
    if unit is not None:
        varying = data.groupby(unit, observed=True)[by].nunique() > 1
        if varying.any():
            raise DiDInputError(
                f"subgroup column {by!r} changes over time for {int(varying.sum())} units, "
                f"e.g. unit {varying[varying].index[0]!r}"
            )
    rows = []
    for value, part in data.groupby(by, sort=True, observed=True):
        try:
            if estimator == "cs":
                res = att_gt(part, alpha=alpha, **kwargs)
                agg = res.aggregate("simple")
                est, se, n_units, n_obs = agg.overall_att, agg.overall_se, res.n_units, res.n_obs
            else:
                res = twfe(part, alpha=alpha, **kwargs)
                est, se = float(res.params.iloc[0]), float(res.std_errors.iloc[0])
                n_units, n_obs = res.n_entities, res.nobs
        except DiDError as exc:
            raise type(exc)(f"subgroup {by}={value!r}: {exc}") from exc
        rows.append((value, est, se, n_units, n_obs))
    if len(rows) < 2:
        raise DiDInputError(f"need at least two subgroups of {by!r}, found {len(rows)}")
    table = pd.DataFrame(rows, columns=["subgroup", "estimate", "se", "n_units", "n_obs"])
    z = stats.norm.ppf(1 - alpha / 2)
    table.insert(3, "ci_lower", table["estimate"] - z * table["se"])
    table.insert(4, "ci_upper", table["estimate"] + z * table["se"])
    test = independent_equality_test(table["estimate"].to_numpy(), table["se"].to_numpy())
    return SubgroupResults(table=table, equality=test, estimator=estimator, by=by)


def cohort_equality_test(res: ATTgtResults) -> EqualityTest:
    """Test that the cohort (group) effects of one CS fit are equal (CS 2021, eq. 3.6).

    Uses the joint analytic covariance ``Psi'Psi / n^2`` of the group aggregates.
    """
    agg = res.aggregate("group")
    inf = agg.influence[:, 1:]
    n = inf.shape[0]
    cov = inf.T @ inf / n**2
    est = agg.elements["att"].to_numpy()
    if len(est) < 2:
        raise DiDInputError("need at least two cohorts to test equality")
    return joint_equality_test(est, cov)
