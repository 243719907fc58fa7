"""Matching weights and matched-set ids, as MatchIt computes them (ATT).

* From a match matrix (nearest neighbour): each matched treated unit gets 1 and
  each of its ``k`` controls gets ``1/k``, summed over the treated units a control
  serves (``weights_matrixC``).
* From strata (exact, CEM): treated get 1, controls ``n_treated_s / n_control_s``
  (``get_weights_from_subclass``).
* Then, within each treatment group, the positive weights are rescaled to average
  one (``matchit(normalize = TRUE)``).

Ho, Imai, King and Stuart (2011), J. Stat. Softw. 42(8), sec. 4; Iacus, King and
Porro (2012), Political Analysis 20(1), eq. (3) for the stratum weights.
"""

from __future__ import annotations

import numpy as np

from matching.errors import NoMatchError


def weights_from_match_matrix(mm: np.ndarray, treated: np.ndarray, n: int) -> np.ndarray:
    """Raw weights from ``mm`` (rows = ``treated`` indices, entries control indices or -1)."""
    w = np.zeros(n)
    has = mm[:, 0] >= 0
    k = (mm >= 0).sum(axis=1)
    w[treated[has]] += 1.0
    rows, cols = np.nonzero(mm >= 0)
    np.add.at(w, mm[rows, cols], 1.0 / k[rows])
    return w


def subclass_from_match_matrix(mm: np.ndarray, treated: np.ndarray, n: int) -> np.ndarray:
    """Pair/set ids (1, 2, ... in treated data order; 0 = unmatched), no replacement only."""
    sub = np.zeros(n, dtype=np.int64)
    has = mm[:, 0] >= 0
    ids = np.cumsum(has)
    sub[treated[has]] = ids[has]
    rows, cols = np.nonzero(mm >= 0)
    sub[mm[rows, cols]] = ids[rows]
    return sub


def weights_from_subclass(subclass: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """Raw ATT weights from stratum ids (0 = unmatched)."""
    n_sub = int(subclass.max()) if subclass.size else 0
    n_t = np.bincount(subclass[treat == 1], minlength=n_sub + 1).astype(float)
    n_c = np.bincount(subclass[treat == 0], minlength=n_sub + 1).astype(float)
    w = np.zeros(subclass.size)
    m = subclass > 0
    w[m & (treat == 1)] = 1.0
    ctrl = m & (treat == 0)
    w[ctrl] = (n_t / np.where(n_c > 0, n_c, 1.0))[subclass[ctrl]]
    return w


def normalize_weights(w: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """Rescale positive weights to average one within each treatment group."""
    out = w.copy()
    for g in (0, 1):
        m = (w > 0) & (treat == g)
        if m.any():
            out[m] = m.sum() * w[m] / w[m].sum()
    return out


def check_matched(w: np.ndarray, treat: np.ndarray, cause: str = "") -> None:
    """Raise :class:`NoMatchError` if no treated or no control unit was matched."""
    why = f" ({cause})" if cause else ""
    if not np.any(w[treat == 1] > 0):
        raise NoMatchError(f"no treated unit was matched{why}")
    if not np.any(w[treat == 0] > 0):
        raise NoMatchError(f"no control unit was matched{why}")


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0
