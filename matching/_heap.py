"""Row-wise emulation of libstdc++'s ``std::partial_sort`` (heap select + heap sort).

MatchIt's C++ matcher keeps the ``ratio`` closest of its candidate controls with
``std::partial_sort``, which is not stable: among controls at the same distance the
heap operations decide which are kept and in what order.  To reproduce MatchIt's
matches exactly, these functions replay GCC's ``__make_heap``, ``__adjust_heap``,
``__push_heap``, ``__pop_heap`` and ``__sort_heap`` on many rows at once (the
per-row branches become masks).  Arrays are ``(rows, n)``; ``key`` is compared with
``<``, ``item`` travels with it.
"""

from __future__ import annotations

import numpy as np


def _push_heap(key, item, rows, hole, top, vkey, vitem) -> None:
    parent = np.maximum((hole - 1) // 2, 0)
    while True:
        act = (hole > top) & (key[rows, parent] < vkey)
        if not act.any():
            break
        r = rows[act]
        key[r, hole[act]] = key[r, parent[act]]
        item[r, hole[act]] = item[r, parent[act]]
        hole = np.where(act, parent, hole)
        parent = np.maximum((hole - 1) // 2, 0)
    key[rows, hole] = vkey
    item[rows, hole] = vitem


def _adjust_heap(key, item, rows, hole, length: int, vkey, vitem) -> None:
    top = hole.copy()
    second = hole.copy()
    while True:
        act = second < (length - 1) // 2
        if not act.any():
            break
        s2 = 2 * (second + 1)
        s2c = np.where(act, s2, 0)
        pick_left = act & (key[rows, s2c] < key[rows, np.maximum(s2c - 1, 0)])
        s2 = np.where(pick_left, s2 - 1, s2)
        r = rows[act]
        key[r, hole[act]] = key[r, s2[act]]
        item[r, hole[act]] = item[r, s2[act]]
        hole = np.where(act, s2, hole)
        second = np.where(act, s2, second)
    if length % 2 == 0:
        act = second == (length - 2) // 2
        if act.any():
            s2 = 2 * (second + 1)
            r = rows[act]
            key[r, hole[act]] = key[r, s2[act] - 1]
            item[r, hole[act]] = item[r, s2[act] - 1]
            hole = np.where(act, s2 - 1, hole)
    _push_heap(key, item, rows, hole, top, vkey, vitem)


def _pop_heap(key, item, rows, length: int, result: int) -> None:
    vkey = key[rows, result].copy()
    vitem = item[rows, result].copy()
    key[rows, result] = key[rows, 0]
    item[rows, result] = item[rows, 0]
    _adjust_heap(key, item, rows, np.zeros(len(rows), dtype=np.int64), length, vkey, vitem)


def partial_sort(key: np.ndarray, item: np.ndarray, middle: int) -> tuple[np.ndarray, np.ndarray]:
    """``std::partial_sort(first, first + middle, last)`` applied to every row.

    Returns the first ``middle`` columns of ``key`` and ``item`` after the call.
    """
    key = np.array(key, dtype=float, copy=True)
    item = np.array(item, copy=True)
    nrow, n = key.shape
    all_rows = np.arange(nrow)
    # __make_heap(first, middle)
    if middle >= 2:
        parent = (middle - 2) // 2
        while True:
            hole = np.full(nrow, parent, dtype=np.int64)
            _adjust_heap(
                key, item, all_rows, hole, middle, key[:, parent].copy(), item[:, parent].copy()
            )
            if parent == 0:
                break
            parent -= 1
    # __heap_select: later elements smaller than the heap top replace it
    for i in range(middle, n):
        sel = all_rows[key[:, i] < key[:, 0]]
        if sel.size:
            _pop_heap(key, item, sel, middle, i)
    # __sort_heap(first, middle)
    last = middle
    while last > 1:
        last -= 1
        _pop_heap(key, item, all_rows, last, last)
    return key[:, :middle], item[:, :middle]
