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

from did._display import Display, formatted
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

    def _display(self) -> Display:
        return Display(
            title=f"Effects by {self.by} ({self.estimator})",
            facts=[("Equality test", str(self.equality))],
            tables=[("", formatted(self.table))],
        )

    def summary(self) -> str:
        return self._display().text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self._display().html()


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


def _joint_cs_covariance(fits: list, influences: list[np.ndarray]) -> np.ndarray:
    """Covariance of CS estimates from fits that share comparison units.

    Each estimate is theta_k = theta + sum_i psi_ki / n_k over its own units; the
    covariance of two of them sums psi_ai psi_bi over the units they share.
    """
    all_ids = pd.Index(np.concatenate([f.unit_ids for f in fits])).unique()
    k = len(fits)
    stacked = np.zeros((len(all_ids), k))
    for j, (fit, psi) in enumerate(zip(fits, influences)):
        stacked[all_ids.get_indexer(fit.unit_ids), j] = psi / fit.n_units
    return stacked.T @ stacked


def subgroup_effects(
    data: pd.DataFrame,
    *,
    by: str,
    estimator: Literal["cs", "twfe"] = "cs",
    controls: Literal["own", "shared"] = "own",
    alpha: float = 0.05,
    **kwargs: Any,
) -> SubgroupResults:
    """Estimate the effect separately for each value of ``by`` and test equality.

    Parameters
    ----------
    data : DataFrame
        Long panel.
    by : str
        Unit-level subgroup column (constant within unit), e.g. size class or cluster.
    estimator : {"cs", "twfe"}
        "cs": :func:`did.att_gt` (keyword arguments passed on) and its simple aggregate
        ATT; "twfe": the :func:`did.twfe` coefficient on ``treated`` (or ``group``).
    controls : {"own", "shared"}
        "own": every subgroup is a separate sample with its own comparison units (for
        characteristics that untreated units have too, such as size class); the
        estimates are independent. "shared": treated units are split by ``by`` and
        every subgroup is compared with all never-treated units (``group`` == 0; for
        characteristics only members have, such as the cluster joined; ``by`` is
        ignored for never-treated units). CS then tests equality with the joint
        influence-function covariance, TWFE fits one regression with one treatment
        indicator per subgroup and uses its clustered covariance.
    **kwargs
        Column names and options of the chosen estimator (``id`` is required).
    """
    if estimator not in ("cs", "twfe"):
        raise DiDInputError(f"estimator must be 'cs' or 'twfe', got {estimator!r}")
    if controls not in ("own", "shared"):
        raise DiDInputError(f"controls must be 'own' or 'shared', got {controls!r}")
    unit = kwargs.get("id")
    if unit is None:
        raise DiDInputError("subgroup_effects needs the unit column: pass id=...")
    group_col = kwargs.get("group")
    if controls == "shared" and group_col is None:
        raise DiDInputError("controls='shared' needs group= (first treated period, 0 = never)")
    require_columns(data, [by, unit, group_col])
    treated_rows = data[group_col] > 0 if controls == "shared" else pd.Series(True, index=data.index)
    require_complete(data.loc[treated_rows], by, "subgroup")
    varying = data.loc[treated_rows].groupby(unit, observed=True)[by].nunique() > 1
    if varying.any():
        raise DiDInputError(
            f"subgroup column {by!r} changes over time for {int(varying.sum())} units, "
            f"e.g. unit {varying[varying].index[0]!r}"
        )
    values = sorted(data.loc[treated_rows, by].unique())
    if len(values) < 2:
        raise DiDInputError(f"need at least two subgroups of {by!r}, found {len(values)}")
    if estimator == "twfe" and controls == "shared":
        return _twfe_shared(data, by, values, treated_rows, alpha, kwargs)

    rows, fits, influences = [], [], []
    for value in values:
        if controls == "own":
            part = data[data[by] == value]
        else:
            part = data[(data[by] == value) & treated_rows | ~treated_rows]
        try:
            if estimator == "cs":
                res = att_gt(part, alpha=alpha, **kwargs)
                agg = res.aggregate("simple")
                est, se, n_units, n_obs = agg.overall_att, agg.overall_se, res.n_units, res.n_obs
                fits.append(res)
                influences.append(agg.influence[:, 0])
            else:
                res = twfe(part, alpha=alpha, **kwargs)
                est, se = float(res.params.iloc[0]), float(res.std_errors.iloc[0])
                n_units, n_obs = res.n_entities, res.nobs
        except DiDError as exc:
            raise type(exc)(f"subgroup {by}={value!r}: {exc}") from exc
        rows.append((value, est, se, n_units, n_obs))
    table = _table(rows, alpha)
    if controls == "shared":
        test = joint_equality_test(table["estimate"].to_numpy(), _joint_cs_covariance(fits, influences))
    else:
        test = independent_equality_test(table["estimate"].to_numpy(), table["se"].to_numpy())
    return SubgroupResults(table=table, equality=test, estimator=estimator, by=by)


def _table(rows: list[tuple], alpha: float) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["subgroup", "estimate", "se", "n_units", "n_obs"])
    z = stats.norm.ppf(1 - alpha / 2)
    table.insert(3, "ci_lower", table["estimate"] - z * table["se"])
    table.insert(4, "ci_upper", table["estimate"] + z * table["se"])
    return table


def _twfe_shared(
    data: pd.DataFrame, by: str, values: list, treated_rows: pd.Series, alpha: float, kwargs: dict
) -> SubgroupResults:
    """One TWFE regression with a treatment indicator per subgroup (shared controls)."""
    kwargs = dict(kwargs)
    group_col, time_col = kwargs.pop("group"), kwargs["time"]
    kwargs.pop("treated", None)
    g = data[group_col].to_numpy(dtype=float)
    d = (g > 0) & (data[time_col].to_numpy(dtype=float) >= g)
    names = [f"treated[{by}={v}]" for v in values]
    member = data[by].to_numpy()
    frame = data.assign(
        **{nm: (d & treated_rows.to_numpy() & (member == v)).astype(float) for nm, v in zip(names, values)}
    )
    try:
        res = twfe(frame, treated=names, alpha=alpha, **kwargs)
    except DiDError as exc:
        raise type(exc)(f"subgroups of {by}: {exc}") from exc
    units = frame.loc[treated_rows].groupby(by, observed=True)[kwargs["id"]].nunique()
    obs = frame.loc[treated_rows].groupby(by, observed=True).size()
    rows = [
        (v, float(res.params[nm]), float(res.std_errors[nm]), int(units[v]), int(obs[v]))
        for v, nm in zip(values, names)
    ]
    test = joint_equality_test(res.params.to_numpy(), res.cov.to_numpy())
    return SubgroupResults(table=_table(rows, alpha), equality=test, estimator="twfe", by=by)


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
