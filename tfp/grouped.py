"""One production function per group (industry), with an explicit fallback for small or failed groups.

Each group (e.g. NACE 2-digit industry, or cluster classification for the study's robustness
check) gets its own elasticities.  A group with fewer than ``min_obs`` complete observations,
or whose estimation fails (proxy not invertible, optimiser not converging, singular design),
is assigned the estimate of its coarser group (``fallback_group``, e.g. NACE section), and if
that fails too, the estimate pooled over all the data.  Every such decision is logged and
flagged in both output frames: no firm ever drops out of the TFP panel because its industry
could not be estimated.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._display import Display, formatted
from .api import estimate
from .exceptions import TFPError, TFPInputError
from .results import ProductionFunctionResults

log = logging.getLogger("tfp")

POOLED = "(all)"


@dataclass(frozen=True)
class GroupedProductionFunction:
    """Production functions estimated by group.

    Attributes
    ----------
    results : dict
        ``{estimation unit: ProductionFunctionResults}``; units are group values, fallback
        (coarser) group values prefixed ``"<fallback_group>="``, and ``"(all)"`` for the pool.
    assignments : DataFrame
        One row per group: ``group``, ``group_used``, ``fallback_used``, ``fallback_reason``,
        ``group_n_obs``, ``group_n_firms``.
    elasticities : DataFrame
        Tidy: ``group, term, estimate, std_error, n_obs, n_firms, method, converged,
        group_used, fallback_used, fallback_reason`` (terms: the production terms, controls and
        ``returns_to_scale``).
    tfp : DataFrame
        Every input row (same index as the data): id, time, ``group``, ``group_used``,
        ``fallback_used``, ``log_tfp``, ``log_tfp_net_of_noise``, ``returns_to_scale``,
        ``elasticity_<input>``.
    """

    method: str
    group: str
    results: dict[str, ProductionFunctionResults] = field(repr=False)
    assignments: pd.DataFrame = field(repr=False)
    elasticities: pd.DataFrame = field(repr=False)
    tfp: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.elasticities

    def summary(self) -> str:
        wide = self.elasticities.pivot_table(index="group", columns="term", values="estimate", sort=False)
        info = self.assignments.set_index("group")[["group_used", "group_n_obs", "fallback_used"]]
        n_fb = int(info["fallback_used"].sum())
        head = (f"Production functions by {self.group}: {self.method}, {len(info)} groups, "
                f"{n_fb} using a fallback estimate")
        return head + "\n" + wide.join(info).to_string(float_format=lambda v: f"{v:.4f}")

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        info = self.assignments.set_index("group")[["group_used", "group_n_obs", "fallback_used"]]
        wide = self.elasticities.pivot_table(index="group", columns="term", values="estimate", sort=False)
        table = formatted(wide.join(info).reset_index())
        return Display(title=f"Production functions by {self.group}: {self.method}",
                       facts=[("Groups", str(len(info))), ("Using a fallback estimate", str(int(info["fallback_used"].sum())))],
                       tables=[("", table)]).html()


def _seed_for(seed: int, unit: str) -> int:
    """Seed of one unit's bootstrap, from the user's seed and the unit's name (so results do
    not depend on the order or the process in which units are estimated)."""
    return int(np.random.SeedSequence([seed, zlib.crc32(unit.encode())]).generate_state(1)[0])


def _fit_unit(unit: str, data: pd.DataFrame, kwargs: dict) -> ProductionFunctionResults | TFPError:
    try:
        return estimate(data, label=unit, seed=_seed_for(kwargs.pop("seed"), unit), **kwargs)
    except TFPError as exc:
        return exc


def _fit_many(tasks: list[tuple[str, pd.DataFrame, dict]], n_jobs: int) -> dict:
    if n_jobs <= 1 or len(tasks) < 2:
        return {u: _fit_unit(u, d, dict(k)) for u, d, k in tasks}
    # largest first, so the longest fits do not end up last on one worker
    tasks = sorted(tasks, key=lambda t: -len(t[1]))
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        futures = {u: pool.submit(_fit_unit, u, d, dict(k)) for u, d, k in tasks}
        return {u: f.result() for u, f in futures.items()}


def estimate_by_group(
    data: pd.DataFrame,
    *,
    group: str,
    id: str,
    time: str,
    output: str,
    free: str | Sequence[str],
    state: str | Sequence[str],
    proxy: str | None = None,
    method: str = "acf",
    fallback_group: str | None = None,
    min_obs: int = 300,
    controls: str | Sequence[str] = (),
    translog: bool = False,
    value_added: bool = True,
    poly_degree: int = 2,
    exit: bool = False,
    bootstrap: int = 0,
    seed: int = 0,
    n_jobs: int = 1,
    take_logs: bool = False,
    prodest_compat: bool = False,
    max_nfev: int | None = None,
    overidentify: bool = False,
) -> GroupedProductionFunction:
    """Estimate one production function per value of ``group`` (see :func:`tfp.estimate`).

    Parameters
    ----------
    group : str
        Column defining the groups (industry).
    fallback_group : str, optional
        Coarser grouping used for groups that are too small or fail; each group must lie
        within one fallback group.  Without it, or if that fails too, the estimate pooled
        over all rows is used.
    min_obs : int
        Minimum complete observations for a group (or fallback group) to get its own estimate.
    n_jobs : int
        Processes over which groups are estimated (bootstrap replications then run serially
        inside each group).  Results do not depend on ``n_jobs``: each group's bootstrap seed
        derives from ``seed`` and the group's name.
    Other parameters are those of :func:`tfp.estimate`.

    Returns
    -------
    GroupedProductionFunction
    """
    for c in (group, fallback_group):
        if c is not None and c not in data.columns:
            raise TFPInputError(f"group column '{c}' not found in the data")
    original_index = data.index
    data = data.reset_index(drop=True)  # positional labels: the caller's index may repeat
    kwargs = dict(id=id, time=time, output=output, free=free, state=state, proxy=proxy, method=method,
                  controls=controls, translog=translog, value_added=value_added, poly_degree=poly_degree,
                  exit=exit, bootstrap=bootstrap, seed=seed, n_jobs=1, take_logs=take_logs, min_obs=min_obs,
                  prodest_compat=prodest_compat, max_nfev=max_nfev, overidentify=overidentify)
    gkey = data[group].astype("string")
    names = sorted(gkey.dropna().unique())
    n_complete = _complete_rows(data, kwargs)
    counts = pd.DataFrame({"g": gkey, "ok": n_complete, "firm": data[id]})
    group_n = counts[counts["ok"]].groupby("g")["firm"].agg(["size", "nunique"])

    # 1. each group on its own (too-small groups are not even tried)
    tasks, reasons = [], {}
    for g in names:
        n = int(group_n["size"].get(g, 0))
        if n < min_obs:
            reasons[g] = f"{n} complete observations, fewer than min_obs={min_obs}"
        else:
            tasks.append((g, data[_mask(gkey, g)], kwargs))
    fits = _fit_many(tasks, n_jobs)
    for g, res in fits.items():
        if isinstance(res, TFPError):
            reasons[g] = str(res)

    # 2. failed groups: their coarser group, then the pool
    used = {g: g for g in names if g not in reasons}
    if reasons and fallback_group is not None:
        coarse_of = {}
        for g in reasons:
            vals = data.loc[_mask(gkey, g), fallback_group].dropna().astype(str)
            if vals.nunique() > 1:
                raise TFPInputError(f"group {g!r} spans several {fallback_group} values: {sorted(vals.unique())}")
            if len(vals):
                coarse_of[g] = vals.iloc[0]
        ckey = data[fallback_group].astype("string")
        ctasks, cfailed = [], {}
        for c in sorted(set(coarse_of.values())):
            unit = f"{fallback_group}={c}"
            rows = _mask(ckey, c)
            n = int((rows & n_complete).sum())
            if n >= min_obs:
                ctasks.append((unit, data[rows], kwargs))
            else:
                cfailed[unit] = f"{n} complete observations, fewer than min_obs={min_obs}"
        cfits = _fit_many(ctasks, n_jobs)
        cfailed.update({u: str(r) for u, r in cfits.items() if isinstance(r, TFPError)})
        for g, c in coarse_of.items():
            unit = f"{fallback_group}={c}"
            res = cfits.get(unit)
            if isinstance(res, ProductionFunctionResults):
                used[g] = unit
                fits[unit] = res
            else:
                reasons[g] += f"; {unit} not usable either ({cfailed[unit]})"
    if any(g not in used for g in names) or gkey.isna().any():
        pooled = _fit_unit(POOLED, data, dict(kwargs))
        if isinstance(pooled, TFPError):
            raise TFPError(f"groups {[g for g in names if g not in used]} could not be estimated and the "
                           f"pooled fallback failed too: {pooled}")
        fits[POOLED] = pooled
        for g in names:
            used.setdefault(g, POOLED)
    for g, reason in reasons.items():
        log.warning("tfp: %s=%s not estimated on its own (%s); using the estimate for %s",
                    group, g, reason, used[g])

    results = {u: r for u, r in fits.items() if isinstance(r, ProductionFunctionResults)}
    assignments = pd.DataFrame({
        "group": names,
        "group_used": [used[g] for g in names],
        "fallback_used": [g in reasons for g in names],
        "fallback_reason": [reasons.get(g) for g in names],
        "group_n_obs": [int(group_n["size"].get(g, 0)) for g in names],
        "group_n_firms": [int(group_n["nunique"].get(g, 0)) for g in names],
    })
    tfp = _tfp_panel(data, gkey, used, results)
    tfp.index = original_index
    return GroupedProductionFunction(
        method=method, group=group, results=results, assignments=assignments,
        elasticities=_elasticity_table(assignments, results), tfp=tfp,
    )


def _mask(key: pd.Series, value: str) -> np.ndarray:
    """Rows whose key equals ``value`` (missing keys never match)."""
    return (key == value).fillna(False).to_numpy(dtype=bool)


def _complete_rows(data: pd.DataFrame, kw: dict) -> np.ndarray:
    from .panel import as_list

    cols = [kw["output"], *as_list(kw["free"]), *as_list(kw["state"]), *as_list(kw["controls"])]
    if kw["proxy"]:
        cols.append(kw["proxy"])
    cols = [c for c in cols if c in data.columns]
    return data[cols].apply(pd.to_numeric, errors="coerce").notna().all(axis=1).to_numpy()


def _elasticity_table(assignments: pd.DataFrame, results: dict) -> pd.DataFrame:
    frames = []
    for row in assignments.itertuples(index=False):
        r = results[row.group_used]
        t = pd.DataFrame({"term": r.params.index, "estimate": r.params.to_numpy(),
                          "std_error": r.std_errors.to_numpy()})
        if not r.spec.translog:
            t = pd.concat([t, pd.DataFrame({"term": ["returns_to_scale"], "estimate": [r.returns_to_scale],
                                            "std_error": [r.returns_to_scale_std_error]})])
        t.insert(0, "group", row.group)
        t["n_obs"], t["n_firms"], t["method"], t["converged"] = r.n_obs, r.n_firms, r.method, r.converged
        t["group_used"] = row.group_used
        t["fallback_used"], t["fallback_reason"] = row.fallback_used, row.fallback_reason
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def _tfp_panel(data: pd.DataFrame, gkey: pd.Series, used: dict, results: dict) -> pd.DataFrame:
    parts = []
    unit_of_row = gkey.map(used).fillna(POOLED)
    for unit, rows in unit_of_row.groupby(unit_of_row, sort=False).groups.items():
        p = results[unit].productivity(data.loc[rows])
        p.insert(2, "group", gkey.loc[rows].to_numpy())
        p.insert(3, "group_used", unit)
        p.insert(4, "fallback_used", unit != gkey.loc[rows].fillna("").to_numpy())
        parts.append(p)
    return pd.concat(parts).loc[data.index]
