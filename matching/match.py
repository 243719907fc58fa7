"""``match()``: propensity-score, exact and coarsened exact matching with MatchIt semantics.

One call estimates the distance (for nearest-neighbour matching), forms the
matched sample and returns a :class:`MatchResults` holding everything MatchIt's
``matchit()`` object holds: distance, weights and matched-set ids aligned with the
input rows, the match matrix, and methods for balance, sample sizes, common
support, the ATT and plots.

Ho, Imai, King and Stuart (2007), "Matching as Nonparametric Preprocessing for
Reducing Model Dependence in Parametric Causal Inference", Political Analysis
15(3); Ho, Imai, King and Stuart (2011), J. Stat. Softw. 42(8).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from matching._display import Display, fmt
from matching.balance import balance_table, combine_before_after
from matching.design import (
    check_covariates,
    complete_cases,
    model_matrix,
    treatment_vector,
)
from matching.effect import ATTResults, weighted_att
from matching.errors import MatchingError, NoMatchError
from matching.exact import cell_codes, cem_cells, strata_subclass
from matching.nearest import nearest_neighbor_match
from matching.propensity import LINKS, PropensityScoreResults, propensity_score
from matching.weights import (
    check_matched,
    effective_sample_size,
    normalize_weights,
    subclass_from_match_matrix,
    weights_from_match_matrix,
    weights_from_subclass,
)

METHODS = ("nearest", "exact", "cem")
M_ORDERS = ("largest", "smallest", "data", "random")
DISCARD = ("none", "both", "control", "treated")


class MatchingWarning(UserWarning):
    """Something the user should know about the matched sample (e.g. rows dropped)."""


def _discard(d: np.ndarray, t: np.ndarray, option: str) -> np.ndarray:
    """MatchIt's common-support discard rule on the distance."""
    if option == "none":
        return np.zeros(d.size, dtype=bool)
    lo0, hi0 = d[t == 0].min(), d[t == 0].max()
    lo1, hi1 = d[t == 1].min(), d[t == 1].max()
    if option == "both":
        return (d < max(lo0, lo1)) | (d > min(hi0, hi1))
    if option == "control":
        return (d < lo1) | (d > hi1)
    return (d < lo0) | (d > hi0)


@dataclass(frozen=True)
class MatchResults:
    """A matched sample (the analogue of a ``matchit`` object).

    Attributes
    ----------
    distance : pandas.Series
        Matching distance per input row (NaN for exact/CEM and for dropped rows).
    weights : pandas.Series
        Matching weight per input row, 0 if unmatched, dropped or discarded.
    subclass : pandas.Series
        Matched pair/set/stratum id per input row (nullable Int64; <NA> if
        unmatched or matching with replacement, where sets overlap).
    discarded : pandas.Series
        True for rows outside common support under ``discard``.
    dropped : pandas.Series
        True for rows dropped for missing covariates (``drop_missing=True``).
    match_matrix : pandas.DataFrame or None
        Nearest neighbour only: one row per treated unit (input index labels),
        columns ``1..ratio`` holding the matched controls' labels (None if none).
    propensity : PropensityScoreResults or None
    caliper_width : float or None
        Caliper on the distance scale (``caliper * sd(distance)`` if ``std_caliper``).
    """

    method: str
    treatment: str
    covariates: tuple[str, ...]
    exact: tuple[str, ...]
    ratio: int
    replace: bool
    link: str | None
    caliper: float | None
    caliper_width: float | None
    distance: pd.Series
    weights: pd.Series
    subclass: pd.Series
    discarded: pd.Series
    dropped: pd.Series
    match_matrix: pd.DataFrame | None
    propensity: PropensityScoreResults | None
    data: pd.DataFrame = field(repr=False)
    _treat: np.ndarray = field(repr=False)
    _keep: np.ndarray = field(repr=False)
    _balance_source: pd.DataFrame = field(repr=False)
    _mm: np.ndarray | None = field(repr=False)
    discard: str = "none"
    m_order: str = "largest"

    # -- model-style accessors -------------------------------------------------
    @property
    def params(self) -> pd.Series:
        """Propensity-score coefficients (empty for exact and CEM)."""
        return self.propensity.params if self.propensity is not None else pd.Series(dtype=float)

    @property
    def std_errors(self) -> pd.Series:
        """Propensity-score coefficient SEs (empty for exact and CEM)."""
        return self.propensity.std_errors if self.propensity is not None else pd.Series(dtype=float)

    @property
    def n_treated(self) -> int:
        return int((self._treat == 1).sum())

    @property
    def n_control(self) -> int:
        return int((self._treat == 0).sum())

    @property
    def n_treated_matched(self) -> int:
        return int(((self._treat == 1) & (self._w > 0)).sum())

    @property
    def n_control_matched(self) -> int:
        return int(((self._treat == 0) & (self._w > 0)).sum())

    @property
    def _w(self) -> np.ndarray:
        return self.weights.to_numpy()[self._keep]

    @property
    def _sub(self) -> np.ndarray | None:
        s = self.subclass[self._keep]
        if self.method == "nearest" and self.replace:
            return None
        return s.fillna(0).to_numpy(dtype=np.int64)

    # -- data --------------------------------------------------------------------
    def matched_data(self) -> pd.DataFrame:
        """Matched rows with ``distance``, ``weights`` and ``subclass`` columns (``match.data``)."""
        m = self.weights > 0
        out = self.data.loc[m].copy()
        if self.method == "nearest":
            out["distance"] = self.distance[m]
        out["weights"] = self.weights[m]
        if self._sub is not None:
            out["subclass"] = self.subclass[m]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per input row: treated, distance, weight, subclass, discarded, dropped."""
        t = pd.Series(pd.NA, index=self.data.index, dtype="Int64")
        t[self._keep] = self._treat
        return pd.DataFrame(
            {
                "treated": t,
                "distance": self.distance,
                "weight": self.weights,
                "subclass": self.subclass,
                "discarded": self.discarded,
                "dropped": self.dropped,
            }
        )

    # -- diagnostics -------------------------------------------------------------
    def _columns(self) -> dict[str, np.ndarray]:
        cols = {}
        if self.method == "nearest":
            cols["distance"] = self.distance.to_numpy()[self._keep]
        bal_vars = list(self.covariates) + [c for c in self.exact if c not in self.covariates]
        design = model_matrix(self._balance_source, bal_vars, intercept=False, all_levels=True)
        cols.update({name: design.values[:, j] for j, name in enumerate(design.names)})
        return cols

    @cached_property
    def _balance_before(self) -> pd.DataFrame:
        return balance_table(self._columns(), self._treat, None)

    @cached_property
    def _balance_after(self) -> pd.DataFrame:
        treated_index = np.flatnonzero(self._treat == 1)
        return balance_table(
            self._columns(),
            self._treat,
            self._w,
            subclass=self._sub,
            match_matrix=self._mm if self._sub is None else None,
            treated_index=treated_index,
        )

    def balance_all(self) -> pd.DataFrame:
        """``summary(m)$sum.all``: balance in the full sample (distance first)."""
        return self._balance_before.copy()

    def balance_matched(self) -> pd.DataFrame:
        """``summary(m)$sum.matched``: balance in the matched sample (distance first)."""
        return self._balance_after.copy()

    def balance(self) -> pd.DataFrame:
        """Tidy before/after balance: covariate, smd_before, smd_after, var_ratio_before,
        var_ratio_after, ecdf_mean_*, ecdf_max_*, mean_treated_*, mean_control_*,
        std_pair_dist_after.  Factor covariates appear once per level (``raceblack``);
        ``distance`` is the first row for nearest-neighbour matching."""
        return combine_before_after(self._balance_before, self._balance_after)

    def counts(self) -> pd.DataFrame:
        """Sample sizes as ``summary(m)$nn``: rows all, all_ess, matched, matched_ess,
        unmatched, discarded, dropped_missing; columns control, treated."""
        t, w = self._treat, self._w
        disc = self.discarded.to_numpy()[self._keep]
        drop = self.dropped.to_numpy()
        t_all = self.data[self.treatment].to_numpy()
        rows = {}
        for g, name in [(0, "control"), (1, "treated")]:
            m = t == g
            rows[name] = {
                "all": int(m.sum()),
                "all_ess": float(m.sum()),
                "matched": int((m & (w > 0)).sum()),
                "matched_ess": effective_sample_size(w[m]),
                "unmatched": int((m & (w == 0) & ~disc).sum()),
                "discarded": int((m & disc).sum()),
                "dropped_missing": int((drop & (t_all == g)).sum()),
            }
        return pd.DataFrame(rows)

    def common_support(self) -> pd.DataFrame:
        """Overlap of the distance by group: n, min, max, how many lie outside the other
        group's range, how many were discarded and matched (nearest only)."""
        if self.method != "nearest":
            raise MatchingError("common support is defined on the distance (nearest-neighbour matching)")
        d = self.distance.to_numpy()[self._keep]
        t, w = self._treat, self._w
        disc = self.discarded.to_numpy()[self._keep]
        out = []
        for g, name in [(1, "treated"), (0, "control")]:
            mine, other = d[t == g], d[t != g]
            out.append({
                "group": name,
                "n": int(mine.size),
                "min": float(mine.min()),
                "max": float(mine.max()),
                "below_other_min": int((mine < other.min()).sum()),
                "above_other_max": int((mine > other.max()).sum()),
                "off_support": int(((mine < other.min()) | (mine > other.max())).sum()),
                "discarded": int(disc[t == g].sum()),
                "matched": int((w[t == g] > 0).sum()),
            })
        return pd.DataFrame(out)

    # -- effect --------------------------------------------------------------------
    def att(self, outcome: str) -> ATTResults:
        """ATT on the matched sample (weighted regression of ``outcome`` on treatment).

        SEs clustered on matched sets (HC1, ``vcovCL``) where sets exist, else HC3.
        """
        if outcome not in self.data.columns:
            raise MatchingError(f"outcome column '{outcome}' is not in the data")
        y = self.data[outcome].to_numpy(dtype=float)[self._keep]
        return weighted_att(y, self._treat, self._w, self._sub, outcome=outcome)

    # -- plots -----------------------------------------------------------------------
    def love_plot(self, **kwargs):
        """Love plot of absolute SMDs before/after (see :func:`matching.plots.love_plot`)."""
        from matching.plots import love_plot

        return love_plot(self.balance(), **kwargs)

    def overlap_plot(self, **kwargs):
        """Distance overlap plot (see :func:`matching.plots.overlap_plot`)."""
        from matching.plots import overlap_plot

        return overlap_plot(self, **kwargs)

    def description(self) -> str:
        """One line: method, ratio, replacement, distance, caliper, exact variables."""
        if self.method == "nearest":
            distance = f"{self.link} propensity score" if self.link else "user-supplied distance"
            desc = (f"nearest-neighbour {self.ratio}:1 matching {'with' if self.replace else 'without'} "
                    f"replacement on the {distance}")
            if self.caliper_width is not None:
                desc += f", caliper {self.caliper:g} SD (width {self.caliper_width:.6g})"
            if self.discard != "none":
                desc += f", discard {self.discard}"
        elif self.method == "exact":
            desc = f"exact matching on {', '.join(self.covariates)}"
        else:
            desc = f"coarsened exact matching on {', '.join(self.covariates)}"
        if self.exact:
            desc += f", exact on {', '.join(self.exact)}"
        return desc

    def _display(self) -> Display:
        bal_cols = [("means_treated", "Means Treated"), ("means_control", "Means Control"),
                    ("smd", "Std. Mean Diff."), ("var_ratio", "Var. Ratio"), ("ecdf_mean", "eCDF Mean"),
                    ("ecdf_max", "eCDF Max"), ("std_pair_dist", "Std. Pair Dist.")]

        def balance(frame: pd.DataFrame, pair: bool) -> pd.DataFrame:
            out = {"": list(frame["covariate"])}
            for key, label in bal_cols:
                if key != "std_pair_dist" or (pair and frame[key].notna().any()):
                    out[label] = [fmt(v) for v in frame[key]]
            return pd.DataFrame(out)

        c = self.counts()
        rows = [("all_ess", "All (ESS)"), ("all", "All"), ("matched_ess", "Matched (ESS)"), ("matched", "Matched"),
                ("unmatched", "Unmatched"), ("discarded", "Discarded"), ("dropped_missing", "Dropped (missing)")]
        sizes = pd.DataFrame({
            "": [label for _, label in rows],
            "Control": [f"{c.loc[k, 'control']:.2f}" if k.endswith("_ess") else str(int(c.loc[k, "control"]))
                        for k, _ in rows],
            "Treated": [f"{c.loc[k, 'treated']:.2f}" if k.endswith("_ess") else str(int(c.loc[k, "treated"]))
                        for k, _ in rows],
        })
        facts = [("Method", self.description()), ("Estimand", "ATT (weights: treated 1, controls matched)"),
                 ("Treatment", self.treatment)]
        if self.propensity is not None:
            facts.append(("Distance", f"propensity score from a {self.link} GLM of {self.treatment} on "
                                      f"{', '.join(self.covariates)}"))
        return Display(
            title="Matching (R MatchIt semantics)",
            facts=facts,
            tables=[("Summary of balance for all data:", balance(self.balance_all(), False)),
                    ("Summary of balance for matched data:", balance(self.balance_matched(), True)),
                    ("Sample sizes:", sizes)],
            notes=["Std. Mean Diff. uses the treated group's SD (all and matched data); ESS is Kish's "
                   "effective sample size (sum w)^2 / sum w^2."],
        )

    def summary(self) -> str:
        """MatchIt ``summary(m)``: balance for all and matched data (means, SMD, variance
        ratio, eCDF mean/max, pair distance) and sample sizes (all, matched, unmatched,
        discarded, effective)."""
        return self._display().text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self._display().html()

def match(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    method: str = "nearest",
    ratio: int = 1,
    replace: bool = False,
    caliper: float | None = None,
    std_caliper: bool = True,
    exact: Sequence[str] | None = None,
    link: str = "logit",
    distance: str | np.ndarray | pd.Series | None = None,
    m_order: str | None = None,
    discard: str = "none",
    cutpoints: Mapping[str, object] | object | None = None,
    drop_missing: bool = False,
    seed: int = 0,
) -> MatchResults:
    """Match treated to control units, reproducing R's ``MatchIt::matchit`` (ATT).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; its index labels identify units in the match matrix.
    treatment : str
        0/1 treatment column.
    covariates : sequence of str
        Score-model covariates (nearest) or matching variables (exact, CEM).
        Character/categorical/bool columns are factors.
    method : {"nearest", "exact", "cem"}
    ratio : int
        Controls per treated unit (nearest).
    replace : bool
        Match with replacement (nearest).
    caliper : float, optional
        Caliper on the distance; in SDs of the distance if ``std_caliper`` (MatchIt's
        default: width = caliper x sd(distance) over the non-discarded sample).
    std_caliper : bool
    exact : sequence of str, optional
        Variables matched exactly within nearest-neighbour matching.
    link : {"logit", "probit", "linear.logit", "linear.probit"}
        Score model; ``linear.*`` matches on the linear predictor.
    distance : str or array, optional
        A column name or array to use as the distance instead of estimating a score.
    m_order : {"largest", "smallest", "data", "random"}, optional
        Service order without replacement (default "largest").
    discard : {"none", "both", "control", "treated"}
        Drop units outside the other group's distance range before matching.
    cutpoints : optional
        CEM binning: a rule ("sturges", "scott", "fd", "qN"), a number of bins (0: no
        coarsening, i.e. exact on that variable, as MatchIt), or a mapping covariate ->
        rule / number / cut points.
    drop_missing : bool
        Drop rows with missing covariates (with a warning giving the count) instead
        of refusing them.
    seed : int
        Seed for ``m_order = "random"``.

    Returns
    -------
    MatchResults

    Raises
    ------
    MatchingError
        With a one-line message for bad input (see :mod:`matching.errors`).
    """
    if method not in METHODS:
        raise MatchingError(f"method must be one of {', '.join(METHODS)}; got '{method}'")
    if link not in LINKS:
        raise MatchingError(f"link must be one of {', '.join(LINKS)}; got '{link}'")
    if int(ratio) != ratio or ratio < 1:
        raise MatchingError(f"ratio must be a positive integer; got {ratio}")
    ratio = int(ratio)
    if discard not in DISCARD:
        raise MatchingError(f"discard must be one of {', '.join(DISCARD)}; got '{discard}'")
    m_order = m_order or "largest"
    if m_order not in M_ORDERS:
        raise MatchingError(f"m_order must be one of {', '.join(M_ORDERS)}; got '{m_order}'")
    if caliper is not None and not (np.isfinite(caliper) and caliper > 0):
        raise MatchingError(f"caliper must be a positive number; got {caliper}")
    covariates = list(covariates)
    exact = list(exact or [])
    if exact and method != "nearest":
        # MatchIt ignores `exact` here with a warning; a silently ignored option is refused instead.
        hint = ("it already matches exactly on every covariate: give the variables to match on as covariates"
                if method == "exact" else
                "give those variables cutpoints 0 (no coarsening) instead, e.g. cutpoints={'x': 0}")
        raise MatchingError(f"exact= applies to nearest-neighbour matching, not method='{method}': {hint}")
    missing_cols = [c for c in exact if c not in data.columns]
    if missing_cols:
        raise MatchingError(f"exact-matching variables not in the data: {', '.join(missing_cols)}")

    t_full = treatment_vector(data, treatment)
    keep = complete_cases(data, covariates + [c for c in exact if c not in covariates], drop_missing=drop_missing)
    n_dropped = int((~keep).sum())
    if n_dropped:
        warnings.warn(
            f"dropped {n_dropped} of {len(data)} rows with missing covariate values", MatchingWarning, stacklevel=2
        )
    sub = data.loc[keep]
    t = t_full[keep]
    if t.min() == t.max():
        raise MatchingError("after dropping rows with missing covariates only one treatment group is left")
    check_covariates(sub, covariates)
    index = data.index

    ps = None
    dist = np.full(len(data), np.nan)
    disc = np.zeros(len(data), dtype=bool)
    mm_pos = None
    caliper_width = None
    if method == "nearest":
        if distance is None:
            ps = propensity_score(sub, treatment=treatment, covariates=covariates, link=link)
            d = ps.distance.to_numpy()
            ps = _with_dropped(ps, data.index, keep)
        else:
            raw = sub[distance].to_numpy(dtype=float) if isinstance(distance, str) else np.asarray(distance, float)[keep]
            if raw.size != int(keep.sum()) or not np.all(np.isfinite(raw)):
                raise MatchingError("distance must be finite and have one value per row")
            d = raw
        dist[keep] = d
        disc_k = _discard(d, t, discard)
        disc[keep] = disc_k
        if caliper is not None:
            caliper_width = float(caliper * np.std(d[~disc_k], ddof=1)) if std_caliper else float(caliper)
        strata = cell_codes(sub, exact) if exact else None
        eligible = ~disc_k
        if strata is not None:
            # units in exact cells without the other group cannot be matched
            both = np.intersect1d(strata[t == 1], strata[t == 0])
            eligible &= np.isin(strata, both)
            if both.size == 0:
                raise NoMatchError(f"no exact-matching cell of {', '.join(exact)} holds both treated and controls")
        mm_pos = nearest_neighbor_match(
            d,
            t,
            ratio=ratio,
            replace=replace,
            caliper=caliper_width,
            strata=strata,
            eligible=eligible,
            m_order=m_order,
            rng=np.random.default_rng(seed),
        )
        treated_idx = np.flatnonzero(t == 1)
        w_raw = weights_from_match_matrix(mm_pos, treated_idx, t.size)
        sub_ids = None if replace else subclass_from_match_matrix(mm_pos, treated_idx, t.size)
        cause = f"caliper {caliper} = width {caliper_width:.6g} on the distance" if caliper is not None else ""
        check_matched(w_raw, t, cause)
        n_t = int(((t == 1) & ~disc_k).sum())
        n_unmatched = n_t - int((w_raw[t == 1] > 0).sum())
        if n_unmatched:
            why = [f"caliper {caliper}" if caliper is not None else "", f"exact on {', '.join(exact)}" if exact else ""]
            why = " and ".join(x for x in why if x) or "too few controls"
            warnings.warn(
                f"{n_unmatched} of {n_t} treated units have no match ({why})", MatchingWarning, stacklevel=2
            )
    else:
        if method == "exact":
            cells = cell_codes(sub, covariates)
        else:
            cells = cem_cells(sub, covariates, cutpoints)
        try:
            sub_ids = strata_subclass(cells, t)
        except NoMatchError:
            raise NoMatchError(
                f"{method} matching on {', '.join(covariates)}: no cell holds both treated and controls"
            ) from None
        w_raw = weights_from_subclass(sub_ids, t)
        check_matched(w_raw, t, f"{method} matching")
    w = normalize_weights(w_raw, t)

    weights = pd.Series(0.0, index=index)
    weights[keep] = w
    subclass = pd.Series(pd.array([pd.NA] * len(data), dtype="Int64"), index=index)
    if sub_ids is not None:
        s = pd.array(np.where(sub_ids > 0, sub_ids, 0), dtype="Int64")
        s[sub_ids == 0] = pd.NA
        subclass[keep] = s
    match_matrix = None
    if mm_pos is not None:
        labels = sub.index.to_numpy()
        treated_idx = np.flatnonzero(t == 1)
        mm_labels = np.where(mm_pos >= 0, labels[np.maximum(mm_pos, 0)], None)
        match_matrix = pd.DataFrame(mm_labels, index=labels[treated_idx], columns=range(1, ratio + 1))

    return MatchResults(
        method=method,
        treatment=treatment,
        covariates=tuple(covariates),
        exact=tuple(exact),
        ratio=ratio,
        replace=bool(replace),
        link=link if method == "nearest" and distance is None else None,
        caliper=caliper,
        caliper_width=caliper_width,
        distance=pd.Series(dist, index=index),
        weights=weights,
        subclass=subclass,
        discarded=pd.Series(disc, index=index),
        dropped=pd.Series(~keep, index=index),
        match_matrix=match_matrix,
        propensity=ps,
        data=data,
        _treat=t,
        _keep=keep,
        _balance_source=sub,
        _mm=mm_pos,
        discard=discard,
        m_order=m_order,
    )


def _with_dropped(ps: PropensityScoreResults, index: pd.Index, keep: np.ndarray) -> PropensityScoreResults:
    """Re-align a score fitted on complete rows with the full input index."""
    from dataclasses import replace

    def full(s: pd.Series) -> pd.Series:
        out = pd.Series(np.nan, index=index)
        out[keep] = s.to_numpy()
        return out

    return replace(
        ps,
        score=full(ps.score),
        linear_predictor=full(ps.linear_predictor),
        distance=full(ps.distance),
        n_dropped=int((~keep).sum()),
    )
