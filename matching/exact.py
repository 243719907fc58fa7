"""Exact and coarsened exact matching (stratum ids), with MatchIt's numbering.

Units sharing every covariate value (after coarsening, for CEM) form a stratum;
strata holding both treated and controls are kept.  Strata are numbered in the
order they first appear among the units of the treatment group of the first row,
as MatchIt's ``matchit2exact`` / ``matchit2cem`` number them.

Iacus, King and Porro (2012), "Causal Inference without Balance Checking:
Coarsened Exact Matching", Political Analysis 20(1), 1-24, sec. 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from matching.design import is_factor
from matching.errors import MatchingError, NoMatchError


def cell_codes(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Integer code of each row's combination of ``columns`` values (0..n_cells-1)."""
    if len(columns) == 0:
        return np.zeros(len(data), dtype=np.int64)
    frame = data[list(columns)].astype(object).reset_index(drop=True)
    return frame.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy(np.int64)


def strata_subclass(cells: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """MatchIt's subclass ids (1..S, 0 = unmatched) from cell codes."""
    first_group = treat[0]
    in_first = cells[treat == first_group]
    other = set(np.unique(cells[treat != first_group]).tolist())
    _, first_pos = np.unique(in_first, return_index=True)
    order = np.sort(first_pos)
    kept = [c for c in in_first[order] if c in other]
    if not kept:
        raise NoMatchError("no stratum holds both treated and control units")
    lookup = np.zeros(int(cells.max()) + 1, dtype=np.int64)
    lookup[np.asarray(kept)] = np.arange(1, len(kept) + 1)
    return lookup[cells]


def _signif(x: np.ndarray, digits: int) -> np.ndarray:
    with np.errstate(divide="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(x))))
    scale = 10.0 ** (digits - 1 - mag)
    return np.round(x * scale) / scale


def number_of_bins(x: np.ndarray, rule: str) -> int:
    """R's ``nclass.Sturges``, ``nclass.scott`` or ``nclass.FD``."""
    n = x.size
    if rule == "sturges":
        return int(np.ceil(np.log2(n) + 1))
    if rule == "scott":
        h = 3.5 * np.sqrt(np.var(x, ddof=1)) * n ** (-1 / 3)
        return int(max(1, np.ceil((x.max() - x.min()) / h))) if h > 0 else 1
    if rule == "fd":
        xs = _signif(x, 5)
        q1, q3 = np.quantile(xs, [0.25, 0.75])
        h = 2 * (q3 - q1)
        al = 1 / 4
        while h == 0 and (al := al / 2) >= 1 / 512:
            lo, hi = np.quantile(xs, [al, 1 - al])
            h = (hi - lo) / (1 - 2 * al)
        return int(max(1, np.ceil((x.max() - x.min()) / (h * n ** (-1 / 3))))) if h > 0 else 1
    raise MatchingError(f"unknown binning rule '{rule}' (use sturges, scott, fd, qN, a number or cut points)")


def coarsen(x: np.ndarray, cutpoints: object = "sturges") -> np.ndarray:
    """Bin a numeric covariate as MatchIt's in-house CEM does.

    ``cutpoints`` is a rule name (``"sturges"``, ``"scott"``, ``"fd"``), ``"qN"``
    for N quantile bins, a number of equal-width bins, or a sequence of cut points.
    Equal-width bins span the range with open outer ends; intervals are closed on
    the left (R's ``findInterval``).
    """
    x = np.asarray(x, dtype=float)
    if isinstance(cutpoints, str) and cutpoints.startswith("q") and cutpoints[1:].isdigit():
        q = int(cutpoints[1:])
        probs = np.arange(1, q) / q
        breaks = np.r_[-np.inf, np.unique(np.quantile(x, probs)), np.inf]
    else:
        if isinstance(cutpoints, str):
            bins = number_of_bins(x, cutpoints.lower())
        elif np.ndim(cutpoints) == 0:
            bins = int(cutpoints)  # type: ignore[arg-type]
            if bins < 1:
                raise MatchingError("the number of CEM bins must be at least 1")
        else:
            breaks = np.r_[-np.inf, np.unique(np.asarray(cutpoints, dtype=float)), np.inf]
            return np.searchsorted(breaks, x, side="right")
        lo, hi = x.min(), x.max()
        n1 = bins
        # seq(min, max, length = bins + 1) as R builds it, outer ends opened
        inner = lo + np.arange(1, n1) * ((hi - lo) / n1)
        breaks = np.r_[-np.inf, inner, np.inf]
    return np.searchsorted(breaks, x, side="right")


def cem_cells(
    data: pd.DataFrame,
    covariates: Sequence[str],
    cutpoints: Mapping[str, object] | object | None = None,
) -> np.ndarray:
    """Cell codes after coarsening numeric covariates (factors are kept as they are)."""
    if isinstance(cutpoints, Mapping):
        unknown = [k for k in cutpoints if k not in covariates]
        if unknown:
            raise MatchingError(f"cutpoints given for variables that are not CEM covariates: {', '.join(map(str, unknown))}")
    binned = {}
    for cov in covariates:
        col = data[cov]
        if is_factor(col):
            binned[cov] = col.astype(object).to_numpy()
            continue
        rule = cutpoints.get(cov, "sturges") if isinstance(cutpoints, Mapping) else (
            "sturges" if cutpoints is None else cutpoints
        )
        if not isinstance(rule, str) and np.ndim(rule) == 0 and rule == 0:
            binned[cov] = col.to_numpy(dtype=float)  # MatchIt: 0 = no coarsening (exact)
            continue
        binned[cov] = coarsen(col.to_numpy(dtype=float), rule)
    return cell_codes(pd.DataFrame(binned, index=data.index), list(covariates))
