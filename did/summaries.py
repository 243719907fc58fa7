"""What the summaries and JSON documents of the DiD results say.

``ATTgtResults.summary()`` follows R ``did``'s ``summary(att_gt(...))`` and
``summary(aggte(...))``: the ATT(g,t) table with standard errors and intervals, the
pre-test of parallel trends, the control group and estimation method, then the
aggregated effects. With a multiplier bootstrap both the pointwise interval and the
simultaneous (sup-t) band are shown, with the band's critical value (Callaway and
Sant'Anna 2021, Section 4.1). The JSON documents of ``cluster-impact did`` carry the
same fields (:func:`att_gt_document`, :func:`twfe_document`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from did._display import Display, fmt, fmt_p, stars
from did.errors import DiDEstimationError

if TYPE_CHECKING:
    from did.aggregate import AggregateResults
    from did.att_gt import ATTgtResults
    from did.event_study import EventStudyResults
    from did.twfe import TWFEResults

CONTROL_GROUPS = {"never": "Never treated", "notyet": "Not yet treated"}
ESTIMATION_METHODS = {
    "dr": "Doubly robust (Sant'Anna and Zhao 2020)",
    "ipw": "Inverse probability weighting",
    "reg": "Outcome regression",
}
AGGREGATIONS = ("simple", "dynamic", "group", "calendar")
_AGGREGATION_LABELS = {
    "simple": "Simple (group-size weighted post-treatment ATT(g,t))",
    "dynamic": "Dynamic (average over event times e >= 0)",
    "group": "Group (average over cohorts)",
    "calendar": "Calendar (average over periods)",
}
_ELEMENT_HEADINGS = {
    "dynamic": ("event_time", "Event time", "Dynamic effects (event study)"),
    "group": ("group", "Group", "Group (cohort) effects"),
    "calendar": ("time", "Time", "Calendar-time effects"),
}


def num(value: Any) -> Any:
    """JSON-safe number: NaN/inf to null, numpy scalars to Python, whole ints as int."""
    if value is None or isinstance(value, bool):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(f):
        return None
    return int(f) if f.is_integer() and not isinstance(value, (float, np.floating)) else f


def period(value: Any) -> Any:
    """A period or group label: int when whole (years), float otherwise."""
    f = float(value)
    return int(f) if f.is_integer() else f


def _level(alpha: float) -> str:
    return f"{100 * (1 - alpha):g}%"


def _z(alpha: float) -> float:
    return float(norm.ppf(1 - alpha / 2))


# ----------------------------------------------------------------- aggregations
def compute_aggregations(
    res: "ATTgtResults", kinds: Sequence[str] = AGGREGATIONS
) -> tuple[dict[str, "AggregateResults"], list[str]]:
    """Every requested aggregation, and notes on what could not be aggregated as asked.

    NaN cells (failed overlap or regression checks, warned about at estimation) are
    left out of the aggregations, with a note, rather than failing the whole summary.
    """
    n_nan = int(np.isnan(res.att_gt["att"].to_numpy(dtype=float)).sum())
    notes = []
    if n_nan:
        notes.append(f"{n_nan} ATT(g,t) cell(s) are NA and are left out of the aggregations (na_rm).")
    out: dict[str, AggregateResults] = {}
    for kind in kinds:
        try:
            out[kind] = res.aggregate(kind, na_rm=bool(n_nan))
        except DiDEstimationError as exc:
            notes.append(f"{kind} aggregation not computed: {exc}")
    return out, notes


# ------------------------------------------------------------------- ATT(g,t)
def _design_facts(res: "ATTgtResults") -> list[tuple[str, str]]:
    groups, counts = np.unique(res.unit_group, return_counts=True)
    sizes = ", ".join(f"{period(g)}: {c}" for g, c in zip(groups, counts) if g > 0)
    n_never = int(counts[groups == 0].sum()) if (groups == 0).any() else 0
    facts = [
        ("Control group", CONTROL_GROUPS.get(res.control_group, res.control_group)),
        ("Estimation method", ESTIMATION_METHODS.get(res.method, res.method)),
        ("Covariates", ", ".join(res.covariates) if res.covariates else "none (unconditional parallel trends)"),
        ("Base period", res.base_period),
        ("Anticipation periods", str(res.anticipation)),
        ("Sample", f"{res.n_units} units, {res.n_obs} observations, periods "
                   f"{period(res.periods.min())}-{period(res.periods.max())}"
                   + ("" if res.balanced and not res.n_units_dropped else f", panel: {_panel_text(res)}")),
        ("Treated units by group", f"{sizes}; never treated: {n_never}"),
    ]
    if res.bootstrap:
        facts.append(("Standard errors", f"multiplier bootstrap (Rademacher), {res.bootstrap} draws, "
                                         f"seed {res.seed}, clustered by unit"))
    else:
        facts.append(("Standard errors", "analytic (influence function), clustered by unit"))
    z = _z(res.alpha)
    facts.append(("Pointwise intervals", f"{_level(res.alpha)}, critical value {z:.4f}"))
    if res.bootstrap:
        facts.append(("Simultaneous bands", f"{_level(res.alpha)}, sup-t critical value {res.critical_value:.4f}"))
    facts.append(("Pre-test of parallel trends", pretest_text(res)))
    return facts


_PANEL_MODES = {
    "balance": "balanced by dropping units not observed in every period (R did's default)",
    "unbalanced": "unbalanced, every observation used (R did, allow_unbalanced_panel = TRUE)",
    "pairwise": "unbalanced, each cell on the units observed in both of its periods",
}


def _panel_text(res: "ATTgtResults") -> str:
    text = _PANEL_MODES.get(res.panel, res.panel)
    if res.n_units_dropped:
        text += f"; {res.n_units_dropped} units dropped"
    return text


def pretest_text(res: "ATTgtResults") -> str:
    if res.pretest is None:
        return "not available (no pre-treatment ATT(g,t) with a finite SE, or singular covariance)"
    p = res.pretest
    return (f"Wald chi2 = {p.W:.4f}, df = {p.df}, p = {fmt_p(p.pvalue)} "
            "(H0: every pre-treatment ATT(g,t) is 0)")


def _interval_columns(est: np.ndarray, se: np.ndarray, alpha: float, band_crit: float | None) -> dict:
    """Pointwise interval, and the simultaneous band when ``band_crit`` is given."""
    z = _z(alpha)
    level = _level(alpha)
    cols = {
        f"[{level} Pointwise": [fmt(v) for v in est - z * se],
        "Conf. Int.]": [fmt(v) for v in est + z * se],
    }
    lo, hi = est - z * se, est + z * se
    if band_crit is not None:
        lo, hi = est - band_crit * se, est + band_crit * se
        cols[f"[{level} Simult."] = [fmt(v) for v in lo]
        cols["Conf. Band]"] = [fmt(v) for v in hi]
    cols[""] = [stars(a, b) for a, b in zip(lo, hi)]
    return cols


def att_gt_cell_table(res: "ATTgtResults") -> pd.DataFrame:
    t = res.att_gt
    est, se = t["att"].to_numpy(dtype=float), t["se"].to_numpy(dtype=float)
    frame = {
        "Group": [str(period(v)) for v in t["group"]],
        "Time": [str(period(v)) for v in t["time"]],
        "ATT(g,t)": [fmt(v) for v in est],
        "Std. Error": [fmt(v) for v in se],
    }
    frame.update(_interval_columns(est, se, res.alpha, res.critical_value if res.bootstrap else None))
    return pd.DataFrame(frame)


def _overall_table(aggs: dict[str, "AggregateResults"]) -> pd.DataFrame:
    rows = []
    for kind, agg in aggs.items():
        z = _z(agg.alpha)
        lo, hi = agg.overall_att - z * agg.overall_se, agg.overall_att + z * agg.overall_se
        rows.append({
            "Aggregation": _AGGREGATION_LABELS[kind],
            "ATT": fmt(agg.overall_att),
            "Std. Error": fmt(agg.overall_se),
            f"[{_level(agg.alpha)}": fmt(lo),
            "Conf. Int.]": fmt(hi),
            "": stars(lo, hi),
        })
    return pd.DataFrame(rows)


def element_table(agg: "AggregateResults") -> pd.DataFrame:
    key, label, _ = _ELEMENT_HEADINGS[agg.kind]
    el = agg.elements
    est, se = el["att"].to_numpy(dtype=float), el["se"].to_numpy(dtype=float)
    frame = {label: [str(period(v)) for v in el[key]], "Estimate": [fmt(v) for v in est],
             "Std. Error": [fmt(v) for v in se]}
    frame.update(_interval_columns(est, se, agg.alpha, agg.critical_value if agg.bootstrap else None))
    return pd.DataFrame(frame)


def _star_note(bootstrapped: bool, alpha: float) -> str:
    what = "simultaneous confidence band" if bootstrapped else "pointwise confidence interval"
    return f"Signif.: * the {_level(alpha)} {what} does not cover 0."


def att_gt_display(
    res: "ATTgtResults",
    aggregations: Sequence[str] = AGGREGATIONS,
    elements: bool = False,
    computed: tuple[dict[str, "AggregateResults"], list[str]] | None = None,
) -> Display:
    tables = [("Group-time average treatment effects:", att_gt_cell_table(res))]
    notes = [_star_note(bool(res.bootstrap), res.alpha)]
    if aggregations:
        aggs, agg_notes = compute_aggregations(res, aggregations) if computed is None else computed
        aggs = {k: v for k, v in aggs.items() if k in aggregations}
        if aggs:
            tables.append(("Aggregated effects (overall ATT, pointwise intervals):", _overall_table(aggs)))
        if elements:
            for kind, agg in aggs.items():
                if kind in _ELEMENT_HEADINGS:
                    tables.append((_ELEMENT_HEADINGS[kind][2] + ":", element_table(agg)))
        notes += agg_notes
    return Display(
        title="Callaway and Sant'Anna (2021) group-time average treatment effects",
        facts=_design_facts(res),
        tables=tables,
        notes=notes,
    )


def aggregate_display(agg: "AggregateResults") -> Display:
    z = _z(agg.alpha)
    lo, hi = agg.overall_att - z * agg.overall_se, agg.overall_att + z * agg.overall_se
    overall = pd.DataFrame([{
        "ATT": fmt(agg.overall_att), "Std. Error": fmt(agg.overall_se),
        f"[{_level(agg.alpha)}": fmt(lo), "Conf. Int.]": fmt(hi), "": stars(lo, hi),
    }])
    facts = [("Standard errors", f"multiplier bootstrap, {agg.bootstrap} draws" if agg.bootstrap
              else "analytic (influence function), clustered by unit")]
    if agg.bootstrap and agg.kind in _ELEMENT_HEADINGS:
        facts.append(("Simultaneous bands", f"{_level(agg.alpha)}, sup-t critical value {agg.critical_value:.4f}"))
    tables = [(f"Overall summary: {_AGGREGATION_LABELS[agg.kind]}", overall)]
    if agg.kind in _ELEMENT_HEADINGS:
        tables.append((_ELEMENT_HEADINGS[agg.kind][2] + ":", element_table(agg)))
    return Display(
        title=f"Callaway and Sant'Anna (2021) aggregated effects: {agg.kind}",
        facts=facts,
        tables=tables,
        notes=[_star_note(bool(agg.bootstrap) and agg.kind != "simple", agg.alpha)],
    )


def _interval_record(est: float, se: float, alpha: float, band_crit: float | None) -> dict:
    z = _z(alpha)
    out = {"ci_lower": num(est - z * se), "ci_upper": num(est + z * se)}
    if band_crit is not None:
        out["band_lower"] = num(est - band_crit * se)
        out["band_upper"] = num(est + band_crit * se)
    return out


def att_gt_document(
    res: "ATTgtResults", computed: tuple[dict[str, "AggregateResults"], list[str]] | None = None
) -> dict:
    """The JSON document of ``did att-gt`` (issue #5's layout plus the summary's fields).

    ``ci_*`` are pointwise intervals; ``band_*`` the simultaneous bands (bootstrap only).
    """
    band = res.critical_value if res.bootstrap else None
    cells = [
        {"group": period(r.group), "time": period(r.time), "att": num(r.att), "se": num(r.se),
         "event_time": period(r.event_time), **_interval_record(r.att, r.se, res.alpha, band)}
        for r in res.att_gt.itertuples()
    ]
    aggs, notes = compute_aggregations(res) if computed is None else computed
    aggregate: dict[str, Any] = {}
    overall: dict[str, Any] = {}
    for kind, agg in aggs.items():
        head = {"att": num(agg.overall_att), "se": num(agg.overall_se),
                **_interval_record(agg.overall_att, agg.overall_se, agg.alpha, None)}
        if kind == "simple":
            aggregate[kind] = head
            continue
        key = _ELEMENT_HEADINGS[kind][0]
        el_band = agg.critical_value if agg.bootstrap else None
        aggregate[kind] = [
            {key: period(k), "att": num(a), "se": num(s), **_interval_record(a, s, agg.alpha, el_band)}
            for k, a, s in zip(agg.elements[key], agg.elements["att"], agg.elements["se"])
        ]
        overall[kind] = {**head, "critical_value_simultaneous": num(el_band)}
    pre = res.pretest
    return {
        "n_units": int(res.n_units),
        "n_obs": int(res.n_obs),
        "panel": res.panel,
        "att_gt": cells,
        "aggregate": aggregate,
        "aggregate_overall": overall,
        "estimator": "Callaway and Sant'Anna (2021)",
        "control_group": res.control_group,
        "estimation_method": res.method,
        "covariates": list(res.covariates),
        "base_period": res.base_period,
        "anticipation": int(res.anticipation),
        "balanced": bool(res.balanced),
        "n_units_dropped": int(res.n_units_dropped),
        "alpha": float(res.alpha),
        "se_type": "multiplier_bootstrap" if res.bootstrap else "analytic_influence_function",
        "clustered_by": "unit",
        "bootstrap_draws": int(res.bootstrap),
        "seed": int(res.seed) if res.bootstrap else None,
        "critical_value_pointwise": _z(res.alpha),
        "critical_value_simultaneous": num(band),
        "pretest": None if pre is None else {
            "test": "Wald chi-squared, all pre-treatment ATT(g,t) = 0",
            "statistic": num(pre.W), "df": int(pre.df), "pvalue": num(pre.pvalue)},
        "notes": notes,
    }


# ----------------------------------------------------------------------- TWFE
def twfe_table(res: "TWFEResults") -> pd.DataFrame:
    ci = res.conf_int()
    level = f"{100 * (1 - res.alpha):g}%"
    rows = []
    for term in res.params.index:
        lo, hi = ci.loc[term, "lower"], ci.loc[term, "upper"]
        rows.append({"Term": term, "Estimate": fmt(res.params[term]), "Std. Error": fmt(res.std_errors[term]),
                     "t value": fmt(res.tstats[term], 3), "Pr(>|t|)": fmt_p(res.pvalues[term]),
                     f"[{level}": fmt(lo), "Conf. Int.]": fmt(hi), "": stars(lo, hi)})
    return pd.DataFrame(rows)


def twfe_display(res: "TWFEResults") -> Display:
    facts = [
        ("Fixed effects", ", ".join(res.absorbed)),
        ("Observations", str(res.nobs)),
        ("Units", str(res.n_entities)),
        ("Clusters", f"{res.n_clusters} ({res.cluster})"),
        ("Residual df", f"{res.df_resid} (t distribution for p-values and intervals)"),
        ("Within R-squared", f"{res.rsquared_within:.4f}"),
    ]
    return Display(
        title="Two-way fixed-effects DiD (static)",
        facts=facts,
        tables=[("", twfe_table(res))],
        notes=[res.note, f"Signif.: * the {100 * (1 - res.alpha):g}% confidence interval does not cover 0."],
    )


def twfe_document(res: "TWFEResults") -> dict:
    """JSON of ``did twfe``: issue #5's ``coef, se, n_obs`` plus inference and sample."""
    ci = res.conf_int()
    term = res.params.index[0]
    return {
        "coef": float(res.params.iloc[0]),
        "se": num(res.std_errors.iloc[0]),
        "n_obs": int(res.nobs),
        "term": str(term),
        "tstat": num(res.tstats.iloc[0]),
        "pvalue": num(res.pvalues.iloc[0]),
        "ci_lower": num(ci["lower"].iloc[0]),
        "ci_upper": num(ci["upper"].iloc[0]),
        "alpha": float(res.alpha),
        "df_resid": int(res.df_resid),
        "n_units": int(res.n_entities),
        "n_clusters": int(res.n_clusters),
        "cluster": res.cluster,
        "absorbed": list(res.absorbed),
        "rsquared_within": num(res.rsquared_within),
        "se_type": "clustered",
        "small_sample": res.note,
    }


# ---------------------------------------------------------------- event study
def event_study_display(res: "EventStudyResults", note: str) -> Display:
    est = res.estimates
    level = f"{100 * (1 - res.alpha):g}%"
    table = pd.DataFrame({
        "Event time": [str(period(v)) for v in est["event_time"]],
        "Estimate": [fmt(v) for v in est["estimate"]],
        "Std. Error": [fmt(v) for v in est["se"]],
        f"[{level}": [fmt(v) for v in est["ci_lower"]],
        "Conf. Int.]": [fmt(v) for v in est["ci_upper"]],
        "": [stars(a, b) for a, b in zip(est["ci_lower"], est["ci_upper"])],
    })
    return Display(
        title="TWFE event study (reference period -1, end points binned)",
        facts=[
            ("Observations", str(res.nobs)),
            ("Units", str(res.n_entities)),
            ("Clusters", f"{res.n_clusters} ({res.cluster})"),
            ("Residual df", str(res.df_resid)),
            ("Pre-test of parallel trends", f"Wald chi2 = {res.pretrend_wald:.4f}, df = {res.pretrend_df}, "
                                            f"p = {fmt_p(res.pretrend_pvalue)} (H0: every lead is 0)"),
        ],
        tables=[("", table)],
        notes=[note],
    )
