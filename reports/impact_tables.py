"""Impact tables T1-T6 of the study design (section 4), built from tidy frames.

Every builder takes tidy pandas input (documented per function), a
:class:`~reports.notes.StudyNotes` for the footnote, :class:`~reports.disclosure.DisclosureRules`
and the number of ``decimals``, and returns a :class:`~reports.tables.PublishedTable`.
Coefficients are log points; "effect in %" is ``100 * (exp(b) - 1)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reports.disclosure import (
    MIN_FIRMS,
    SECONDARY,
    DisclosureRules,
    cell_statistics,
    middle_mean,
    primary_reasons,
    regression_reason,
)
from reports.errors import ReportError
from reports.formatting import (
    format_count,
    format_number,
    is_missing,
    percent_effect,
    stars,
    two_sided_pvalue,
)
from reports.notes import StudyNotes
from reports.tables import CellGrid, PublishedTable

#: Fixed-effect rows of the main table, in the order printed.
DEFAULT_FIXED_EFFECTS: tuple[str, ...] = ("Firm FE", "Year FE", "Industry × year FE")


def _percent_decimals(decimals: int) -> int:
    # a coefficient at 3 decimals is a percentage at 1 decimal (0.031 -> 3.1)
    return max(decimals - 2, 1)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(f"{what}: missing column(s) {', '.join(missing)}")


def _opt(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def _coverage_reason(n_firms: float | None, rules: DisclosureRules) -> str:
    if n_firms is not None and not is_missing(n_firms) and float(n_firms) < rules.min_firms:
        return f"{MIN_FIRMS}: {int(n_firms)} firms < {rules.min_firms}"
    return ""


# --------------------------------------------------------------------------- T3


@dataclass(frozen=True)
class EffectColumn:
    """One column of the main effect table (T3).

    Parameters
    ----------
    label
        Column heading, e.g. ``"TWFE DiD"``; the table prefixes ``(1)``, ``(2)``...
    estimate, se
        Membership effect in log points and its firm-clustered standard error.
    pvalue
        Two-sided p-value; if missing it is computed from ``estimate / se`` against
        t(``df``) or, without ``df``, N(0, 1).
    df
        Degrees of freedom of the reference t distribution (G - 1 with G firm clusters).
    n_obs, n_firms, n_members
        Firm-years, distinct firms, distinct member firms in the estimation sample.
    fixed_effects
        Row label -> included, e.g. ``{"Firm FE": True, "Year FE": True}``. Labels not
        given print "No".
    r2_within
        Within R-squared, where defined (blank otherwise).
    residual_df
        Residual degrees of freedom (disclosure: at least ``min_residual_df``).
    dummy_firms
        Firms covered by each further dummy in the model (cohort, cluster, size class),
        checked against ``min_dummy_firms``; ``n_members`` is always checked.
    """

    label: str
    estimate: float
    se: float
    pvalue: float | None = None
    df: float | None = None
    n_obs: int | None = None
    n_firms: int | None = None
    n_members: int | None = None
    fixed_effects: Mapping[str, bool] = field(default_factory=dict)
    r2_within: float | None = None
    residual_df: float | None = None
    dummy_firms: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not str(self.label).strip():
            raise ReportError("EffectColumn.label must not be empty")
        if is_missing(self.estimate) or is_missing(self.se):
            raise ReportError(f"column {self.label!r}: estimate and se are required")
        if float(self.se) < 0:
            raise ReportError(f"column {self.label!r}: negative standard error {self.se}")
        object.__setattr__(self, "fixed_effects", dict(self.fixed_effects or {}))
        object.__setattr__(self, "dummy_firms", dict(self.dummy_firms or {}))

    @property
    def p(self) -> float:
        """The p-value used for the stars."""
        if not is_missing(self.pvalue):
            return float(self.pvalue)  # type: ignore[arg-type]
        return two_sided_pvalue(self.estimate, self.se, self.df)

    def disclosure_reason(self, rules: DisclosureRules) -> str:
        """Why this regression cannot be published, or ``""``."""
        reason = _coverage_reason(self.n_firms, rules)
        if reason:
            return reason
        dummies = dict(self.dummy_firms)
        if self.n_members is not None:
            dummies = {"membership": self.n_members, **dummies}
        return regression_reason(self.residual_df, rules, dummies)


def _as_effect_column(spec: EffectColumn | Mapping[str, Any]) -> EffectColumn:
    if isinstance(spec, EffectColumn):
        return spec
    if isinstance(spec, Mapping):
        try:
            return EffectColumn(**dict(spec))
        except TypeError as exc:
            raise ReportError(f"main table column spec: {exc}") from None
    raise ReportError(f"main table column spec must be an EffectColumn or a mapping, got {type(spec).__name__}")


def _effect_cells(estimate: float, se: float, p: float, decimals: int) -> tuple[str, str, str]:
    return (
        format_number(estimate, decimals) + stars(p),
        "(" + format_number(se, decimals) + ")",
        format_number(percent_effect(estimate), _percent_decimals(decimals)),
    )


def build_main_table(
    columns: Sequence[EffectColumn | Mapping[str, Any]],
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    effect_label: str = "Cluster membership",
    se_label: str = "(SE)",
    fixed_effect_rows: Sequence[str] = DEFAULT_FIXED_EFFECTS,
    name: str = "T3_main_effect",
    title: str = "Effect of cluster membership on total factor productivity",
) -> PublishedTable:
    """T3: the main effect table, one column per specification.

    Parameters
    ----------
    columns
        :class:`EffectColumn` objects or mappings with the same keys, in print order:
        conventionally (1) pooled OLS member premium, (2) TWFE DiD, (3) TWFE with
        industry x year effects, (4) Callaway and Sant'Anna (2021) overall ATT,
        (5) matched-sample DiD, (6) TFP estimated by cluster classification.
    notes, rules, decimals
        Footnote content, disclosure thresholds, decimals of coefficients (the percent
        row uses ``decimals - 2``, at least 1).
    effect_label, se_label
        Labels of the coefficient row and of the standard-error row under it (how the
        errors are clustered is stated in the footnote).
    fixed_effect_rows
        Fixed-effect rows always printed (Yes/No); further keys found in the columns'
        ``fixed_effects`` are appended in order of appearance.

    Returns
    -------
    PublishedTable
        Rows: effect (stars at 10/5/1%), its SE in parentheses, effect in %, one row per
        fixed effect, N observations, N firms, N members, Within R². A column that fails
        the regression disclosure rules shows the marker in every numeric row.
    """
    specs = [_as_effect_column(c) for c in columns]
    if not specs:
        raise ReportError("main table needs at least one column")
    headers = [f"({i}) {c.label}" for i, c in enumerate(specs, start=1)]
    fe_rows = list(dict.fromkeys([*fixed_effect_rows, *[k for c in specs for k in c.fixed_effects]]))
    grid = CellGrid(headers, ["Statistic"])
    reasons = {h: c.disclosure_reason(rules) for h, c in zip(headers, specs)}
    n_firms = {h: c.n_firms for h, c in zip(headers, specs)}
    cells = {h: _effect_cells(c.estimate, c.se, c.p, decimals) for h, c in zip(headers, specs)}
    grid.add_row(effect_label, {h: v[0] for h, v in cells.items()}, n_firms, None, reasons)
    grid.add_row(se_label, {h: v[1] for h, v in cells.items()}, n_firms, None, reasons)
    grid.add_row("Effect in %", {h: v[2] for h, v in cells.items()}, n_firms, None, reasons)
    for fe in fe_rows:
        grid.add_row(fe, {h: ("Yes" if c.fixed_effects.get(fe, False) else "No") for h, c in zip(headers, specs)})
    grid.add_row("N observations", {h: format_count(c.n_obs) for h, c in zip(headers, specs)}, n_firms, None, reasons)
    grid.add_row("N firms", {h: format_count(c.n_firms) for h, c in zip(headers, specs)}, n_firms, None, reasons)
    grid.add_row("N members", {h: format_count(c.n_members) for h, c in zip(headers, specs)}, n_firms, None, reasons)
    r2_reasons = {h: (reasons[h] if not is_missing(c.r2_within) else "") for h, c in zip(headers, specs)}
    grid.add_row(
        "Within R²",
        {h: format_number(c.r2_within, decimals) for h, c in zip(headers, specs)},
        n_firms,
        None,
        r2_reasons,
    )
    footnote = notes.footnote(
        "Dependent variable: log TFP. Effect in % = 100 (exp(b) - 1).",
        rules=rules,
        significance=True,
        standard_errors=True,
    )
    return grid.build(name, title, footnote, rules)


# --------------------------------------------------------------------------- T1


def build_profile_table(
    firms: pd.DataFrame,
    variables: Mapping[str, str] | Sequence[str],
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    member: str = "member",
    firm: str = "firm_id",
    magnitudes: Sequence[str] | None = None,
    timing_note: str = "Firm-level values measured before membership.",
    name: str = "T1_pre_membership_profile",
    title: str = "Pre-membership profile of members and non-members",
) -> PublishedTable:
    """T1: means, SD, medians (as middle means) and standardised differences, members vs non-members.

    Parameters
    ----------
    firms
        One row per firm, measured before membership (the pipeline picks the year):
        ``firm`` (pseudonymous id), ``member`` (bool/0-1) and one numeric column per
        variable. Missing values are left out variable by variable.
    variables
        Columns to describe, or a mapping column -> printed label (print order).
    timing_note
        First sentence of the footnote: when the firms were measured.
    magnitudes
        Variables to which the dominance and p% rules apply (additive, non-negative
        quantities such as FTE or value added). Default: every variable whose observed
        values are all non-negative. The threshold rule applies to every cell.

    Returns
    -------
    PublishedTable
        Rows = variables; columns ``Members: mean/SD/median/N``, ``Non-members: ...``,
        ``Std. diff.`` = (mean_m - mean_n) / sqrt((var_m + var_n) / 2)
        (Austin, 2009, eq. 1; Imbens and Rubin, 2015, ch. 14). The "median" is the
        mean of the middle ``min_firms`` firms (:func:`reports.disclosure.middle_mean`),
        never one firm's value. A group statistic that fails disclosure is suppressed
        in all its cells, in the standardised difference and, as secondary
        suppression, in the other group (the two add up to all firms).
    """
    labels = dict(variables) if isinstance(variables, Mapping) else {v: v for v in variables}
    if not labels:
        raise ReportError("profile table: no variables given")
    _require(firms, [firm, member, *labels], "profile table")
    if firms[firm].duplicated().any():
        raise ReportError("profile table: expects one row per firm, found duplicated firm ids")
    flags = firms[member]
    if not flags.dropna().isin([0, 1, True, False]).all():
        raise ReportError(f"profile table: column {member!r} must be 0/1 or boolean")
    long = firms[[firm, member, *labels]].melt(id_vars=[firm, member], var_name="variable", value_name="value")
    long = long.dropna(subset=["value"])
    long["group"] = np.where(long[member].astype(bool), "Members", "Non-members")
    if magnitudes is None:
        nonneg = long.groupby("variable")["value"].min() >= 0
        magnitudes = [v for v in labels if bool(nonneg.get(v, False))]
    long["magnitude"] = np.where(long["variable"].isin(list(magnitudes)), long["value"], np.nan)
    desc = long.groupby(["variable", "group"])["value"].agg(["mean", "std", "count"])
    # The median of an odd-sized group is one firm's value: publish the mean of the
    # middle firms instead (reports.disclosure.middle_mean), separately for magnitudes
    # (dominance checked on the middle and on the firms left out) and the rest.
    is_mag = long["variable"].isin(list(magnitudes))
    medians = pd.concat(
        [
            middle_mean(long.loc[is_mag], ["variable", "group"], "value", firm, rules, magnitude=True),
            middle_mean(long.loc[~is_mag], ["variable", "group"], "value", firm, rules, magnitude=False),
        ]
    )
    stats = cell_statistics(long, ["variable", "group"], firm)
    mags = cell_statistics(long.dropna(subset=["magnitude"]), ["variable", "group"], firm, "magnitude")
    stats = stats.join(mags.drop(columns="n_firms"), rsuffix="_m")
    for col in ("total", "top1", "top2_share", "remainder"):
        stats[col] = stats[f"{col}_m"]
    reasons = primary_reasons(stats, rules)
    groups = ("Members", "Non-members")
    # Members + non-members = all firms of the reference year, whose totals other
    # tables (M3's regional totals) or public statistics give: mean x N of one group
    # would reveal the other's. A group suppressed for a variable hides the other too.
    for var in labels:
        hidden = [g for g in groups if reasons.get((var, g), "x") != ""]
        if len(hidden) == 1:
            other = next(g for g in groups if g not in hidden)
            if (var, other) in reasons.index:
                reasons[(var, other)] = f"{SECONDARY}: protects {hidden[0]} / {labels[var]}"
    headers = [f"{g}: {s}" for g in groups for s in ("mean", "SD", "median", "N")] + ["Std. diff."]
    grid = CellGrid(headers, ["Variable"])
    for var, label in labels.items():
        values: dict[str, str] = {}
        n: dict[str, float] = {}
        share: dict[str, float] = {}
        why: dict[str, str] = {}
        for g in groups:
            key = (var, g)
            row = (
                desc.loc[key] if key in desc.index else pd.Series({"mean": np.nan, "std": np.nan, "count": 0})
            )
            k = float(stats["n_firms"].get(key, 0))
            r = reasons.get(key, f"{MIN_FIRMS}: 0 firms < {rules.min_firms}")
            median = medians.loc[key] if key in medians.index else pd.Series({"value": np.nan, "reason": r})
            values[f"{g}: mean"] = format_number(row["mean"], decimals)
            values[f"{g}: SD"] = format_number(row["std"], decimals)
            values[f"{g}: median"] = format_number(median["value"], decimals)
            values[f"{g}: N"] = format_count(row["count"])
            for s in ("mean", "SD", "median", "N"):
                n[f"{g}: {s}"] = k
                share[f"{g}: {s}"] = float(stats["top2_share"].get(key, np.nan))
                why[f"{g}: {s}"] = r
            why[f"{g}: median"] = r or median["reason"]
        m, nm = (desc.loc[(var, g)] if (var, g) in desc.index else None for g in groups)
        if m is not None and nm is not None:
            pooled = np.sqrt((m["std"] ** 2 + nm["std"] ** 2) / 2.0)
            values["Std. diff."] = format_number((m["mean"] - nm["mean"]) / pooled if pooled > 0 else np.nan, decimals)
        n["Std. diff."] = min(n["Members: N"], n["Non-members: N"])
        derived = why["Members: N"] or why["Non-members: N"]
        why["Std. diff."] = derived
        grid.add_row(label, values, n, share, why)
    footnote = notes.footnote(
        timing_note.strip() + " Std. diff. = difference in means over the square root of the mean of the two variances. "
        + median_note(rules),
        rules=rules,
    )
    return grid.build(name, title, footnote, rules)


def median_note(rules: DisclosureRules) -> str:
    """The footnote sentence saying what a published "median" is (see :func:`middle_mean`)."""
    k = int(rules.min_firms)
    return (
        f"Median: mean of the middle {k} values ({k + 1} when needed to centre them), so that no cell is one firm's "
        f"value; shown only if the firms outside the middle number 0 or at least {k}."
    )


# --------------------------------------------------------------------------- T2


def build_elasticity_table(
    elasticities: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    estimators: Sequence[str] | None = None,
    term_labels: Mapping[str, str] | None = None,
    name: str = "T2_elasticities",
    title: str = "Production-function elasticities by industry",
) -> PublishedTable:
    """T2: output elasticities per industry, one column per estimator.

    Parameters
    ----------
    elasticities
        Tidy, one row per (estimator, industry, term): ``estimator``, ``industry``,
        ``term`` (``"labour"``, ``"capital"``, possibly ``"materials"``), ``estimate``,
        ``se`` (NaN when the estimator gives none), ``n_obs``, ``n_firms``,
        ``residual_df`` (NaN = unknown).
    estimators
        Column order (default: order of appearance).
    term_labels
        Printed label per term (default: capitalised term).

    Returns
    -------
    PublishedTable
        Rows (industry, statistic): each term's estimate, its SE in parentheses,
        returns to scale (sum of the terms), N observations. An (industry, estimator)
        block failing the regression rules (firms, residual df) is suppressed.
    """
    need = ["estimator", "industry", "term", "estimate", "se", "n_obs", "n_firms", "residual_df"]
    _require(elasticities, need, "elasticity table")
    data = elasticities[need].copy()
    if data.duplicated(["estimator", "industry", "term"]).any():
        raise ReportError("elasticity table: duplicated (estimator, industry, term) rows")
    order = list(estimators) if estimators is not None else list(dict.fromkeys(data["estimator"]))
    unknown = sorted(set(data["estimator"]) - set(order))
    if unknown:
        raise ReportError(f"elasticity table: estimators not in the column order: {', '.join(map(str, unknown))}")
    terms = list(dict.fromkeys(data["term"]))
    labels = {t: (term_labels or {}).get(t, str(t).capitalize()) for t in terms}
    est = data.pivot(index=["industry", "term"], columns="estimator", values="estimate")
    se = data.pivot(index=["industry", "term"], columns="estimator", values="se")
    block = data.groupby(["industry", "estimator"]).agg(
        n_obs=("n_obs", "max"), n_firms=("n_firms", "max"), residual_df=("residual_df", "min")
    )
    rts = data.groupby(["industry", "estimator"])["estimate"].sum(min_count=1)
    grid = CellGrid(order, ["Industry", "Statistic"])
    for industry in list(dict.fromkeys(data["industry"])):
        why = {}
        n = {}
        for e in order:
            key = (industry, e)
            if key in block.index:
                b = block.loc[key]
                why[e] = _coverage_reason(_opt(b["n_firms"]), rules) or regression_reason(_opt(b["residual_df"]), rules)
                n[e] = _opt(b["n_firms"])
        for t in terms:
            key = (industry, t)
            if key not in est.index:
                continue
            grid.add_row(
                (str(industry), labels[t]),
                {e: format_number(est.loc[key].get(e), decimals) for e in order},
                n,
                None,
                why,
            )
            grid.add_row(
                (str(industry), f"{labels[t]} (SE)"),
                {
                    e: ("(" + format_number(se.loc[key].get(e), decimals) + ")")
                    if not is_missing(se.loc[key].get(e))
                    else ""
                    for e in order
                },
                n,
                None,
                why,
            )
        grid.add_row(
            (str(industry), "Returns to scale"),
            {e: format_number(rts.get((industry, e)), decimals) for e in order},
            n,
            None,
            why,
        )
        grid.add_row(
            (str(industry), "N observations"),
            {e: format_count(block["n_obs"].get((industry, e))) for e in order},
            n,
            None,
            why,
        )
    footnote = notes.footnote(
        "Output elasticities of the production function estimated by industry; returns to scale = sum of the elasticities.",
        rules=rules,
        standard_errors=True,
    )
    return grid.build(name, title, footnote, rules)


# --------------------------------------------------------------------------- T4


def balance_long(balance: pd.DataFrame) -> pd.DataFrame:
    """Balance statistics in the long layout (``variable``, ``sample``, ``std_diff``, ``var_ratio``).

    Accepts that layout unchanged, or the wide one of :meth:`matching` results
    (``covariate``, ``smd_before``, ``smd_after``, ``var_ratio_before``,
    ``var_ratio_after``, optionally ``n_treated_before``... likewise).
    """
    if not isinstance(balance, pd.DataFrame):
        raise ReportError(f"balance: expected a pandas DataFrame, got {type(balance).__name__}")
    if {"smd_before", "smd_after"} <= set(balance.columns):
        key = "covariate" if "covariate" in balance.columns else "variable"
        _require(balance, [key, "var_ratio_before", "var_ratio_after"], "balance")
        parts = []
        for sample in ("before", "after"):
            part = pd.DataFrame(
                {
                    "variable": balance[key].to_numpy(),
                    "sample": sample,
                    "std_diff": balance[f"smd_{sample}"].to_numpy(),
                    "var_ratio": balance[f"var_ratio_{sample}"].to_numpy(),
                }
            )
            for n in ("n_treated", "n_control"):
                if f"{n}_{sample}" in balance.columns:
                    part[n] = balance[f"{n}_{sample}"].to_numpy()
            parts.append(part)
        return pd.concat(parts, ignore_index=True)
    return balance


def build_balance_table(
    balance: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    off_support: Mapping[str, int] | None = None,
    variable_labels: Mapping[str, str] | None = None,
    name: str = "T4_matching_balance",
    title: str = "Covariate balance before and after matching",
) -> PublishedTable:
    """T4: standardised differences and variance ratios before/after matching.

    Parameters
    ----------
    balance
        Tidy, one row per (variable, sample): ``variable``, ``sample`` (``"before"`` or
        ``"after"``), ``std_diff``, ``var_ratio`` (NaN for binary variables), and
        optionally ``n_treated`` and ``n_control`` (firms behind the statistic; cells
        with fewer than ``min_firms`` in either group are suppressed). The wide layout
        of the matching package is accepted too (see :func:`balance_long`).
    off_support
        Firms dropped for lack of common support, by group, e.g.
        ``{"Members": 3, "Controls": 120}``; a positive count below ``min_firms`` is
        suppressed.

    Returns
    -------
    PublishedTable
        Rows = variables, then ``Off support: <group>``; columns ``Std. diff. before``,
        ``Std. diff. after``, ``Var. ratio before``, ``Var. ratio after``.
    """
    balance = balance_long(balance)
    _require(balance, ["variable", "sample", "std_diff", "var_ratio"], "balance table")
    bad = sorted(set(balance["sample"]) - {"before", "after"})
    if bad:
        raise ReportError(f"balance table: sample must be 'before' or 'after', got {', '.join(map(str, bad))}")
    if balance.duplicated(["variable", "sample"]).any():
        raise ReportError("balance table: duplicated (variable, sample) rows")
    headers = ["Std. diff. before", "Std. diff. after", "Var. ratio before", "Var. ratio after"]
    grid = CellGrid(headers, ["Variable"])
    indexed = balance.set_index(["variable", "sample"])
    has_n = {"n_treated", "n_control"} <= set(balance.columns)
    for var in dict.fromkeys(balance["variable"]):
        values, n, why = {}, {}, {}
        for sample in ("before", "after"):
            row = indexed.loc[(var, sample)] if (var, sample) in indexed.index else None
            cols = (f"Std. diff. {sample}", f"Var. ratio {sample}")
            k = min(float(row["n_treated"]), float(row["n_control"])) if (row is not None and has_n) else np.nan
            r = _coverage_reason(_opt(k), rules)
            for col, stat in zip(cols, ("std_diff", "var_ratio")):
                values[col] = format_number(row[stat], decimals) if row is not None else ""
                n[col] = k
                why[col] = r
        label = (variable_labels or {}).get(var, str(var))
        grid.add_row(label, values, n, None, why)
    for group, count in (off_support or {}).items():
        r = _coverage_reason(float(count), rules) if float(count) > 0 else ""
        grid.add_row(
            f"Off support: {group}",
            {"Std. diff. before": format_count(count)},
            {h: float(count) for h in headers[:1]},
            None,
            {headers[0]: r},
        )
    footnote = notes.footnote(
        "Std. diff. = difference in means over the square root of the mean of the two group variances; "
        "variance ratio = treated over control variance. Off support: firms outside the common support of the propensity score.",
        rules=rules,
    )
    return grid.build(name, title, footnote, rules)


# --------------------------------------------------------------------------- T5, T6

_EFFECT_COLUMNS = ("Effect", "SE", "Effect in %", "N obs", "N firms", "N members")


def _effect_row_values(row: pd.Series, decimals: int) -> dict[str, str]:
    p = _opt(row.get("pvalue"))
    if p is None:
        p = two_sided_pvalue(row["estimate"], row["se"], _opt(row.get("df")))
    effect, se, pct = _effect_cells(float(row["estimate"]), float(row["se"]), p, decimals)
    return {
        "Effect": effect,
        "SE": se,
        "Effect in %": pct,
        "N obs": format_count(row.get("n_obs")),
        "N firms": format_count(row.get("n_firms")),
        "N members": format_count(row.get("n_members")),
    }


def _effects_frame(effects: pd.DataFrame, keys: Sequence[str], what: str) -> pd.DataFrame:
    _require(effects, [*keys, "estimate", "se", "n_obs", "n_firms", "n_members", "residual_df"], what)
    if effects.duplicated(list(keys)).any():
        raise ReportError(f"{what}: duplicated ({', '.join(keys)}) rows")
    out = effects.copy()
    for col in ("pvalue", "df"):
        if col not in out.columns:
            out[col] = np.nan
    return out


def build_heterogeneity_table(
    effects: pd.DataFrame,
    tests: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    design_note: str = "Each block is one regression with the membership effect interacted with the group dummies.",
    name: str = "T5_heterogeneity",
    title: str = "Heterogeneity of the membership effect",
) -> PublishedTable:
    """T5: effects by entry cohort, size class and cluster, with a test of equality.

    Parameters
    ----------
    effects
        Tidy, one row per (dimension, group): ``dimension`` (e.g. ``"Entry cohort"``,
        ``"Size class"``, ``"Cluster"``), ``group``, ``estimate``, ``se``, optional
        ``pvalue`` / ``df``, ``n_obs``, ``n_firms``, ``n_members`` (member firms the
        group's dummy covers) and ``residual_df`` of the model.
    tests
        One row per dimension: ``dimension``, ``test`` (e.g. ``"F"`` or ``"Wald chi2"``),
        ``statistic``, ``df`` (numerator df, or a string such as ``"2, 410"``) and
        ``pvalue``.

    design_note
        First sentence of the footnote: how the blocks were estimated.

    Returns
    -------
    PublishedTable
        Rows (dimension, group) with columns ``Effect`` (stars), ``SE``, ``Effect in %``,
        ``N obs``, ``N firms``, ``N members``; then (dimension, ``"Equality test"``)
        with the statistic under ``Effect`` and ``p = ...`` under ``SE``. The groups of
        one dimension come from one regression, so if any group's dummy covers fewer
        than ``min_dummy_firms`` firms, or the residual df are too few, the whole block
        including the test is suppressed.
    """
    data = _effects_frame(effects, ["dimension", "group"], "heterogeneity table")
    _require(tests, ["dimension", "test", "statistic", "df", "pvalue"], "heterogeneity tests")
    grid = CellGrid(list(_EFFECT_COLUMNS), ["Dimension", "Group"])
    tests_by_dim = tests.drop_duplicates("dimension", keep="last").set_index("dimension")
    for dim in dict.fromkeys(data["dimension"]):
        block = data.loc[data["dimension"] == dim]
        dummies = dict(zip(block["group"].astype(str), block["n_members"].astype(float)))
        block_reason = regression_reason(_opt(block["residual_df"].min()), rules, dummies)
        for _, row in block.iterrows():  # a handful of groups per dimension
            own = _coverage_reason(_opt(row["n_firms"]), rules)
            grid.add_row(
                (str(dim), str(row["group"])),
                _effect_row_values(row, decimals),
                _opt(row["n_firms"]),
                None,
                own or block_reason,
            )
        if dim in tests_by_dim.index:
            t = tests_by_dim.loc[dim]
            df_text = str(t["df"]) if isinstance(t["df"], str) else format_count(t["df"])
            grid.add_row(
                (str(dim), "Equality test"),
                {
                    "Effect": f"{t['test']}({df_text}) = {format_number(t['statistic'], decimals)}",
                    "SE": f"p = {format_number(t['pvalue'], decimals)}",
                },
                _opt(block["n_firms"].max()),
                None,
                {"Effect": block_reason, "SE": block_reason},
            )
    footnote = notes.footnote(
        design_note.strip() + " The equality test's null hypothesis is that all group effects are equal.",
        rules=rules,
        significance=True,
        standard_errors=True,
    )
    return grid.build(name, title, footnote, rules)


def build_robustness_table(
    effects: pd.DataFrame,
    notes: StudyNotes,
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    name: str = "T6_robustness",
    title: str = "Robustness of the membership effect",
) -> PublishedTable:
    """T6: the membership effect across TFP estimators, control groups and samples.

    Parameters
    ----------
    effects
        Tidy, one row per variant: ``dimension`` (e.g. ``"TFP estimator"``,
        ``"Control group"``, ``"Sample"``), ``variant`` (``"ACF"``, ``"Not-yet members"``,
        ``"Balanced panel"``...), ``estimate``, ``se``, optional ``pvalue`` / ``df``,
        ``n_obs``, ``n_firms``, ``n_members``, ``residual_df``.

    Returns
    -------
    PublishedTable
        Rows (dimension, variant) in input order; columns ``Effect`` (stars), ``SE``,
        ``Effect in %``, ``N obs``, ``N firms``, ``N members``. Each row is its own
        regression and is checked on its own.
    """
    data = _effects_frame(effects, ["dimension", "variant"], "robustness table")
    grid = CellGrid(list(_EFFECT_COLUMNS), ["Dimension", "Variant"])
    for _, row in data.iterrows():  # one row per specification, a few dozen at most
        reason = _coverage_reason(_opt(row["n_firms"]), rules) or regression_reason(
            _opt(row["residual_df"]),
            rules,
            {"membership": float(row["n_members"])} if not is_missing(row["n_members"]) else None,
        )
        grid.add_row(
            (str(row["dimension"]), str(row["variant"])),
            _effect_row_values(row, decimals),
            _opt(row["n_firms"]),
            None,
            reason,
        )
    footnote = notes.footnote(
        "Each row re-estimates the main specification changing one element.",
        rules=rules,
        significance=True,
        standard_errors=True,
    )
    return grid.build(name, title, footnote, rules)
