"""Matched, stacked firm-year panels for staggered entry (matched-sample DiD).

For each entry cohort ``g`` (first membership year; 0 = never a member):

1. the baseline is year ``g - 1``: members of cohort ``g`` are the treated units,
   firms not yet members by ``g`` (never members, or joining after ``g``) the
   candidate controls;
2. members are matched to candidates on covariates measured at ``g - 1``
   (optionally with their one-year changes), exactly on industry, by
   :func:`matching.match` (nearest neighbour on a logit score, caliper in SDs);
3. the matched firms' rows for years ``g - pre_window .. g + post_window`` form
   stack ``g``; a control that joins later contributes only its years before its
   own entry, so no stack compares members with members.

The stacks are concatenated into one weighted firm-year panel for a two-way
fixed-effects DiD with stack-specific firm and year effects (Cengiz, Dube,
Lindner and Zipperer 2019, QJE 134(3), online appendix D, "stacked" design;
matching within stacks as in Heyman, Sjoholm and Tingvall 2007).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from matching.balance import balance_table, combine_before_after
from matching.design import model_matrix
from matching.errors import MatchingError, NoMatchError
from matching.match import MatchingWarning, match

STACK_COLUMNS = ("stack", "treated", "post", "event_time", "weight")


def _add_growth(panel: pd.DataFrame, id: str, time: str, growth: Sequence[str]) -> pd.DataFrame:
    """Add ``d_<col>`` = one-year change of each ``growth`` column (NaN if the year before is missing)."""
    if not growth:
        return panel
    p = panel.sort_values([id, time])
    prev_time = p.groupby(id, sort=False)[time].shift(1)
    consecutive = (p[time] - prev_time) == 1
    out = panel.copy()
    for col in growth:
        change = p[col] - p.groupby(id, sort=False)[col].shift(1)
        out.loc[p.index, f"d_{col}"] = change.where(consecutive)
    return out


def matched_cohort_panel(
    panel: pd.DataFrame,
    *,
    id: str,
    time: str,
    cohort: str,
    covariates: Sequence[str],
    exact: Sequence[str] = ("nace2",),
    ratio: int = 1,
    caliper: float | None = 0.2,
    replace: bool = False,
    pre_window: int = 4,
    post_window: int = 4,
    growth: Sequence[str] = (),
    link: str = "logit",
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match each entry cohort at ``g - 1`` and stack the matched firm-years.

    Parameters
    ----------
    panel : pandas.DataFrame
        Firm-year rows.
    id, time, cohort : str
        Firm id, year, and first membership year (0 = never) columns.
    covariates : sequence of str
        Matching covariates, measured in the baseline year ``g - 1``.
    exact : sequence of str
        Matched exactly (industry, e.g. ``nace2``).
    ratio, caliper, replace, link
        As in :func:`matching.match` (caliper in SDs of the score; ``None`` = none).
    pre_window, post_window : int
        Years kept before and from ``g`` on in each stack.
    growth : sequence of str
        Columns whose one-year change at ``g - 1`` (``d_<col>``) is matched on too.
    seed : int
        Passed to :func:`matching.match` (the default service order is deterministic).

    Returns
    -------
    stacked : pandas.DataFrame
        Columns ``stack`` (= cohort g), ``id``, ``time``, ``treated`` (1 for members
        of cohort g), ``post`` (time >= g), ``event_time`` (time - g), ``weight``
        (matching weight: 1 for members, normalised within stack for controls),
        then the original columns.  Sorted by stack, id, time.
    balance : pandas.DataFrame
        Per cohort (``cohort`` = g) and pooled over cohorts (``cohort`` = "all"):
        the :meth:`MatchResults.balance` columns plus ``n_treated``,
        ``n_treated_matched``, ``n_control``, ``n_control_matched``, ``n_dropped``.

    Raises
    ------
    MatchingError
        Missing columns, a cohort that varies within a firm, or no cohort matched.
    """
    covariates = list(covariates)
    exact = list(exact)
    growth = list(growth)
    needed = [id, time, cohort, *covariates, *exact, *growth]
    absent = sorted({c for c in needed if c not in panel.columns})
    if absent:
        raise MatchingError(f"panel columns not found: {', '.join(absent)}")
    if pre_window < 0 or post_window < 0:
        raise MatchingError("pre_window and post_window must be non-negative")
    if panel.duplicated([id, time]).any():
        raise MatchingError(f"panel has duplicate ({id}, {time}) rows")
    firm_cohort = panel.groupby(id, sort=False)[cohort].agg(["min", "max"])
    varying = firm_cohort["min"] != firm_cohort["max"]
    if varying.any():
        raise MatchingError(f"cohort column '{cohort}' varies within {int(varying.sum())} firms")

    work = _add_growth(panel, id, time, growth)
    match_covs = covariates + [f"d_{c}" for c in growth]
    cohorts = sorted(int(g) for g in pd.unique(work[cohort]) if g > 0)

    stacks, balances, baselines = [], [], []
    for g in cohorts:
        base = work[(work[time] == g - 1) & ((work[cohort] == g) | (work[cohort] == 0) | (work[cohort] > g))]
        base = base.assign(_treated=(base[cohort] == g).astype(int)).set_index(id, drop=False)
        n_members = int((firm_cohort["min"] == g).sum())
        n_base_t = int(base["_treated"].sum())
        if n_base_t < n_members:
            warnings.warn(
                f"cohort {g}: {n_members - n_base_t} of {n_members} members have no row in {g - 1} "
                "and cannot be matched",
                MatchingWarning,
                stacklevel=2,
            )
        if n_base_t == 0 or n_base_t == len(base):
            warnings.warn(f"cohort {g}: no treated or no control firms at baseline; skipped", MatchingWarning, stacklevel=2)
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", MatchingWarning)
                m = match(
                    base,
                    treatment="_treated",
                    covariates=match_covs,
                    exact=exact,
                    ratio=ratio,
                    caliper=caliper,
                    replace=replace,
                    link=link,
                    drop_missing=True,
                    seed=seed,
                )
            for w in caught:
                warnings.warn(f"cohort {g}: {w.message}", MatchingWarning, stacklevel=2)
        except NoMatchError as exc:
            warnings.warn(f"cohort {g}: {exc}; skipped", MatchingWarning, stacklevel=2)
            continue
        w = m.weights
        matched = w[w > 0]
        rows = work[work[id].isin(matched.index)]
        in_window = (rows[time] >= g - pre_window) & (rows[time] <= g + post_window)
        own = rows[cohort]
        clean = (own == g) | (own == 0) | (rows[time] < own)
        rows = rows[in_window & clean]
        stack = pd.DataFrame(
            {
                "stack": g,
                "treated": (rows[cohort] == g).astype(int).to_numpy(),
                "post": (rows[time] >= g).astype(int).to_numpy(),
                "event_time": (rows[time] - g).to_numpy(),
                "weight": rows[id].map(matched).to_numpy(),
            },
            index=rows.index,
        )
        stacks.append(pd.concat([stack, rows], axis=1))
        bal = m.balance()
        counts = m.counts()
        bal.insert(0, "cohort", str(g))
        bal["n_treated"] = m.n_treated
        bal["n_treated_matched"] = m.n_treated_matched
        bal["n_control"] = m.n_control
        bal["n_control_matched"] = m.n_control_matched
        bal["n_dropped"] = int(counts.loc["dropped_missing"].sum())
        balances.append(bal)
        keep = ~m.dropped.to_numpy()
        baselines.append(
            base.loc[keep, [*match_covs, *exact, "_treated"]].assign(
                _w=m.weights.to_numpy()[keep], _d=m.distance.to_numpy()[keep]
            )
        )
    if not stacks:
        raise NoMatchError("no entry cohort could be matched")

    stacked = pd.concat(stacks, ignore_index=True)
    front = ["stack", id, time, "treated", "post", "event_time", "weight"]
    rest = [c for c in stacked.columns if c not in front]
    stacked = stacked.loc[:, ~stacked.columns.duplicated()]
    stacked = stacked[front + [c for c in dict.fromkeys(rest)]]
    stacked = stacked.sort_values(["stack", id, time], kind="stable").reset_index(drop=True)

    pooled = pd.concat(baselines, ignore_index=True)
    design = model_matrix(pooled, match_covs + [c for c in exact if c not in match_covs], intercept=False, all_levels=True)
    cols = {"distance": pooled["_d"].to_numpy()}
    cols.update({n: design.values[:, j] for j, n in enumerate(design.names)})
    t = pooled["_treated"].to_numpy()
    w = pooled["_w"].to_numpy()
    # pooled "after": matched weights; pair distances are per cohort, so not pooled
    bal_all = combine_before_after(balance_table(cols, t, None), balance_table(cols, t, w))
    bal_all.insert(0, "cohort", "all")
    bal_all["n_treated"] = int(t.sum())
    bal_all["n_treated_matched"] = int(((t == 1) & (w > 0)).sum())
    bal_all["n_control"] = int((t == 0).sum())
    bal_all["n_control_matched"] = int(((t == 0) & (w > 0)).sum())
    bal_all["n_dropped"] = int(sum(b["n_dropped"].iloc[0] for b in balances))
    balance = pd.concat([*balances, bal_all], ignore_index=True)
    return stacked, balance
