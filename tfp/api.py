"""``estimate``: one production function on a firm-year panel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from . import first_stage
from .bootstrap import run_bootstrap
from .diagnostics import check_proxy, exit_probability
from .exceptions import ConvergenceError, InsufficientDataError, TFPSpecificationError, where
from .fitting import fit_core, second_stage_start
from .panel import as_list, prepare_panel
from .results import ModelSpec, ProductionFunctionResults
from .spec import CONTROL_FUNCTION_METHODS, METHODS, WOOLDRIDGE_METHODS, FitConfig, canonical_method

PROXY_METHODS = (*CONTROL_FUNCTION_METHODS, *WOOLDRIDGE_METHODS)


def estimate(
    data: pd.DataFrame,
    *,
    id: str,
    time: str,
    output: str,
    free: str | Sequence[str],
    state: str | Sequence[str],
    proxy: str | None = None,
    method: str = "acf",
    controls: str | Sequence[str] = (),
    translog: bool = False,
    value_added: bool = True,
    poly_degree: int = 2,
    exit: bool = False,
    theta0: Sequence[float] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    n_jobs: int = 1,
    take_logs: bool = False,
    min_obs: int = 0,
    label: str | None = None,
    raise_on_failure: bool = True,
    prodest_compat: bool = False,
    max_nfev: int | None = None,
    overidentify: bool = False,
) -> ProductionFunctionResults:
    """Estimate a production function ``y = f(free, state; beta) + omega + eps``.

    Parameters
    ----------
    data : DataFrame
        Firm-year panel, one row per (``id``, ``time``); variables in logs unless
        ``take_logs``.
    id, time, output : str
        Firm identifier, year (integer) and output (log value added, or log gross output when
        ``value_added=False``).
    free, state : str or sequence of str
        Free inputs (labour: chosen with knowledge of current productivity) and state inputs
        (capital: chosen a period ahead).  A comma-separated string is accepted.
    proxy : str, optional
        Proxy for productivity: investment (OP) or intermediate inputs (LP, ACF, Wooldridge).
    method : {"acf", "lp", "op", "wrdg", "wrdg_gmm", "ols", "fe"}
        Ackerberg, Caves and Frazer (2015, eq. 26 moments; prodestACF); Levinsohn and Petrin
        (2003; prodestLP); Olley and Pakes (1996; prodestOP); Wooldridge (2009) as pooled IV
        (``wrdg``, prodestWRDG) or two-step system GMM (``wrdg_gmm``, prodestWRDG_GMM); pooled
        OLS; within (firm fixed effects). The prodest function names (any case) are accepted
        as aliases, and ``wrdg_iv`` for ``wrdg``.
    controls : str or sequence of str
        Variables shifting output, entered linearly in the first stage (and as exogenous
        regressors in OLS, FE and Wooldridge); their coefficients are reported after the
        elasticities and netted out of TFP.
    translog : bool
        Translog instead of Cobb-Douglas (ACF, Wooldridge, OLS, FE).
    value_added : bool
        ``False`` for gross output: the proxy (intermediate inputs) becomes an input whose
        elasticity ACF identifies from its lag (OLS, FE treat it as a regressor).
    poly_degree : int
        Degree of the first-stage polynomial in (inputs, proxy); prodest's 2 by default.
    exit : bool
        OP/LP only: control for selection by exit with a probit survival probability.
    theta0 : sequence of float, optional
        Start of the second-stage search (OP, LP: state elasticities; ACF: all elasticities).
        Default: OP/LP the first-stage estimate; ACF searches from the OLS and within
        elasticities and a small grid and, if it finds several roots of its moments, keeps
        the one that best satisfies extra (over-identifying) moments.
    bootstrap : int
        Firm-block bootstrap replications (0: none).  Standard errors are their SD.
    seed : int
        Seed of the bootstrap draws; the same seed gives identical standard errors.
    n_jobs : int
        Processes over which bootstrap replications are spread.
    take_logs : bool
        The output, input and proxy columns are levels: check they are positive, take logs.
    min_obs : int
        Refuse to estimate on fewer complete observations.
    label : str, optional
        Name of the group being estimated (e.g. the industry), used in messages.
    raise_on_failure : bool
        Raise :class:`~tfp.exceptions.ConvergenceError` when the optimiser fails (otherwise
        return the results with ``converged=False``).
    prodest_compat : bool
        ``wrdg_gmm`` only: reproduce prodestWRDG_GMM exactly.  prodest's first equation leaves out
        the linear state terms of the productivity polynomial ``h(k, m)``, which forces
        them to zero and biases the capital elasticity whenever ``h`` depends on capital
        linearly; by default they are kept, as in Wooldridge (2009, eq. 2.7).
    overidentify : bool
        ACF only: add the lagged state terms (capital at t-1, chosen at t-2) to the
        instruments, so the moments over-identify the elasticities and the global minimum of
        the GMM criterion (weight ``(Z'Z)^-1 / N``) is the estimate.  prodest's moments are
        just identified (the default); with slowly adjusting capital the extra moment makes
        the capital elasticity much more precise.
    max_nfev : int, optional
        Cap on criterion evaluations of the second-stage optimiser (OP, LP, ACF; default
        200 per parameter).

    Returns
    -------
    ProductionFunctionResults
    """
    # tall, thin matrices: one BLAS thread is much faster than several fighting for 2 cores;
    # parallelism comes from processes over bootstrap replications or groups instead
    with threadpool_limits(limits=1, user_api="blas"):
        return _estimate(data, id=id, time=time, output=output, free=free, state=state, proxy=proxy,
                         method=method, controls=controls, translog=translog, value_added=value_added,
                         poly_degree=poly_degree, exit=exit, theta0=theta0, bootstrap=bootstrap, seed=seed,
                         n_jobs=n_jobs, take_logs=take_logs, min_obs=min_obs, label=label,
                         raise_on_failure=raise_on_failure, prodest_compat=prodest_compat,
                         max_nfev=max_nfev, overidentify=overidentify)


def _estimate(data, *, id, time, output, free, state, proxy, method, controls, translog, value_added,
              poly_degree, exit, theta0, bootstrap, seed, n_jobs, take_logs, min_obs, label,
              raise_on_failure, prodest_compat, max_nfev, overidentify) -> ProductionFunctionResults:
    tag = where(label)
    name, method = method, canonical_method(method)
    if method is None:
        raise TFPSpecificationError(f"{tag}unknown method {name!r}; choose one of {', '.join(METHODS)}")
    free_l, state_l, ctrl_l = as_list(free), as_list(state), as_list(controls)
    if method in PROXY_METHODS and not proxy:
        raise TFPSpecificationError(f"{tag}method '{method}' needs a proxy column")
    if not value_added and not proxy:
        raise TFPSpecificationError(f"{tag}gross output needs the intermediate-input column as proxy")
    if method in PROXY_METHODS and not state_l:
        raise TFPSpecificationError(f"{tag}method '{method}' needs at least one state input")
    if prodest_compat and method != "wrdg_gmm":
        raise TFPSpecificationError(
            f"{tag}prodest_compat applies to wrdg_gmm (prodestWRDG_GMM) only; {method} needs no compatibility switch")
    if overidentify and method != "acf":
        raise TFPSpecificationError(f"{tag}overidentify applies to ACF only")
    if exit and method not in ("op", "lp"):
        raise TFPSpecificationError(f"{tag}exit correction exists for OP and LP only")
    if int(poly_degree) != poly_degree or poly_degree < 1:
        raise TFPSpecificationError(f"{tag}poly_degree must be a positive integer")
    if bootstrap < 0:
        raise TFPSpecificationError(f"{tag}bootstrap must be >= 0")
    spec = ModelSpec(id=id, time=time, output=output, free=tuple(free_l), state=tuple(state_l),
                     proxy=proxy, controls=tuple(ctrl_l), method=method, translog=translog,
                     value_added=value_added, poly_degree=int(poly_degree), take_logs=take_logs, exit=exit)
    n_terms = len(spec.term_names)
    if theta0 is not None:
        need = n_terms if method == "acf" else len(state_l)
        if len(theta0) != need:
            raise TFPSpecificationError(f"{tag}theta0 has {len(theta0)} values; {method} needs {need}")
    panel, _ = prepare_panel(data, id=id, time=time, output=output, free=free_l, state=state_l,
                             proxy=proxy, controls=ctrl_l, take_logs=take_logs, label=label)
    if panel.n < max(min_obs, 1):
        raise InsufficientDataError(
            f"{tag}{panel.n} complete observation(s) ({panel.n_firms} firms), fewer than the minimum {min_obs}"
        )
    cfg = FitConfig(method=method, translog=translog, value_added=value_added, poly_degree=int(poly_degree),
                    theta0=None if theta0 is None else tuple(float(t) for t in theta0), exit=exit, label=label,
                    prodest_wrdg=prodest_compat, max_nfev=max_nfev, overidentify=overidentify)
    if proxy and method in PROXY_METHODS:
        check_proxy(panel.proxy, proxy, label)
    if exit:
        panel = replace(panel, exit_prob=exit_probability(panel, cfg.poly_degree, label))
    try:
        core = fit_core(panel, cfg)
    except np.linalg.LinAlgError as exc:
        raise InsufficientDataError(
            f"{tag}{method}: singular design ({exc}); inputs collinear or too few firms"
        ) from exc
    if not core.converged and raise_on_failure:
        raise ConvergenceError(f"{tag}{method}: {core.message or 'second stage did not converge'}")
    names = spec.term_names + list(ctrl_l)
    params = pd.Series(core.coef, index=names, name="estimate")
    se = pd.Series(np.nan if core.se is None else core.se, index=names, name="std_error", dtype=float)
    se_kind = "analytic (as prodest/lm/plm report)" if core.se is not None else "not computed (bootstrap=0)"
    boot_df, failed = None, 0
    if bootstrap > 0:
        reps = run_bootstrap(panel, cfg, bootstrap, seed, len(names), second_stage_start(core, cfg, panel), n_jobs)
        boot_df = pd.DataFrame(reps, columns=names)
        failed = int(np.isnan(reps).any(axis=1).sum())
        se = pd.Series(np.nanstd(reps, axis=0, ddof=1) if bootstrap - failed >= 2 else np.nan,
                       index=names, name="std_error", dtype=float)
        se_kind = f"firm-block bootstrap, {bootstrap} replications" + (f" ({failed} failed)" if failed else "")
    fs_coef, fs_kind = core.first_stage, None
    if fs_coef is not None:
        fs_kind = "acf" if method == "acf" else "oplp"
    elif proxy:
        # no first stage of its own: fit ACF's to separate productivity from the i.i.d. shock
        fs_coef, _ = first_stage.fit(panel, "acf", cfg.poly_degree)
        fs_kind = "acf"
    return ProductionFunctionResults(
        method=method, params=params, std_errors=se, se_kind=se_kind, converged=core.converged,
        n_obs=panel.n, n_obs_second_stage=core.n_used, n_firms=panel.n_firms, objective=core.objective,
        spec=spec, intercept=core.intercept, intercept_std_error=core.intercept_se,
        bootstrap_reps=int(bootstrap), bootstrap_failed=failed, bootstrap_estimates=boot_df,
        seed=seed if bootstrap else None, label=label, message=core.message,
        first_stage_coef=fs_coef, first_stage_kind=fs_kind,
    )
