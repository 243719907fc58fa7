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
same when *other* controls are taken.  So the waiting units (a window at the
head of the service queue) propose their choices at once, the longest prefix of
distinct proposals is committed, and only units whose proposal was taken propose
again.  This gives
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

    A perfect binary tree of "any available below this node" flags, stored level
    by level in one flat array, so that a batch of queries costs ``2 log2(n)``
    array operations whatever the pattern of removed controls.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.depth = max(1, int(np.ceil(np.log2(max(n, 2)))))
        sizes = [1 << (self.depth - k) for k in range(self.depth + 1)]
        self.offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.flat = np.zeros(int(np.sum(sizes)), dtype=bool)
        self.flat[:n] = True
        for k in range(1, self.depth + 1):
            child = self.flat[self.offset[k - 1] : self.offset[k - 1] + sizes[k - 1]]
            self.flat[self.offset[k] : self.offset[k] + sizes[k]] = child[0::2] | child[1::2]
        self.alive = self.flat[:n]  # view

    def remove(self, j: np.ndarray) -> None:
        self.flat[j] = False
        x = np.unique(j)
        for k in range(1, self.depth + 1):
            x = np.unique(x >> 1)
            lo = self.offset[k - 1] + 2 * x
            self.flat[self.offset[k] + x] = self.flat[lo] | self.flat[lo + 1]

    def _find(self, j: np.ndarray, left: bool) -> np.ndarray:
        flat, off = self.flat, self.offset
        j = np.minimum(j, self.n - 1) if left else np.maximum(j, 0)
        valid = (j >= 0) & (j < self.n)
        x = np.where(valid, j, 0)
        hit = valid & flat[x]
        level = np.where(hit, 0, -1)
        node = np.where(hit, x, 0)
        pending = valid & ~hit
        # climb: the nearest non-empty sibling subtree on the searched side
        for k in range(self.depth):
            if not pending.any():
                break
            width = 1 << (self.depth - k)
            if left:
                sib = x - 1
                ok = pending & ((x & 1) == 1)
            else:
                sib = x + 1
                ok = pending & ((x & 1) == 0) & (sib < width)
            sib_c = np.minimum(np.maximum(sib, 0), width - 1)
            ok &= flat[off[k] + sib_c]
            level = np.where(ok, k, level)
            node = np.where(ok, sib_c, node)
            pending &= ~ok
            x = x >> 1
        # descend to the extreme available leaf of that subtree
        found = level >= 0
        for _ in range(self.depth):
            act = found & (level > 0)
            if not act.any():
                break
            lv = np.maximum(level - 1, 0)
            near = 2 * node + (1 if left else 0)  # child nearest to the query
            take_near = flat[off[lv] + np.where(act, near, 0)]
            child = np.where(take_near, near, 2 * node + (0 if left else 1))
            node = np.where(act, child, node)
            level = np.where(act, level - 1, level)
        return np.where(found, node, -1 if left else self.n)

    def find_left(self, j: np.ndarray) -> np.ndarray:
        """Largest available index <= j (-1 if none)."""
        return self._find(j, True)

    def find_right(self, j: np.ndarray) -> np.ndarray:
        """Smallest available index >= j (n if none)."""
        return self._find(j, False)


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
        head, width = 0, 256
        # Work on a window at the head of the queue so that each pass costs in
        # proportion to what it can commit, even when most proposals collide.
        while head < queue.size:
            end = min(head + width, queue.size)
            pw = prop[head:end]  # view: updates land in prop
            stale = (pw == -2) | ((pw >= 0) & ~avail.alive[np.maximum(pw, 0)])
            if stale.any():
                pw[stale] = propose(queue[head:end][stale])
            # units without a candidate never get one later; they never collide
            keyed = np.where(pw >= 0, pw, -3 - np.arange(pw.size))
            j = _first_repeat(keyed)
            who, take = queue[head : head + j], prop[head : head + j]
            got = take >= 0
            failed[who[~got]] = True
            who, take = who[got], take[got]
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
            width = min(2 * width, 1 << 16) if j == end - head else max(64, 4 * j)
            head += j
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
