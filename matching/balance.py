"""Balance diagnostics before and after matching, as ``summary.matchit`` reports them.

For each covariate column (factors expanded to one column per level) and the
distance:

* standardised mean difference, ``(mean_t - mean_c) / s_t`` with ``s_t`` the
  treated-group SD (the ATT convention; ``sqrt(p(1-p))`` for binary columns), the
  same denominator before and after matching (Stuart 2010, Statistical Science
  25(1), sec. 6.1; Austin 2009, Stat. Med. 28, eq. 1);
* variance ratio (treated / control, weighted; not for binary columns);
* mean and maximum distance between the weighted empirical CDFs of the two
  groups (for binary columns both equal the absolute difference in proportions);
* standardised mean absolute within-pair (within-stratum) difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_SQRT_EPS = np.sqrt(np.finfo(float).eps)


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(x * w) / np.sum(w))


def weighted_variance(x: np.ndarray, w: np.ndarray, binary: bool) -> float:
    """Reliability-weighted variance (``cov.wt``); ``p(1-p)`` for binary columns."""
    w = w / np.sum(w)
    mx = float(np.sum(w * x))
    if binary:
        return mx * (1.0 - mx)
    return float(np.sum(w * (x - mx) ** 2) / (1.0 - np.sum(w**2)))


def _pooled_sd(x: np.ndarray, t: np.ndarray, binary: bool) -> float:
    n = x.size
    if binary:
        v = 0.0
        for g in np.unique(t):
            xi = x[t == g]
            s = xi.sum()
            v += s * (1 - s / xi.size) / n
        return float(np.sqrt(v))
    xc = x.copy()
    for g in np.unique(t):
        xc[t == g] -= x[t == g].mean()
    return float(np.sqrt(np.sum(xc**2) / (n - np.unique(t).size)))


def ecdf_stats(x: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Mean and max absolute gap between the groups' weighted eCDFs (``qqsum``).

    The gap is evaluated at every distinct value of ``x`` in the sample (including
    units with weight zero), as MatchIt does.
    """
    w = w.astype(float).copy()
    for g in (0, 1):
        m = t == g
        w[m] = w[m] / w[m].sum()
    order = np.argsort(x, kind="stable")
    xo, wo, to = x[order], w[order], t[order]
    wo = np.where(to == to[0], -wo, wo)
    gaps = np.abs(np.cumsum(wo))[np.append(np.diff(xo) != 0, True)]
    return float(gaps.mean()), float(gaps.max())


def _pair_distance_subclass(x: np.ndarray, t: np.ndarray, sub: np.ndarray) -> float:
    """Mean |x_t - x_c| over all treated-control pairs sharing a subclass."""
    m = sub > 0
    x, t, sub = x[m], t[m], sub[m]
    order = np.lexsort((x, sub))
    x, t, sub = x[order], t[order], sub[order]
    is_c = (t == 0).astype(float)
    # controls below each unit within its subclass: counts and sums (by cumsum)
    start = np.r_[0, np.flatnonzero(np.diff(sub)) + 1]
    seg = np.repeat(np.arange(start.size), np.diff(np.r_[start, x.size]))
    cum_n = np.cumsum(is_c)
    cum_s = np.cumsum(is_c * x)
    off_n = np.r_[0.0, cum_n][start][seg]
    off_s = np.r_[0.0, cum_s][start][seg]
    below_n = cum_n - off_n - is_c  # strictly before in sort order
    below_s = cum_s - off_s - is_c * x
    tot_n = np.bincount(seg, weights=is_c)[seg]
    tot_s = np.bincount(seg, weights=is_c * x)[seg]
    above_n, above_s = tot_n - below_n - is_c, tot_s - below_s - is_c * x
    tr = t == 1
    total = np.sum(x[tr] * below_n[tr] - below_s[tr] + above_s[tr] - x[tr] * above_n[tr])
    pairs = np.sum(below_n[tr] + above_n[tr])
    return float(total / pairs) if pairs > 0 else np.nan


def _pair_distance_mm(x: np.ndarray, mm: np.ndarray, treated: np.ndarray) -> float:
    rows, cols = np.nonzero(mm >= 0)
    return float(np.mean(np.abs(x[treated[rows]] - x[mm[rows, cols]])))


def balance_row(
    x: np.ndarray,
    t: np.ndarray,
    w: np.ndarray | None,
    *,
    subclass: np.ndarray | None = None,
    match_matrix: np.ndarray | None = None,
    treated_index: np.ndarray | None = None,
) -> dict[str, float]:
    """One covariate's balance statistics (``bal1var`` with ``standardize = TRUE``).

    ``w = None`` gives the unmatched sample.  Returns means_treated, means_control,
    smd, var_ratio, ecdf_mean, ecdf_max, std_pair_dist.
    """
    un = w is None
    ww = np.ones(x.size) if un else np.asarray(w, dtype=float)
    binary = bool(np.all((x == 0) | (x == 1)))
    i1, i0 = t == 1, t == 0
    too_small = np.sum(ww[i1] != 0) < 2 and np.sum(ww[i0] != 0) < 2
    m1, m0 = _wmean(x[i1], ww[i1]), _wmean(x[i0], ww[i0])
    out = {
        "means_treated": m1,
        "means_control": m0,
        "smd": np.nan,
        "var_ratio": np.nan,
        "ecdf_mean": np.nan,
        "ecdf_max": np.nan,
        "std_pair_dist": np.nan,
    }
    mdiff = m1 - m0
    std = None
    if abs(mdiff) > _SQRT_EPS:
        if not too_small:
            std = np.sqrt(weighted_variance(x[i1], np.ones(int(i1.sum())), binary))
            if not np.isfinite(std) or std < _SQRT_EPS:
                std = _pooled_sd(x, t, binary)
            out["smd"] = mdiff / std
    else:
        out["smd"] = mdiff
    if not un and (std is not None or abs(mdiff) <= _SQRT_EPS):
        if subclass is not None:
            pd_ = _pair_distance_subclass(x, t, subclass)
        elif match_matrix is not None:
            pd_ = _pair_distance_mm(x, match_matrix, treated_index)
        else:
            pd_ = np.nan
        if std is not None and abs(pd_) > 1e-8:
            pd_ = pd_ / std
        out["std_pair_dist"] = pd_
    if binary:
        out["ecdf_mean"] = out["ecdf_max"] = abs(mdiff)
    elif not too_small:
        # As R: a control group without variance gives Inf (or NaN for 0/0), not an error.
        with np.errstate(divide="ignore", invalid="ignore"):
            out["var_ratio"] = float(
                np.float64(weighted_variance(x[i1], ww[i1], False))
                / np.float64(weighted_variance(x[i0], ww[i0], False))
            )
        out["ecdf_mean"], out["ecdf_max"] = ecdf_stats(x, t, ww)
    return out


def balance_table(
    columns: dict[str, np.ndarray],
    t: np.ndarray,
    w: np.ndarray | None,
    *,
    subclass: np.ndarray | None = None,
    match_matrix: np.ndarray | None = None,
    treated_index: np.ndarray | None = None,
) -> pd.DataFrame:
    """Balance statistics for named columns; rows in the given order."""
    rows = []
    for name, x in columns.items():
        row = balance_row(
            np.asarray(x, dtype=float),
            t,
            w,
            subclass=subclass,
            match_matrix=match_matrix,
            treated_index=treated_index,
        )
        rows.append({"covariate": name, **row})
    return pd.DataFrame(rows)


def combine_before_after(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The tidy before/after frame returned by :meth:`MatchResults.balance`."""
    out = pd.DataFrame({"covariate": before["covariate"]})
    for stat, name in [
        ("means_treated", "mean_treated"),
        ("means_control", "mean_control"),
        ("smd", "smd"),
        ("var_ratio", "var_ratio"),
        ("ecdf_mean", "ecdf_mean"),
        ("ecdf_max", "ecdf_max"),
    ]:
        out[f"{name}_before"] = before[stat].to_numpy()
        out[f"{name}_after"] = after[stat].to_numpy()
    out["std_pair_dist_after"] = after["std_pair_dist"].to_numpy()
    return out
