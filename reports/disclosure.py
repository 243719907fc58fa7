"""Statistical disclosure control for published cells (study design, section 5).

Primary suppression
    A cell built from firm data is published only if

    * it covers at least ``min_firms`` distinct firms (threshold rule);
    * the two largest firms hold at most ``dominance_top2_share`` of its magnitude
      ((n, k) dominance rule with n = 2);
    * it passes the p% rule: the remainder after the two largest contributions is at
      least ``p_percent`` of the largest, so the second-largest firm cannot estimate the
      largest to within p% (Hundepool et al., 2012, *Statistical Disclosure Control*,
      section 4.2.2, the p% rule for magnitude tables).

    With the default k = 85% and p = 10% the p% rule never binds on its own: a
    remainder below 10% of the largest contribution means the top two hold more than
    90% of the cell. It is kept because the study spec may loosen k.

    Contributions are summed per firm within a cell first and taken in absolute value,
    so a firm with several rows counts once and negative magnitudes (losses) dominate
    as much as positive ones.

Secondary suppression
    A suppressed cell must not be recoverable from published totals or differences.
    Each additive relation ``total = c1 + ... + ck`` is checked. A suppressed cell whose
    value an attacker knows anyway (a cell without firms is 0; a value printed in
    another table) is no protection: it counts as published. While a relation has
    exactly one unknown suppressed member, or a primary-suppressed member whose
    unknown fellow suppressions add up to less than ``p_percent`` of its own
    magnitude (the upper protection level of the p% rule: the total minus the
    published members would bound it within p%), one more member is suppressed: the
    smallest eligible component large enough to give that protection (by ``size``,
    ties by position; the largest if none is), or, when no component is eligible, the
    total. This is repeated to a fixed point (Hundepool et al., 2012, sections 4.3
    and 4.4, the "hypercube" idea reduced to one level). Relations across tables that
    share margins are given to the same call; :func:`reports.audit.audit_publication`
    then checks the published set as an attacker would, with linear programming.

Order statistics
    A median or any other quantile of a group is one firm's value (or the mean of two).
    :func:`middle_mean` publishes instead the mean of the middle ``min_firms`` values
    (one more when needed to stay centred), and only when the firms left out are
    themselves at least ``min_firms`` (their sum is the group total minus the middle
    sum, so it is a published cell too).

Regression cells
    A coefficient is published only with residual degrees of freedom of at least
    ``min_residual_df`` and when every dummy in the model (entry cohort, cluster,
    size class, the treatment itself) covers at least ``min_dummy_firms`` firms.

Reasons are ``"<code>: <detail>"`` strings with codes :data:`MIN_FIRMS`,
:data:`DOMINANCE`, :data:`P_RULE`, :data:`SECONDARY`, :data:`RESIDUAL_DF`,
:data:`DUMMY_COVERAGE`, :data:`ORDER_STATISTIC`; an empty string means the cell is
published.

The PyPI package ``acro`` (1.0.2) was considered and not used: it is a stateful
session object that records outputs into its own folder, counts rows rather than
distinct firms, has no secondary suppression, refuses ``.svg`` outputs, and pulls
``rdflib``/``lxml``; the rules themselves are a few vectorised lines.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from reports.errors import ReportError

MIN_FIRMS = "min_firms"
DOMINANCE = "dominance"
P_RULE = "p_rule"
SECONDARY = "secondary"
RESIDUAL_DF = "residual_df"
DUMMY_COVERAGE = "dummy_coverage"
ORDER_STATISTIC = "order_statistic"

#: Columns of every companion disclosure frame, in order.
COMPANION_COLUMNS: tuple[str, ...] = ("row", "column", "n_firms", "top2_share", "suppressed_reason")


@dataclass(frozen=True)
class DisclosureRules:
    """Thresholds of the disclosure rules; defaults are the study design's.

    Parameters
    ----------
    min_firms
        Minimum number of distinct firms behind a published cell.
    dominance_top2_share
        Maximum share of a cell's magnitude held by its two largest firms.
    p_percent
        The p of the p% rule, as a fraction (0.10 = 10%).
    min_residual_df
        Minimum residual degrees of freedom of a published regression.
    min_dummy_firms
        Minimum number of firms every dummy variable of a published regression covers.
    marker
        What a suppressed cell shows instead of its value.
    """

    min_firms: int = 10
    dominance_top2_share: float = 0.85
    p_percent: float = 0.10
    min_residual_df: int = 10
    min_dummy_firms: int = 10
    marker: str = "x"

    def __post_init__(self) -> None:
        if int(self.min_firms) < 1:
            raise ReportError(f"min_firms must be at least 1, got {self.min_firms}")
        if not 0 < float(self.dominance_top2_share) <= 1:
            raise ReportError(f"dominance_top2_share must be in (0, 1], got {self.dominance_top2_share}")
        if not 0 <= float(self.p_percent) < 1:
            raise ReportError(f"p_percent must be a fraction in [0, 1), got {self.p_percent}")
        if int(self.min_residual_df) < 1:
            raise ReportError(f"min_residual_df must be at least 1, got {self.min_residual_df}")
        if int(self.min_dummy_firms) < 1:
            raise ReportError(f"min_dummy_firms must be at least 1, got {self.min_dummy_firms}")
        if not self.marker or any(ch.isdigit() for ch in self.marker):
            raise ReportError(f"marker must be a non-empty string without digits, got {self.marker!r}")

    @classmethod
    def from_spec(cls, spec: object) -> "DisclosureRules":
        """Build from a mapping or an object with matching attributes (the study spec's
        ``disclosure`` section). Unknown mapping keys are an error; missing ones default."""
        names = {f.name for f in fields(cls)}
        if isinstance(spec, Mapping):
            unknown = sorted(set(spec) - names)
            if unknown:
                raise ReportError(f"unknown disclosure setting(s): {', '.join(map(str, unknown))}")
            return cls(**dict(spec))
        return cls(**{n: getattr(spec, n) for n in names if hasattr(spec, n)})


def cell_statistics(
    data: pd.DataFrame,
    by: Sequence[str],
    firm: str,
    magnitude: str | None = None,
) -> pd.DataFrame:
    """Per-cell disclosure statistics from firm-level contributions.

    Parameters
    ----------
    data
        One row per contribution (firm, or firm-year): the ``by`` columns, ``firm`` and,
        optionally, ``magnitude``. Rows with a missing magnitude do not count.
    by
        Columns defining a cell.
    firm
        Column identifying a firm (any pseudonymous id).
    magnitude
        Column whose cell total is published (FTE, value added...). Without it only
        the firm count is computed and the dominance statistics are NaN.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``, with ``n_firms``, ``total`` (sum of absolute per-firm
        contributions), ``top1`` (largest contribution x1), ``top2_share``
        ((x1 + x2) / total) and ``remainder`` (total - x1 - x2, for the p% rule).
    """
    by = list(by)
    missing = [c for c in [*by, firm, *([magnitude] if magnitude else [])] if c not in data.columns]
    if missing:
        raise ReportError(f"cell_statistics: missing column(s) {', '.join(missing)}")
    used = data if magnitude is None else data.loc[data[magnitude].notna()]
    # One factorisation of the cell keys and one of the firm ids; everything after is
    # integer arithmetic on numpy arrays (no per-cell Python work).
    grouped = used.groupby(list(by), sort=True, dropna=False)
    cell = grouped.ngroup().to_numpy(np.int64)
    cells = grouped.size().index
    n_cells = len(cells)
    firm_code = pd.factorize(used[firm], use_na_sentinel=False)[0].astype(np.int64)
    stride = int(firm_code.max(initial=0)) + 1
    _, pair_first, pair_of_row = np.unique(cell * stride + firm_code, return_index=True, return_inverse=True)
    pair_cell = cell[pair_first]
    out = pd.DataFrame({"n_firms": np.bincount(pair_cell, minlength=n_cells).astype(float)}, index=cells)
    if magnitude is None or n_cells == 0:
        for col in ("total", "top1", "top2_share", "remainder"):
            out[col] = np.nan if magnitude is None else np.zeros(0)
        return out
    x = np.abs(np.bincount(pair_of_row, weights=used[magnitude].to_numpy(float)))  # per-firm sum, then |.|
    order = np.lexsort((-x, pair_cell))  # by cell, largest contribution first
    sorted_cell, sorted_x = pair_cell[order], x[order]
    first_of_cell = np.r_[True, sorted_cell[1:] != sorted_cell[:-1]]
    second_of_cell = np.r_[False, first_of_cell[:-1]] & ~first_of_cell
    top1 = np.zeros(n_cells)
    top1[sorted_cell[first_of_cell]] = sorted_x[first_of_cell]
    top2 = top1.copy()
    top2[sorted_cell[second_of_cell]] += sorted_x[second_of_cell]
    total = np.bincount(pair_cell, weights=x, minlength=n_cells)
    out["total"] = total
    out["top1"] = top1
    with np.errstate(invalid="ignore", divide="ignore"):
        out["top2_share"] = np.where(total > 0, top2 / np.where(total > 0, total, 1.0), np.nan)
    out["remainder"] = total - top2
    return out


def primary_reasons(stats: pd.DataFrame, rules: DisclosureRules) -> pd.Series:
    """Primary-suppression reason per cell (empty string = publishable).

    ``stats`` has the columns of :func:`cell_statistics` (``n_firms`` required;
    ``top1``, ``top2_share``, ``remainder`` optional, NaN = rule not applicable).
    The first failing rule is reported, in the order threshold, dominance, p%.
    """
    if "n_firms" not in stats.columns:
        raise ReportError("primary_reasons: stats need an n_firms column")
    n = stats["n_firms"].fillna(0).astype(float)
    share = stats["top2_share"] if "top2_share" in stats.columns else pd.Series(np.nan, index=stats.index)
    top1 = stats["top1"] if "top1" in stats.columns else pd.Series(np.nan, index=stats.index)
    rem = stats["remainder"] if "remainder" in stats.columns else pd.Series(np.nan, index=stats.index)
    reason = pd.Series("", index=stats.index, dtype=object)
    p_fail = (rem < rules.p_percent * top1) & (top1 > 0)
    reason = reason.mask(
        p_fail,
        [
            f"{P_RULE}: remainder {r / t:.1%} of largest < {rules.p_percent:.0%}" if t > 0 else ""
            for r, t in zip(rem, top1)
        ],
    )
    dom_fail = share > rules.dominance_top2_share
    reason = reason.mask(
        dom_fail, [f"{DOMINANCE}: top-2 share {s:.1%} > {rules.dominance_top2_share:.0%}" for s in share]
    )
    few = n < rules.min_firms
    reason = reason.mask(few, [f"{MIN_FIRMS}: {k:.0f} firms < {rules.min_firms}" for k in n])
    return reason


@dataclass(frozen=True)
class Relation:
    """An additive relation among published cells: ``total = sum(components)``.

    Also covers differences: if ``A`` and ``B`` are published and ``C = A - B`` is
    too, that is the relation ``A = B + C``.
    """

    total: Hashable
    components: tuple[Hashable, ...]


def secondary_suppression(
    reasons: pd.Series,
    relations: Sequence[Relation],
    size: pd.Series | None = None,
    known: pd.Series | None = None,
    p_percent: float = 0.0,
) -> pd.Series:
    """Add secondary suppressions until no relation reveals a suppressed cell.

    Parameters
    ----------
    reasons
        Primary reasons indexed by cell id (empty string = published).
    relations
        Additive relations among cell ids; ids absent from ``reasons`` are an error.
        Give the relations of every table that shares the cells' margins to one call.
    size
        Magnitude of each cell (non-negative), used to pick the cell to sacrifice
        (smallest first) and for the p% protection; by default the cell's position in
        ``reasons``. Ties are broken by position, so the choice is deterministic.
    known
        Boolean, ``True`` for cells whose value an attacker knows whatever this call
        decides: a cell without any firm (its value is 0, and a published count or a
        public membership list says so) or a value printed in another table. Such a
        cell neither needs protection nor gives any: a suppressed known cell counts as
        published in every relation, and it is never picked to protect another cell.
    p_percent
        Protection a primary-suppressed cell needs, as a fraction of its ``size``: the
        other unknown suppressed members of each of its relations must add up to at
        least that much, or the relation's total minus its published members would put
        the cell within p% (Hundepool et al., 2012, section 4.3.3, upper protection
        level; with the default 0 only the count of hidden cells matters).

    Returns
    -------
    pandas.Series
        Reasons with ``"secondary: protects <cell>"`` added where needed.
    """
    out = reasons.astype(object).copy()
    primary = out != ""
    position = pd.Series(np.arange(len(out)), index=out.index)
    order_key = size.reindex(out.index).astype(float).fillna(0.0) if size is not None else position.astype(float)
    magnitude = order_key.abs() if size is not None else pd.Series(0.0, index=out.index)
    is_known = (
        known.reindex(out.index).fillna(False).astype(bool)
        if known is not None
        else pd.Series(False, index=out.index)
    )
    for rel in relations:
        for cell in (rel.total, *rel.components):
            if cell not in out.index:
                raise ReportError(f"secondary_suppression: relation refers to unknown cell {cell!r}")

    def hidden(c: Hashable) -> bool:
        return out[c] != "" and not is_known[c]

    def exposed(members: Sequence[Hashable]) -> tuple[Hashable, float] | None:
        """The first hidden member the others do not protect, with the size still missing."""
        unknown = [c for c in members if hidden(c)]
        if len(unknown) == 1:
            return unknown[0], p_percent * magnitude[unknown[0]]
        if p_percent > 0:
            total = sum(magnitude[c] for c in unknown)
            for c in unknown:
                need = p_percent * magnitude[c] - (total - magnitude[c])
                if primary[c] and need > 0:
                    return c, need
        return None

    changed = True
    while changed:  # each pass suppresses at least one more cell, so this terminates
        changed = False
        for rel in relations:
            members = (rel.total, *rel.components)
            found = exposed(members)
            if found is None:
                continue
            cell, need = found
            candidates = [c for c in rel.components if out[c] == "" and not is_known[c]]
            if not candidates and out[rel.total] == "" and not is_known[rel.total]:
                candidates = [rel.total]
            if not candidates:
                continue  # nothing left to hide here: the audit reports it if it leaks
            enough = [c for c in candidates if magnitude[c] >= need]
            if enough:
                pick = min(enough, key=lambda c: (order_key[c], position[c]))
            else:
                pick = max(candidates, key=lambda c: (order_key[c], -position[c]))
            out[pick] = f"{SECONDARY}: protects {_cell_name(cell)}"
            changed = True
    return out


def middle_mean(
    data: pd.DataFrame,
    by: Sequence[str],
    value: str,
    firm: str,
    rules: DisclosureRules,
    magnitude: bool = False,
) -> pd.DataFrame:
    """A median that is not one firm's value: the mean of the middle firms of each group.

    The values of a group are sorted (ties by ``firm``, so the result is
    deterministic) and the middle ``k`` are averaged, with ``k = min_firms``, or
    ``min_firms + 1`` when the group size and ``min_firms`` differ in parity (so the
    window is centred and, for a symmetric distribution, estimates the median). The
    firms left out on both sides have a known sum too (group total, published as
    mean x N, minus the middle sum), so the statistic is published only when that
    complement is empty or holds at least ``min_firms`` firms; with ``magnitude`` both
    the middle and the complement must also pass the dominance and p% rules. A
    group below ``min_firms`` gets the threshold reason.

    Parameters
    ----------
    data
        One row per firm: the ``by`` columns, ``firm`` and ``value`` (rows with a
        missing value are left out).
    by
        Columns defining a group.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``: ``value`` (the middle mean), ``k`` (firms averaged), ``n``
        (firms in the group) and ``reason`` (empty string = publishable; code
        :data:`ORDER_STATISTIC` when the complement or the middle fails).
    """
    by = list(by)
    missing = [c for c in [*by, firm, value] if c not in data.columns]
    if missing:
        raise ReportError(f"middle_mean: missing column(s) {', '.join(missing)}")
    frame = data.loc[data[value].notna(), [*by, firm, value]].sort_values([*by, value, firm], kind="mergesort")
    grouped = frame.groupby(by, sort=True, dropna=False)
    n = grouped[value].transform("size").to_numpy(np.int64)
    rank = grouped.cumcount().to_numpy(np.int64)
    k_min = int(rules.min_firms)
    k = np.minimum(n, k_min + (n - k_min) % 2)
    left = (n - k) // 2
    middle = (rank >= left) & (rank < left + k)
    frame = frame.assign(_middle=middle)
    out = pd.DataFrame(
        {
            "value": frame.loc[middle].groupby(by, sort=True, dropna=False)[value].mean(),
            "k": frame.loc[middle].groupby(by, sort=True, dropna=False)[value].size().astype(float),
            "n": grouped[value].size().astype(float),
        }
    )
    out["reason"] = primary_reasons(pd.DataFrame({"n_firms": out["n"]}), rules)
    outside = out["n"] - out["k"]
    thin = (out["reason"] == "") & (outside > 0) & (outside < k_min)
    out.loc[thin, "reason"] = [
        f"{ORDER_STATISTIC}: the {int(a)} firms outside the middle {int(b)} are fewer than {k_min}"
        for a, b in zip(outside[thin], out.loc[thin, "k"])
    ]
    if magnitude:
        for part, label in ((frame.loc[middle], "middle"), (frame.loc[~middle], "outside")):
            if part.empty:
                continue
            checked = primary_reasons(cell_statistics(part, by, firm, value), replace(rules, min_firms=1))
            checked = checked.reindex(out.index).fillna("")
            fail = (out["reason"] == "") & (checked != "")
            out.loc[fail, "reason"] = [f"{ORDER_STATISTIC}: firms {label} the middle: {r}" for r in checked[fail]]
    return out


def _cell_name(cell: Hashable) -> str:
    if isinstance(cell, tuple):
        return " / ".join(str(c) for c in cell)
    return str(cell)


def grid_relations(
    row_labels: Sequence[Hashable],
    column_labels: Sequence[Hashable],
    row_total: Hashable | None = None,
    column_total: Hashable | None = None,
) -> list[Relation]:
    """Relations of a two-way table whose margins are a total row and/or column.

    Cell ids are ``(row, column)`` tuples. ``row_total`` names the row that is the sum
    of the other rows (in every column); ``column_total`` likewise for columns.
    """
    rels: list[Relation] = []
    if row_total is not None:
        body = [r for r in row_labels if r != row_total]
        rels += [Relation((row_total, c), tuple((r, c) for r in body)) for c in column_labels]
    if column_total is not None:
        body = [c for c in column_labels if c != column_total]
        rels += [Relation((r, column_total), tuple((r, c) for c in body)) for r in row_labels]
    return rels


def regression_reason(
    residual_df: float | None,
    rules: DisclosureRules,
    dummy_firms: Mapping[str, float] | None = None,
) -> str:
    """Reason a regression result cannot be published, or ``""``.

    Parameters
    ----------
    residual_df
        Residual degrees of freedom of the model (NaN/None = unknown, not checked).
    dummy_firms
        Number of distinct firms each dummy covers, e.g. ``{"member": 412,
        "cohort 2016": 37}``; the smallest is checked against ``min_dummy_firms``.
    """
    if residual_df is not None and not (isinstance(residual_df, float) and math.isnan(residual_df)):
        if float(residual_df) < rules.min_residual_df:
            return f"{RESIDUAL_DF}: {float(residual_df):g} < {rules.min_residual_df}"
    if dummy_firms:
        name, count = min(dummy_firms.items(), key=lambda kv: (float(kv[1]), str(kv[0])))
        if float(count) < rules.min_dummy_firms:
            return f"{DUMMY_COVERAGE}: {name} covers {int(count)} firms < {rules.min_dummy_firms}"
    return ""


def reason_code(reason: str) -> str:
    """The code part of a reason string (``""`` for a published cell)."""
    return reason.split(":", 1)[0] if reason else ""
