"""The vectorised greedy matcher against a plain sequential replay of MatchIt's scan.

The oracle below walks outward from each treated unit one sorted position at a
time, exactly as MatchIt's C++ ``find_control_vec`` describes the search (lower
side first, caliper and "already worse than k found" stops, exact cells checked
after the distance tests), serving treated units one by one.  It is slow and
obviously sequential, which is what makes it a good reference for the vectorised
engine on data full of ties.
"""

import numpy as np
import pytest

from matching._heap import partial_sort
from matching.nearest import nearest_neighbor_match


def _select(found_d, found_id, k):
    n = len(found_d)
    if n <= 1:
        return found_id
    if n <= k and all(found_d[i] <= found_d[i + 1] for i in range(n - 1)):
        return found_id
    if n > k:
        _, ids = partial_sort(np.array([found_d]), np.array([found_id]), k)
        return ids[0].tolist()
    order = sorted(range(n), key=lambda i: found_d[i])
    return [found_id[i] for i in order]


def oracle(d, t, ratio=1, replace=False, caliper=None, strata=None, order="largest"):
    n = len(d)
    strata = np.zeros(n, int) if strata is None else strata
    cal = np.inf if caliper is None else caliper
    sort_all = np.argsort(d, kind="stable")
    pos = np.empty(n, int)
    pos[sort_all] = np.arange(n)
    treated = list(np.flatnonzero(t == 1))
    cells_t = set(strata[t == 1]) & set(strata[t == 0])
    eligible = np.array([strata[i] in cells_t for i in range(n)])
    mm = {i: [] for i in treated}

    def find(u, prev, k):
        ii = pos[u]
        if prev:
            starts = [pos[c] for c in prev] + [ii]
            lo, hi = min(starts), max(starts)
            if lo == ii:
                min_d = abs(d[u] - d[sort_all[hi]])
            elif hi == ii:
                min_d = abs(d[u] - d[sort_all[lo]])
            else:
                min_d = max(abs(d[u] - d[sort_all[lo]]), abs(d[u] - d[sort_all[hi]]))
        else:
            lo = hi = ii
            min_d = 0.0
        stop = {"l": False, "r": False}
        got = {"l": 0, "r": 0}
        found_d, found_id = [], []
        left = False
        while not (stop["l"] and stop["r"]):
            left = False if stop["l"] else True if stop["r"] else not left
            s = "l" if left else "r"
            if left:
                if lo <= 0 or got[s] == k:
                    stop[s] = True
                    continue
                lo -= 1
                z = sort_all[lo]
            else:
                if hi >= n - 1 or got[s] == k:
                    stop[s] = True
                    continue
                hi += 1
                z = sort_all[hi]
            if not eligible[z] or t[z] != 0 or z in prev:
                continue
            dc = abs(d[u] - d[z])
            if dc > cal:
                stop[s] = True
                continue
            if dc < min_d:
                continue
            if len(found_d) >= k and sum(x < dc for x in found_d) >= k:
                stop[s] = True
                continue
            if strata[z] != strata[u]:
                continue
            found_d.append(dc)
            found_id.append(z)
            got[s] += 1
            if got[s] == k:
                stop[s] = True
        return _select(found_d, found_id, k)

    if replace:
        for u in treated:
            if eligible[u]:
                mm[u] = find(u, [], ratio)
    else:
        td = d[treated]
        if order == "largest":
            service = [treated[i] for i in np.argsort(-td, kind="stable")]
        elif order == "smallest":
            service = [treated[i] for i in np.argsort(td, kind="stable")]
        else:
            service = list(treated)
        for _ in range(ratio):
            for u in service:
                if not eligible[u]:
                    continue
                got = find(u, mm[u], 1)
                if not got:
                    eligible[u] = False
                    continue
                mm[u].extend(got)
                eligible[got[0]] = False
    out = np.full((len(treated), ratio), -1)
    for r, u in enumerate(treated):
        out[r, : len(mm[u])] = mm[u]
    return out


def _data(seed, n=260, share=0.3, levels=6, n_strata=1):
    rng = np.random.default_rng(seed)
    # few distinct values: many exact ties between and within groups
    d = rng.integers(0, levels * 4, size=n) / (levels * 4.0)
    d = np.round(d + rng.choice([0, 0, 1e-3], size=n), 6)
    t = (rng.random(n) < share).astype(int)
    strata = rng.integers(0, n_strata, size=n)
    return d, t, strata


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(caliper=0.05),
        dict(ratio=2),
        dict(ratio=3, caliper=0.1),
        dict(replace=True),
        dict(replace=True, ratio=3),
        dict(replace=True, ratio=2, caliper=0.04),
        dict(order="data", ratio=2),
        dict(order="smallest", caliper=0.08),
    ],
)
@pytest.mark.parametrize("n_strata", [1, 3])
def test_engine_equals_sequential_oracle(seed, kw, n_strata):
    d, t, strata = _data(seed, n_strata=n_strata)
    kw = dict(kw)
    order = kw.pop("order", "largest")
    expected = oracle(d, t, strata=strata if n_strata > 1 else None, order=order, **kw)
    eligible = np.isin(strata, np.intersect1d(strata[t == 1], strata[t == 0]))
    got = nearest_neighbor_match(
        d, t, strata=strata if n_strata > 1 else None, eligible=eligible, m_order=order, **kw
    )
    np.testing.assert_array_equal(got, expected)


def test_many_treated_compete_for_few_controls():
    # more treated than controls: long chains of conflicting proposals
    d, t, _ = _data(11, n=300, share=0.7, levels=3)
    np.testing.assert_array_equal(nearest_neighbor_match(d, t, ratio=2), oracle(d, t, ratio=2))


def test_partial_sort_matches_libstdcxx(fixtures_dir):
    lines = (fixtures_dir / "libstdcxx_partial_sort_cases.txt").read_text().splitlines()[1:]
    by_shape: dict = {}
    for line in lines:
        v = line.split()
        n, k = int(v[0]), int(v[1])
        by_shape.setdefault((n, k), []).append(
            ([float(x) for x in v[2 : 2 + n]], [int(x) for x in v[2 + n :]])
        )
    for (n, k), rows in by_shape.items():
        keys = np.array([r[0] for r in rows])
        items = np.tile(np.arange(n), (len(rows), 1))
        _, chosen = partial_sort(keys, items, k)
        np.testing.assert_array_equal(chosen, np.array([r[1] for r in rows]))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 100, 513])
def test_availability_tree_queries(n):
    from matching.nearest import _Availability

    rng = np.random.default_rng(n)
    tree, alive = _Availability(n), np.ones(n, dtype=bool)
    idx = np.arange(n)
    for _ in range(25):
        gone = rng.choice(n, size=max(1, n // 20), replace=False)
        tree.remove(gone)
        alive[gone] = False
        q = rng.integers(-1, n + 1, size=40)
        left = np.array([idx[alive & (idx <= x)].max(initial=-1) for x in q])
        right = np.array([idx[alive & (idx >= x)].min(initial=n) for x in q])
        np.testing.assert_array_equal(tree.find_left(q), left)
        np.testing.assert_array_equal(tree.find_right(q), right)
        np.testing.assert_array_equal(tree.alive, alive)
