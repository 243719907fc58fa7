"""Results of a production-function fit and the productivity they imply."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import first_stage
from ._display import Display, fmt, fmt_p
from .panel import PanelArrays
from .spec import PRODEST_FUNCTIONS
from .terms import Exponents, elasticities, evaluate, production_terms, term_name

METHOD_NAMES = {
    "ols": "Pooled OLS",
    "fe": "Within (firm fixed effects)",
    "op": "Olley-Pakes (1996)",
    "lp": "Levinsohn-Petrin (2003)",
    "acf": "Ackerberg-Caves-Frazer (2015)",
    "wrdg": "Wooldridge (2009), pooled IV (prodestWRDG)",
    "wrdg_gmm": "Wooldridge (2009), system GMM (prodestWRDG_GMM)",
}


#: Fewer successful bootstrap replications than this and the SEs are flagged as imprecise:
#: the SD of R draws has a relative error of about 1 / sqrt(2 (R - 1)) (18% at 16, 10% at 50).
MIN_BOOTSTRAP_REPLICATIONS = 50
#: Where an output elasticity can plausibly lie; a replication outside it found another root
#: of the moments or a failed search rather than sampling variation.
PLAUSIBLE_ELASTICITY = (-0.5, 1.5)
#: A bootstrap SE of an elasticity above this is flagged as absurd: its 95% interval
#: (+-1.96 SE) would be about twice as wide as the unit interval elasticities live in.
MAX_ELASTICITY_SE = 0.5


@dataclass(frozen=True)
class ModelSpec:
    """The columns and options a production function was estimated with."""

    id: str
    time: str
    output: str
    free: tuple[str, ...]
    state: tuple[str, ...]
    proxy: str | None
    controls: tuple[str, ...] = ()
    method: str = "acf"
    translog: bool = False
    value_added: bool = True
    poly_degree: int = 2
    take_logs: bool = False
    exit: bool = False

    @property
    def inputs(self) -> tuple[str, ...]:
        """Inputs of the production function (the proxy too in gross output)."""
        extra = () if self.value_added or self.proxy is None else (self.proxy,)
        return (*self.free, *self.state, *extra)

    @property
    def term_exponents(self) -> list[Exponents]:
        return production_terms(len(self.inputs), self.translog)

    @property
    def term_names(self) -> list[str]:
        return [term_name(e, self.inputs) for e in self.term_exponents]


@dataclass(frozen=True)
class ProductionFunctionResults:
    """A fitted production function (immutable).

    ``params`` and ``std_errors`` are indexed by production-function term (the input column
    names for Cobb-Douglas; ``a*b`` and ``a^2`` added for translog), then by control.
    For OP, LP and ACF the standard errors are firm-block bootstrap SDs (NaN when
    ``bootstrap=0``); for OLS, FE and Wooldridge they are analytic unless a bootstrap was run.
    """

    method: str
    params: pd.Series
    std_errors: pd.Series
    se_kind: str
    converged: bool
    n_obs: int
    n_obs_second_stage: int
    n_firms: int
    objective: float
    spec: ModelSpec
    intercept: float | None = None
    intercept_std_error: float | None = None
    bootstrap_reps: int = 0
    bootstrap_failed: int = 0
    bootstrap_estimates: pd.DataFrame | None = field(default=None, repr=False)
    seed: int | None = None
    label: str | None = None
    message: str = ""
    first_stage_coef: np.ndarray | None = field(default=None, repr=False)
    first_stage_kind: str | None = None

    # ------------------------------------------------------------------ inference
    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.tvalues)), index=self.params.index)

    @property
    def elasticity_params(self) -> pd.Series:
        """Coefficients of the production-function terms only (controls left out)."""
        return self.params.iloc[: len(self.spec.term_names)]

    @property
    def returns_to_scale(self) -> float:
        """Sum of the input elasticities (Cobb-Douglas); NaN for translog, where it varies
        by observation (see :meth:`productivity`)."""
        if self.spec.translog:
            return float("nan")
        return float(self.elasticity_params.sum())

    @property
    def returns_to_scale_std_error(self) -> float:
        """Bootstrap SD of the returns to scale (NaN without a bootstrap or for translog)."""
        if self.bootstrap_estimates is None or self.spec.translog:
            return float("nan")
        sums = self.bootstrap_estimates.iloc[:, : len(self.spec.term_names)].sum(axis=1, min_count=1)
        return float(sums.std(ddof=1))

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, t_stat, p_value, 95% normal interval."""
        z = stats.norm.ppf(0.975)
        return pd.DataFrame({
            "term": self.params.index,
            "estimate": self.params.to_numpy(),
            "std_error": self.std_errors.to_numpy(),
            "t_stat": self.tvalues.to_numpy(),
            "p_value": self.pvalues.to_numpy(),
            "ci_lower": (self.params - z * self.std_errors).to_numpy(),
            "ci_upper": (self.params + z * self.std_errors).to_numpy(),
        })

    @property
    def se_warnings(self) -> list[str]:
        """Why the bootstrap standard errors should not be reported as they are (empty if fine).

        Two rules: fewer than :data:`MIN_BOOTSTRAP_REPLICATIONS` successful replications
        (the SEs are themselves imprecise), and, for the elasticities of a Cobb-Douglas
        form, an SE above :data:`MAX_ELASTICITY_SE` or replications outside
        :data:`PLAUSIBLE_ELASTICITY` (the search jumped to another root or failed).
        """
        if self.bootstrap_estimates is None or not self.bootstrap_reps:
            return []
        out = []
        n_ok = self.bootstrap_reps - self.bootstrap_failed
        if n_ok < 2:
            return [f"only {n_ok} of {self.bootstrap_reps} bootstrap replications succeeded: no standard errors"]
        if n_ok < MIN_BOOTSTRAP_REPLICATIONS:
            rel = 1 / np.sqrt(2 * (n_ok - 1))
            out.append(f"standard errors from {n_ok} bootstrap replications are themselves uncertain by about "
                       f"{rel:.0%}; use {MIN_BOOTSTRAP_REPLICATIONS} or more (e.g. bootstrap=200)")
        if not self.spec.translog:
            lo, hi = PLAUSIBLE_ELASTICITY
            draws = self.bootstrap_estimates.iloc[:, : len(self.spec.term_names)]
            for term in draws.columns:
                se = float(self.std_errors[term])
                values = draws[term].dropna().to_numpy()
                outside = int(((values < lo) | (values > hi)).sum())
                if se > MAX_ELASTICITY_SE or outside:
                    out.append(
                        f"bootstrap SE of {term} is {se:.3g}"
                        + (f" (above {MAX_ELASTICITY_SE}, implausible for an output elasticity)"
                           if se > MAX_ELASTICITY_SE else "")
                        + (f": {outside} of {len(values)} replications put the elasticity outside "
                           f"[{lo:g}, {hi:g}] (another root of the moments or a failed search)" if outside else "")
                        + "; do not report this SE as it is")
        return out

    def to_dict(self) -> dict:
        """JSON-ready dictionary (the CLI's layout); NaN standard errors become ``None``."""
        def num(v: float | None) -> float | None:
            return None if v is None or not np.isfinite(v) else float(v)
        return {
            "method": self.method,
            "n_obs": int(self.n_obs),
            "n_firms": int(self.n_firms),
            "converged": bool(self.converged),
            "params": {k: num(v) for k, v in self.params.items()},
            "std_errors": {k: num(v) for k, v in self.std_errors.items()},
            "method_name": METHOD_NAMES.get(self.method, self.method),
            "prodest_function": PRODEST_FUNCTIONS.get(self.method),
            "form": "translog" if self.spec.translog else "cobb-douglas",
            "value_added": bool(self.spec.value_added),
            "n_obs_estimating_equation": int(self.n_obs_second_stage),
            "returns_to_scale": {"estimate": num(self.returns_to_scale),
                                 "std_error": num(self.returns_to_scale_std_error)},
            "se_type": self.se_kind,
            "bootstrap": {"replications": int(self.bootstrap_reps), "failed": int(self.bootstrap_failed),
                          "seed": self.seed},
            "intercept": num(self.intercept),
            "objective": num(self.objective),
            "warnings": self.se_warnings,
        }

    @property
    def _has_se(self) -> bool:
        return bool(np.isfinite(self.std_errors.to_numpy(dtype=float)).any())

    def _display(self) -> Display:
        s = self.spec
        facts = [
            ("Output", s.output + ("" if s.value_added else " (gross output)")),
            ("Inputs", f"free: {', '.join(s.free)}; state: {', '.join(s.state)}"
                       + (f"; proxy: {s.proxy}" if s.proxy else "")),
            ("Form", f"{'translog' if s.translog else 'Cobb-Douglas'}, "
                     f"{'value added' if s.value_added else 'gross output'}"),
            ("Observations", f"{self.n_obs} ({self.n_obs_second_stage} in the estimating equation), "
                             f"{self.n_firms} firms"),
            ("Standard errors", self.se_kind if self._has_se else
             f"none: {self.method.upper()} has no analytic standard errors; bootstrap=R "
             "(command line: --bootstrap R, e.g. 200) gives firm-block bootstrap SEs"),
            ("Converged", str(self.converged) + (f" (criterion {self.objective:.6g})"
                                                  if np.isfinite(self.objective) else "")),
        ]
        if PRODEST_FUNCTIONS.get(self.method):
            facts.insert(0, ("R equivalent", f"prodest::{PRODEST_FUNCTIONS[self.method]}"))
        if not s.translog:
            se = self.returns_to_scale_std_error
            facts.append(("Returns to scale", f"{self.returns_to_scale:.4f}" + (f" (SE {se:.4f})" if np.isfinite(se) else "")))
        frame = self.to_frame()
        table = {"Term": list(frame["term"]), "Estimate": [fmt(v) for v in frame["estimate"]]}
        if self._has_se:
            table.update({
                "Std. Error": [fmt(v) for v in frame["std_error"]],
                "z value": [fmt(v, 3) for v in frame["t_stat"]],
                "Pr(>|z|)": [fmt_p(v) for v in frame["p_value"]],
                "[95%": [fmt(v) for v in frame["ci_lower"]],
                "Conf. Int.]": [fmt(v) for v in frame["ci_upper"]],
            })
        notes = [f"Note: {self.message}"] if self.message else []
        notes += [f"Warning: {w}" for w in self.se_warnings]
        title = f"Production function: {METHOD_NAMES.get(self.method, self.method)}" + (
            f"  [{self.label}]" if self.label else "")
        return Display(title=title, facts=facts, tables=[("", pd.DataFrame(table))], notes=notes)

    def summary(self) -> str:
        """Plain-text summary: specification, sample, estimates (with SEs, z, p and interval
        when there are SEs; otherwise how to get them), returns to scale, SE warnings."""
        return self._display().text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self._display().html()

    # --------------------------------------------------------------- productivity
    def productivity(self, data: pd.DataFrame) -> pd.DataFrame:
        """Log TFP and output elasticities for every row of ``data`` (same index).

        Columns: ``log_tfp`` (``y - f(x; beta)``, prodest's ``omega``: productivity plus the
        i.i.d. shock, constant included), ``log_tfp_net_of_noise`` (``phi - f(x; beta)``,
        the first-stage prediction net of inputs, i.e. without the shock; NaN without a
        proxy), ``returns_to_scale`` and ``elasticity_<input>`` for each input.  Rows with a
        missing (or, with ``take_logs``, non-positive) value get NaN, never disappear.
        """
        s = self.spec
        cols = [s.output, *s.free, *s.state, *s.controls, *([s.proxy] if s.proxy else [])]
        v = {}
        for c in cols:
            a = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
            if s.take_logs and c not in s.controls:
                with np.errstate(divide="ignore", invalid="ignore"):
                    a = np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), np.nan)
            v[c] = a
        n = len(data)

        def mat(names) -> np.ndarray:
            return np.column_stack([v[c] for c in names]) if names else np.empty((n, 0))

        x_in = mat(s.inputs)
        exps = s.term_exponents
        b = self.elasticity_params.to_numpy()
        gamma = self.params.iloc[len(b):].to_numpy()
        fitted = evaluate(x_in, exps) @ b + mat(s.controls) @ gamma
        out = pd.DataFrame({s.id: data[s.id].to_numpy(), s.time: data[s.time].to_numpy()}, index=data.index)
        out["log_tfp"] = v[s.output] - fitted
        net = np.full(n, np.nan)
        if self.first_stage_coef is not None and s.proxy:
            arrays = PanelArrays(
                y=v[s.output], free=mat(s.free), state=mat(s.state), proxy=v[s.proxy],
                controls=mat(s.controls), firm=np.zeros(n, dtype=np.int64),
                time=np.zeros(n, dtype=np.int64), prev=np.full(n, -1), weights=np.ones(n),
            )
            phi = first_stage.design(arrays, self.first_stage_kind, s.poly_degree) @ self.first_stage_coef
            net = phi - fitted
        out["log_tfp_net_of_noise"] = net
        el = elasticities(x_in, exps, b)
        out["returns_to_scale"] = el.sum(axis=1)
        for j, name in enumerate(s.inputs):
            out[f"elasticity_{name}"] = el[:, j]
        return out

    def log_tfp(self, data: pd.DataFrame) -> pd.Series:
        """``log_tfp`` column of :meth:`productivity`."""
        return self.productivity(data)["log_tfp"]
