"""Greedy nearest-neighbour matching on a scalar distance, with MatchIt's semantics.

This reproduces ``MatchIt::matchit(method = "nearest")`` (version 4.7.2, C++
routine ``nn_matchC_vec``) decision for decision:

* all units are sorted by distance with a stable sort; a treated unit searches
  outward from its own position, alternating one step below and one step above
  (below first), and keeps on each side the first eligible control of its exact
  stratum within the caliper;
* of the candidates found, the closest wins; at equal distance the one found
  first (fewer steps, the lower side on a draw) wins, and with ``ratio > 1`` and
  replacement the ``ratio`` closest are chosen by ``std::partial_sort``, whose
  (unstable) handling of ties is replayed by :mod:`matching._heap`;
* without replacement, treated units are served in ``m_order`` (default: largest
  distance first), one control per round for ``ratio`` rounds; in round ``r`` the
  search starts outside the controls already matched to that unit.

Greedy matching is sequential, but it need not be computed one unit at a time:
a unit's choice depends only on the controls still available, and it stays the
same when *other* controls are taken.  So every waiting unit proposes its choice
at once, the longest prefix (in service order) of distinct proposals is
committed, and only units whose proposal was taken propose again.  This gives
exactly the sequential result with whole-array operations.

References: Ho, Imai, King and Stuart (2011), "MatchIt: Nonparametric
Preprocessing for Parametric Causal Inference", Journal of Statistical Software
42(8), sec. 3.2; Rosenbaum and Rubin (1985), The American Statistician 39(1).
"""

from __future__ import annotations

import numpy as np

from matching._heap import partial_sort


class _Availability:
    """Controls still available, with "nearest available at or below/above j" queries.

    Union-find style pointers: a removed control points to its neighbour, and
    queries compress the paths they walk.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.alive = np.ones(n, dtype=bool)
        self.left = np.arange(n)
        self.right = np.arange(n)

    def remove(self, j: np.ndarray) -> None:
        self.alive[j] = False
        self.left[j] = j - 1
        self.right[j] = j + 1

    def _find(self, pointers: np.ndarray, j: np.ndarray, sentinel_ok) -> np.ndarray:
        res = j.copy()
        while True:
            ok = sentinel_ok(res)
            nxt = res.copy()
            nxt[ok] = pointers[res[ok]]
            if np.array_equal(nxt, res):
                break
            # path halving: let walked nodes skip ahead next time
            walked = ok & (nxt != res)
            pointers[res[walked]] = nxt[walked]
            res = nxt
        ok = sentinel_ok(j)
        pointers[j[ok]] = res[ok]
        return res

    def find_left(self, j: np.ndarray) -> np.ndarray:
        """Largest available index <= j (-1 if none)."""
        return self._find(self.left, j, lambda r: r >= 0)

    def find_right(self, j: np.ndarray) -> np.ndarray:
        """Smallest available index >= j (n if none)."""
        return self._find(self.right, j, lambda r: r < self.n)


def _choose(
    dist_l: np.ndarray,
    step_l: np.ndarray,
    id_l: np.ndarray,
    dist_r: np.ndarray,
    step_r: np.ndarray,
    id_r: np.ndarray,
    caliper: float,
    k: int,
) -> np.ndarray:
    """Replay ``find_control_vec``'s scan over per-side candidates; return chosen ids.

    Inputs are ``(rows, k)``: the ``k`` nearest eligible same-stratum candidates on
    each side, nearest first, ``id = -1`` where a side has run out.  Returns
    ``(rows, k)`` chosen ids (``-1`` padding) in MatchIt's output order.
    """
    rows = dist_l.shape[0]
    r_idx = np.arange(rows)
    # event times of the alternating scan: lower side at odd, upper side at even steps
    times = np.concatenate(
        [np.where(id_l >= 0, 2 * step_l - 1, np.inf), np.where(id_r >= 0, 2 * step_r, np.inf)], axis=1
    )
    side = np.concatenate([np.zeros_like(id_l), np.ones_like(id_r)], axis=1)
    dist = np.concatenate([dist_l, dist_r], axis=1)
    ids = np.concatenate([id_l, id_r], axis=1)
    order = np.argsort(times, axis=1, kind="stable")
    times = np.take_along_axis(times, order, 1)
    side = np.take_along_axis(side, order, 1)
    dist = np.take_along_axis(dist, order, 1)
    ids = np.take_along_axis(ids, order, 1)

    stopped = np.zeros((rows, 2), dtype=bool)
    n_side = np.zeros((rows, 2), dtype=np.int64)
    pushed_d = np.full((rows, 2 * k), np.inf)
    pushed_id = np.full((rows, 2 * k), -1, dtype=np.int64)
    count = np.zeros(rows, dtype=np.int64)
    for e in range(2 * k):
        sd = side[:, e]
        dc = dist[:, e]
        active = np.isfinite(times[:, e]) & ~stopped[r_idx, sd]
        beyond = active & (dc > caliper)
        stopped[r_idx[beyond], sd[beyond]] = True
        active &= ~beyond
        closer = (pushed_d < dc[:, None]).sum(axis=1)
        worse = active & (count >= k) & (closer >= k)
        stopped[r_idx[worse], sd[worse]] = True
        push = active & ~worse
        pr = r_idx[push]
        pushed_d[pr, count[push]] = dc[push]
        pushed_id[pr, count[push]] = ids[push, e]
        count[push] += 1
        n_side[pr, sd[push]] += 1
        full = push & (n_side[r_idx, sd] == k)
        stopped[r_idx[full], sd[full]] = True

    out = np.full((rows, k), -1, dtype=np.int64)
    small = count <= k
    # at most k found: kept as found if already in order, else std::sort (insertion
    # sort for so few elements, hence stable)
    if small.any():
        d_s = pushed_d[small, :k]
        i_s = pushed_id[small, :k]
        o = np.argsort(d_s, axis=1, kind="stable")
        out[small] = np.take_along_axis(i_s, o, 1)
    for c in np.unique(count[~small]):
        sel = count == c
        _, chosen = partial_sort(pushed_d[sel, :c], pushed_id[sel, :c], k)
        out[sel] = chosen
    return out


def nearest_neighbor_match(
    distance: np.ndarray,
    treat: np.ndarray,
    *,
    ratio: int = 1,
    replace: bool = False,
    caliper: float | None = None,
    strata: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    m_order: str = "largest",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Greedy nearest-neighbour matching of treated (1) to control (0) units.

    Parameters
    ----------
    distance : (n,) float array
        Matching distance (propensity score or its linear predictor).
    treat : (n,) 0/1 array
    ratio : int
        Controls per treated unit.
    replace : bool
        Controls may be reused (MatchIt's ``replace = TRUE``; service order is then
        irrelevant).
    caliper : float, optional
        Maximum ``|distance_t - distance_c|`` on the distance scale (already
        multiplied by the SD if ``std.caliper``).
    strata : (n,) int array, optional
        Exact-matching cells; units only match within their cell.
    eligible : (n,) bool array, optional
        False for discarded units.
    m_order : {"largest", "smallest", "data", "random"}
    rng : numpy.random.Generator, optional
        Used by ``m_order = "random"``.

    Returns
    -------
    (n_treated, ratio) int array
        Row ``i`` is the ``i``-th treated unit in data order; entries are indices of
        matched controls into ``distance``, ``-1`` where unmatched.
    """
    d = np.asarray(distance, dtype=float)
    t = np.asarray(treat).astype(np.int8)
    n = d.size
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    eligible = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    cal = np.inf if caliper is None else float(caliper)

    sort_all = np.argsort(d, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[sort_all] = np.arange(n)

    ctrl = np.flatnonzero((t == 0) & eligible)
    ckey = strata[ctrl] * n + pos[ctrl]
    o = np.argsort(ckey, kind="stable")
    c_unit, c_key = ctrl[o], ckey[o]
    c_d, c_pos = d[c_unit], pos[c_unit]
    n_c = c_unit.size

    treated = np.flatnonzero(t == 1)
    n1 = treated.size
    t_d, t_pos, t_base = d[treated], pos[treated], strata[treated] * n
    seg_lo = np.searchsorted(c_key, t_base, side="left")
    seg_hi = np.searchsorted(c_key, t_base + n, side="left")

    mm = np.full((n1, ratio), -1, dtype=np.int64)
    if n_c == 0:
        return mm

    if replace:
        rows = np.flatnonzero(eligible[treated])
        jl = np.searchsorted(c_key, t_base[rows] + t_pos[rows], side="left") - 1
        jr = np.searchsorted(c_key, t_base[rows] + t_pos[rows], side="right")
        steps = np.arange(ratio)
        jls = jl[:, None] - steps
        jrs = jr[:, None] + steps
        ok_l = jls >= seg_lo[rows, None]
        ok_r = jrs < seg_hi[rows, None]
        jls_c = np.clip(jls, 0, n_c - 1)
        jrs_c = np.clip(jrs, 0, n_c - 1)
        chosen = _choose(
            t_d[rows, None] - c_d[jls_c],
            t_pos[rows, None] - c_pos[jls_c],
            np.where(ok_l, jls_c, -1),
            c_d[jrs_c] - t_d[rows, None],
            c_pos[jrs_c] - t_pos[rows, None],
            np.where(ok_r, jrs_c, -1),
            cal,
            ratio,
        )
        mm[rows] = np.where(chosen >= 0, c_unit[np.maximum(chosen, 0)], -1)
        return mm

    if m_order == "largest":
        service = np.argsort(-t_d, kind="stable")
    elif m_order == "smallest":
        service = np.argsort(t_d, kind="stable")
    elif m_order == "data":
        service = np.arange(n1)
    elif m_order == "random":
        service = (rng or np.random.default_rng(0)).permutation(n1)
    else:
        raise ValueError(f"unknown m_order '{m_order}'")
    failed = ~eligible[treated]
    lo = t_pos.copy()
    hi = t_pos.copy()
    min_dist = np.zeros(n1)
    avail = _Availability(n_c)

    def propose(q: np.ndarray) -> np.ndarray:
        base, lo_q, hi_q, m_q, d_q = t_base[q], lo[q], hi[q], min_dist[q], t_d[q]
        s_lo, s_hi = seg_lo[q], seg_hi[q]
        jl = np.searchsorted(c_key, base + lo_q, side="left") - 1
        jr = np.searchsorted(c_key, base + hi_q, side="right")
        if np.any(m_q > 0):
            jl = _last_true(lambda j: d_q - c_d[j] >= m_q, s_lo, jl)
            jr = _first_true(lambda j: c_d[j] - d_q >= m_q, jr, s_hi)
        cand_l = np.where(jl >= s_lo, avail.find_left(np.where(jl >= s_lo, jl, -1)), -1)
        cand_l = np.where(cand_l >= s_lo, cand_l, -1)
        cand_r = np.where(jr < s_hi, avail.find_right(np.where(jr < s_hi, jr, n_c)), n_c)
        cand_r = np.where(cand_r < s_hi, cand_r, -1)
        cl, cr = np.maximum(cand_l, 0), np.maximum(cand_r, 0)
        chosen = _choose(
            (d_q - c_d[cl])[:, None],
            (lo_q - c_pos[cl])[:, None],
            cand_l[:, None],
            (c_d[cr] - d_q)[:, None],
            (c_pos[cr] - hi_q)[:, None],
            cand_r[:, None],
            cal,
            1,
        )
        return chosen[:, 0]

    for r in range(ratio):
        queue = service[~failed[service]]
        prop = np.full(queue.size, -2, dtype=np.int64)
        while queue.size:
            redo = prop == -2
            if redo.any():
                prop[redo] = propose(queue[redo])
            none = prop == -1
            failed[queue[none]] = True
            queue, prop = queue[~none], prop[~none]
            if not queue.size:
                break
            j = _first_repeat(prop)
            who, take = queue[:j], prop[:j]
            mm[who, r] = c_unit[take]
            avail.remove(take)
            lo[who] = np.minimum(lo[who], c_pos[take])
            hi[who] = np.maximum(hi[who], c_pos[take])
            # the next round searches outside the matched controls, skipping any
            # control closer than the farthest extreme already matched
            d_lo = np.abs(t_d[who] - d[sort_all[lo[who]]])
            d_hi = np.abs(t_d[who] - d[sort_all[hi[who]]])
            min_dist[who] = np.where(
                lo[who] == t_pos[who], d_hi, np.where(hi[who] == t_pos[who], d_lo, np.maximum(d_lo, d_hi))
            )
            queue, prop = queue[j:], prop[j:]
            prop[~avail.alive[prop]] = -2
    return mm


def _first_repeat(values: np.ndarray) -> int:
    """Index of the first element equal to an earlier one (len if none)."""
    order = np.argsort(values, kind="stable")
    sv = values[order]
    dup = np.flatnonzero(sv[1:] == sv[:-1]) + 1
    return int(order[dup].min()) if dup.size else values.size


def _last_true(pred, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per row, the largest j in [lo, hi] with pred(j) true, pred monotone (true then false); lo-1 if none."""
    a, b = lo - 1, hi.copy()  # invariant: pred(a) true (or a = lo-1), answer in [a, b]
    while True:
        act = a < b
        if not act.any():
            return a
        mid = (a + b + 1) // 2
        ok = np.zeros(a.size, dtype=bool)
        ok[act] = _eval(pred, mid, act)
        a = np.where(act & ok, mid, a)
        b = np.where(act & ~ok, mid - 1, b)


def _first_true(pred, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per row, the smallest j in [lo, hi) with pred(j) true, pred monotone (false then true); hi if none."""
    a, b = lo.copy(), hi.copy()  # answer in [a, b]
    while True:
        act = a < b
        if not act.any():
            return a
        mid = (a + b) // 2
        ok = np.zeros(a.size, dtype=bool)
        ok[act] = _eval(pred, mid, act)
        b = np.where(act & ok, mid, b)
        a = np.where(act & ~ok, mid + 1, a)


def _eval(pred, j: np.ndarray, act: np.ndarray) -> np.ndarray:
    jj = np.where(act, j, 0)
    return np.asarray(pred(np.maximum(jj, 0)))[act]
