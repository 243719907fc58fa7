"""Validation of a long unit-by-period panel and its reshaping to unit x period arrays.

Every estimator in this package starts here, so that bad input fails the same way
everywhere: one line naming the column, unit or value at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from did.errors import DiDInputError


@dataclass(frozen=True)
class WidePanel:
    """A validated panel as dense ``(n_units, n_periods)`` arrays.

    Missing unit-periods (unbalanced panels) are NaN in ``y`` and False in ``observed``.
    """

    unit_ids: np.ndarray  # original identifiers, in row order of the arrays
    periods: np.ndarray  # sorted distinct periods
    y: np.ndarray  # (n, T) outcome
    observed: np.ndarray  # (n, T) bool
    covariates: np.ndarray  # (k, n, T) covariate values (NaN where unobserved)
    covariate_names: tuple[str, ...]
    group: np.ndarray  # (n,) first treated period, 0 = never treated
    weights: np.ndarray  # (n,) unit sampling weights
    n_obs: int

    @property
    def n_units(self) -> int:
        return self.y.shape[0]

    @property
    def balanced(self) -> bool:
        return bool(self.observed.all())


def require_columns(data: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise :class:`DiDInputError` naming the first requested column not in ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise DiDInputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for col in columns:
        if col is not None and col not in data.columns:
            raise DiDInputError(f"column {col!r} not found in data")


def require_numeric(data: pd.DataFrame, column: str, role: str) -> None:
    if not pd.api.types.is_numeric_dtype(data[column]):
        raise DiDInputError(f"{role} column {column!r} must be numeric, got {data[column].dtype}")


def require_complete(data: pd.DataFrame, column: str, role: str) -> None:
    n_missing = int(data[column].isna().sum())
    if n_missing:
        raise DiDInputError(
            f"{role} column {column!r} has {n_missing} missing values; drop or impute those "
            "rows before estimation"
        )


def require_unique_unit_period(data: pd.DataFrame, id: str, time: str) -> None:
    dup = data.duplicated([id, time])
    if dup.any():
        row = data.loc[dup, [id, time]].iloc[0]
        raise DiDInputError(
            f"{int(dup.sum())} duplicate ({id}, {time}) rows, e.g. unit {row[id]!r} in {row[time]!r}"
        )


def require_constant_within_unit(
    data: pd.DataFrame, id: str, column: str, role: str, codes: np.ndarray | None = None
) -> None:
    """Raise if ``column`` takes more than one value for some unit."""
    nunique = data.groupby(id, sort=False, observed=True)[column].nunique(dropna=False)
    bad = nunique[nunique > 1]
    if len(bad):
        raise DiDInputError(
            f"{role} column {column!r} changes over time for {len(bad)} units, e.g. unit "
            f"{bad.index[0]!r}; it must be constant within a unit"
        )


def _require_constant(
    values: np.ndarray, unit_codes: np.ndarray, unit_ids, column: str, role: str
) -> None:
    per_unit = np.empty(len(unit_ids))
    per_unit[unit_codes] = values
    differs = values != per_unit[unit_codes]
    if differs.any():
        n_bad = len(np.unique(unit_codes[differs]))
        unit = unit_ids[unit_codes[np.argmax(differs)]]
        raise DiDInputError(
            f"{role} column {column!r} changes over time for {n_bad} units, e.g. unit "
            f"{unit!r}; it must be constant within a unit"
        )


def to_wide(
    data: pd.DataFrame,
    *,
    y: str,
    id: str,
    time: str,
    group: str,
    covariates: Sequence[str] = (),
    weights: str | None = None,
) -> WidePanel:
    """Validate a long panel and reshape it; see :class:`WidePanel`.

    Checks: columns exist; outcome, period, group, covariates and weights are numeric
    and complete; (unit, period) pairs are unique; group and weights are constant
    within a unit; weights are non-negative.
    """
    covariates = tuple(covariates)
    require_columns(data, [y, id, time, group, weights, *covariates])
    for col, role in [(y, "outcome"), (time, "time"), (group, "group")]:
        require_numeric(data, col, role)
        require_complete(data, col, role)
    require_complete(data, id, "id")
    for col in covariates:
        require_numeric(data, col, "covariate")
        require_complete(data, col, "covariate")
    if weights is not None:
        require_numeric(data, weights, "weights")
        require_complete(data, weights, "weights")
        if (data[weights] < 0).any():
            raise DiDInputError(f"weights column {weights!r} has negative values")
    if len(data) == 0:
        raise DiDInputError("data has no rows")
    unit_codes, unit_ids = pd.factorize(data[id], sort=True)
    period_codes, periods = pd.factorize(data[time], sort=True)
    n, n_t = len(unit_ids), len(periods)
    # Checks on the integer codes rather than pandas groupby: the panel can have millions
    # of rows and these run on every call.
    cell_counts = np.bincount(unit_codes * n_t + period_codes, minlength=n * n_t)
    if cell_counts.max() > 1:
        require_unique_unit_period(data, id, time)
    _require_constant(data[group].to_numpy(dtype=float), unit_codes, unit_ids, group, "group")
    if weights is not None:
        _require_constant(
            data[weights].to_numpy(dtype=float), unit_codes, unit_ids, weights, "weights"
        )
    y_wide = np.full((n, n_t), np.nan)
    y_wide[unit_codes, period_codes] = data[y].to_numpy(dtype=float)
    observed = np.zeros((n, n_t), dtype=bool)
    observed[unit_codes, period_codes] = True
    cov_wide = np.full((len(covariates), n, n_t), np.nan)
    for k, col in enumerate(covariates):
        cov_wide[k, unit_codes, period_codes] = data[col].to_numpy(dtype=float)
    unit_group = np.zeros(n)
    unit_group[unit_codes] = data[group].to_numpy(dtype=float)
    unit_weights = np.ones(n)
    if weights is not None:
        unit_weights[unit_codes] = data[weights].to_numpy(dtype=float)
    return WidePanel(
        unit_ids=np.asarray(unit_ids),
        periods=np.asarray(periods, dtype=float),
        y=y_wide,
        observed=observed,
        covariates=cov_wide,
        covariate_names=covariates,
        group=unit_group,
        weights=unit_weights,
        n_obs=len(data),
    )
