"""ATT on the matched sample: weighted regression of the outcome on treatment.

``lm(y ~ treat, weights = weights)`` on the matched units; the coefficient on
treatment is the ATT.  Standard errors follow the MatchIt vignette ("Estimating
effects after matching") and the rule the reference files record as
``primary_se``:

* where matched sets exist (pairs or strata: matching without replacement, exact,
  CEM), cluster-robust by matched set with the HC1 small-sample factor, as
  ``sandwich::vcovCL(fit, cluster = ~subclass)``:
  ``V = G/(G-1) * (n-1)/(n-k) * B^-1 (sum_g s_g s_g') B^-1``,
  ``s_g = sum_{i in g} w_i x_i e_i``, ``B = X'WX`` (Abadie and Spiess 2022, JASA
  117(538), for pair clustering after matching without replacement);
* otherwise (matching with replacement) HC3, ``sandwich::vcovHC(type = "HC3")``:
  ``V = B^-1 X' diag(w_i^2 e_i^2 / (1-h_i)^2) X B^-1`` (MacKinnon and White 1985).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from matching._display import Display, fmt, fmt_p


@dataclass(frozen=True)
class ATTResults:
    """ATT on a matched sample.

    Attributes
    ----------
    params, std_errors : pandas.Series
        ``Intercept`` and ``treat`` coefficients and their primary SEs.
    estimate, se : float
        The ATT and its primary SE.
    se_type : str
        ``"cluster_subclass_hc1"`` or ``"hc3"``.
    se_cluster_subclass, se_hc3 : float
        Both SEs (cluster one is NaN without matched sets).
    n_obs, n_clusters : int
    df_resid : int
    outcome : str
    """

    params: pd.Series
    std_errors: pd.Series
    estimate: float
    se: float
    se_type: str
    se_cluster_subclass: float
    se_hc3: float
    n_obs: int
    n_clusters: int
    df_resid: int
    sum_weights: float
    outcome: str

    @property
    def t_value(self) -> float:
        return self.estimate / self.se

    @property
    def p_value(self) -> float:
        """Two-sided p-value from the t distribution with the residual df (as ``coeftest``)."""
        return float(2 * stats.t.sf(abs(self.t_value), self.df_resid))

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval from the t distribution with the residual df."""
        q = stats.t.ppf(0.5 + level / 2, self.df_resid)
        return self.estimate - q * self.se, self.estimate + q * self.se

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: outcome, estimate, se, se_type, t, p, ci, n_obs, n_clusters."""
        lo, hi = self.conf_int()
        return pd.DataFrame(
            [
                {
                    "outcome": self.outcome,
                    "estimate": self.estimate,
                    "se": self.se,
                    "se_type": self.se_type,
                    "t_value": self.t_value,
                    "p_value": self.p_value,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "n_obs": self.n_obs,
                    "n_clusters": self.n_clusters,
                }
            ]
        )

    @property
    def se_description(self) -> str:
        if self.se_type == "cluster_subclass_hc1":
            return "cluster-robust by matched set, HC1 (sandwich::vcovCL(fit, cluster = ~subclass))"
        return "heteroskedasticity-robust HC3 (sandwich::vcovHC(fit, type = 'HC3'); matching with replacement)"

    def _display(self) -> Display:
        lo, hi = self.conf_int()
        table = pd.DataFrame([{
            "Outcome": self.outcome, "ATT": fmt(self.estimate), "Std. Error": fmt(self.se),
            "t value": fmt(self.t_value, 3), "Pr(>|t|)": fmt_p(self.p_value),
            "[95%": fmt(lo), "Conf. Int.]": fmt(hi),
        }])
        return Display(
            title="Average treatment effect on the treated (matched sample)",
            facts=[("Model", f"weighted regression lm({self.outcome} ~ treat, weights = weights)"),
                   ("Standard errors", self.se_description),
                   ("Sample", f"{self.n_obs} matched units"
                              + (f" in {self.n_clusters} matched sets" if self.n_clusters else "")
                              + f", residual df {self.df_resid}")],
            tables=[("", table)],
            notes=["Interval and p-value from the t distribution with the residual df (lmtest::coeftest)."],
        )

    def summary(self) -> str:
        """ATT with its SE (and SE type), t, p and 95% interval, sample size and matched sets."""
        return self._display().text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self._display().html()


def weighted_att(
    y: np.ndarray,
    treat: np.ndarray,
    w: np.ndarray,
    subclass: np.ndarray | None,
    outcome: str = "y",
) -> ATTResults:
    """ATT and SEs from matched units (``w > 0``); ``subclass`` 0 marks no set."""
    keep = w > 0
    y, t, w = np.asarray(y, float)[keep], np.asarray(treat, float)[keep], np.asarray(w, float)[keep]
    if np.isnan(y).any():
        from matching.errors import MatchingError

        raise MatchingError(f"outcome '{outcome}' has {int(np.isnan(y).sum())} missing values among matched units")
    x = np.column_stack([np.ones(y.size), t])
    n, k = x.shape
    bread = np.linalg.inv(x.T @ (x * w[:, None]))
    beta = bread @ (x.T @ (w * y))
    e = y - x @ beta
    score = x * (w * e)[:, None]
    # HC3
    h = np.einsum("ij,jk,ik->i", x * w[:, None], bread, x)
    meat3 = (score / (1 - h)[:, None]).T @ (score / (1 - h)[:, None])
    v3 = bread @ meat3 @ bread
    se_hc3 = float(np.sqrt(v3[1, 1]))
    se_cl = np.nan
    n_clusters = 0
    if subclass is not None:
        g = np.asarray(subclass)[keep]
        _, gid = np.unique(g, return_inverse=True)
        n_clusters = int(gid.max()) + 1
        sums = np.zeros((n_clusters, k))
        np.add.at(sums, gid, score)
        adj = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
        vcl = adj * bread @ (sums.T @ sums) @ bread
        se_cl = float(np.sqrt(vcl[1, 1]))
    primary_cl = subclass is not None
    se_main = se_cl if primary_cl else se_hc3
    ses = np.sqrt(np.diag(vcl if primary_cl else v3))
    names = ["Intercept", "treat"]
    return ATTResults(
        params=pd.Series(beta, index=names),
        std_errors=pd.Series(ses, index=names),
        estimate=float(beta[1]),
        se=se_main,
        se_type="cluster_subclass_hc1" if primary_cl else "hc3",
        se_cluster_subclass=se_cl,
        se_hc3=se_hc3,
        n_obs=int(n),
        n_clusters=n_clusters,
        df_resid=int(n - k),
        sum_weights=float(w.sum()),
        outcome=outcome,
    )
