"""Covariate design matrices with R's ``model.matrix`` conventions.

MatchIt fits the propensity score on ``model.matrix(formula)``: numeric columns enter
as they are and each factor (character, categorical or boolean column) is expanded
into dummies with its first level dropped.  Balance tables show every level
(``contrasts = FALSE``), named as R names them: the variable name followed by the
level, e.g. ``raceblack``.  Levels are ordered as R's ``factor()`` orders them: the
categories of a pandas ``Categorical``, otherwise the sorted unique values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.errors import (
    MatchingError,
    MissingCovariateError,
    NoVariationError,
    TreatmentError,
)


def is_factor(column: pd.Series) -> bool:
    """Whether R would treat ``column`` as a factor in a model formula."""
    return not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def factor_levels(column: pd.Series) -> list:
    """Levels of a factor column in R's order, restricted to values present (``droplevels``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column.dropna().unique())
        return [c for c in column.cat.categories if c in present]
    return sorted(column.dropna().unique().tolist())


def _level_label(level: object) -> str:
    if isinstance(level, (bool, np.bool_)):
        return "TRUE" if level else "FALSE"
    return str(level)


@dataclass(frozen=True)
class DesignMatrix:
    """A numeric design matrix with R-style column names.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n, p)`` float matrix.
    names : tuple of str
        Column names (``"(Intercept)"``, numeric variables, ``variable + level``).
    source : tuple of str
        For each column, the covariate it came from (``""`` for the intercept).
    """

    values: np.ndarray
    names: tuple[str, ...]
    source: tuple[str, ...]


def model_matrix(
    data: pd.DataFrame,
    covariates: Sequence[str],
    *,
    intercept: bool = True,
    all_levels: bool = False,
) -> DesignMatrix:
    """Expand ``covariates`` of ``data`` as R's ``model.matrix`` does.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows to expand; covariates must not contain missing values.
    covariates : sequence of str
        Column names, in formula order.
    intercept : bool
        Prepend a ``(Intercept)`` column of ones.
    all_levels : bool
        Keep every factor level (MatchIt's balance matrix, ``contrasts = FALSE``)
        instead of dropping the first one (treatment contrasts, the score model).
    """
    n = len(data)
    blocks: list[tuple[str, list[str], object]] = []
    for cov in covariates:
        col = data[cov]
        if is_factor(col):
            levels = factor_levels(col)
            keep = levels if all_levels else levels[1:]
            blocks.append((cov, [f"{cov}{_level_label(lv)}" for lv in keep], (col, levels, len(levels) - len(keep))))
        else:
            blocks.append((cov, [cov], None))
    p = int(intercept) + sum(len(b[1]) for b in blocks)
    # column-major: downstream code reads whole columns
    values = np.zeros((n, p), order="F")
    names: list[str] = []
    source: list[str] = []
    j = 0
    if intercept:
        values[:, 0] = 1.0
        names.append("(Intercept)")
        source.append("")
        j = 1
    rows = np.arange(n)
    for cov, col_names, factor in blocks:
        if factor is None:
            values[:, j] = data[cov].to_numpy(dtype=float)
        else:
            col, levels, skipped = factor
            codes = pd.Categorical(col, categories=levels).codes.astype(np.int64) - skipped
            ok = codes >= 0
            values[rows[ok], j + codes[ok]] = 1.0
        names.extend(col_names)
        source.extend([cov] * len(col_names))
        j += len(col_names)
    return DesignMatrix(values=values, names=tuple(names), source=tuple(source))


def treatment_vector(data: pd.DataFrame, treatment: str) -> np.ndarray:
    """The treatment column as an int array of 0/1, or a :class:`TreatmentError`."""
    if treatment not in data.columns:
        raise TreatmentError(f"treatment column '{treatment}' is not in the data")
    col = data[treatment]
    if col.isna().any():
        raise TreatmentError(
            f"treatment column '{treatment}' has {int(col.isna().sum())} missing values"
        )
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=int)
    values = pd.unique(col)
    ok = pd.api.types.is_numeric_dtype(col) and set(np.asarray(values, dtype=float)) <= {0.0, 1.0}
    if not ok:
        shown = ", ".join(map(repr, sorted(map(str, values))[:5]))
        raise TreatmentError(
            f"treatment column '{treatment}' must be coded 0/1; found values {shown}"
        )
    t = col.to_numpy(dtype=float).astype(int)
    if t.min() == t.max():
        raise TreatmentError(
            f"treatment column '{treatment}' has only {'treated' if t[0] else 'control'} units"
        )
    return t


def check_covariates(data: pd.DataFrame, covariates: Sequence[str]) -> None:
    """Refuse unknown covariates and covariates that take a single value."""
    if len(covariates) == 0:
        raise MatchingError("no covariates given")
    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise MatchingError(f"covariates not in the data: {', '.join(missing)}")
    if len(set(covariates)) != len(covariates):
        raise MatchingError("a covariate is listed twice")
    for cov in covariates:
        col = data[cov]
        values = None
        if not is_factor(col):
            values = col.to_numpy(dtype=float)
            if np.isinf(values).any():
                raise MatchingError(f"covariate '{cov}' has infinite values")
        constant = (
            np.nanmin(values) == np.nanmax(values) if not is_factor(col) else col.nunique(dropna=True) < 2
        )
        if constant:
            raise NoVariationError(
                f"covariate '{cov}' has no variation (every row is {col.iloc[0]!r})"
            )


def missing_rows(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Boolean mask of rows with a missing value in any of ``columns``."""
    if not columns:
        return np.zeros(len(data), dtype=bool)
    return data[list(columns)].isna().any(axis=1).to_numpy()


def complete_cases(
    data: pd.DataFrame, columns: Sequence[str], *, drop_missing: bool
) -> np.ndarray:
    """Rows usable for matching; refuses missing values unless ``drop_missing``.

    Returns the boolean mask of kept rows.  Missing values are never dropped
    silently: without ``drop_missing`` a :class:`MissingCovariateError` names the
    columns and the number of rows; with it, the count is kept by the caller.
    """
    unknown = [c for c in columns if c not in data.columns]
    if unknown:
        raise MatchingError(f"covariates not in the data: {', '.join(unknown)}")
    miss = missing_rows(data, columns)
    if miss.any() and not drop_missing:
        per_col = data[list(columns)].isna().sum()
        detail = ", ".join(f"{c} ({int(k)})" for c, k in per_col.items() if k > 0)
        raise MissingCovariateError(
            f"{int(miss.sum())} rows have missing covariate values ({detail}); "
            "pass drop_missing=True (--drop-missing) to drop them"
        )
    return ~miss
