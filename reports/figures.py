"""Figures F1-F6 of the study design (section 4), one seaborn theme, deterministic files.

Every builder takes a tidy frame (documented per function) and returns a
:class:`matplotlib.figure.Figure` made without :mod:`matplotlib.pyplot`, so no global
figure state leaks between calls. Points that rest on fewer than ``min_firms`` firms
(when the frame carries ``n_firms``) are not drawn. :func:`save_figure` writes PNG and
SVG with no date or software stamps, so two renders are byte-identical.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)  # headless; has no effect if a backend is already in use

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from reports.disclosure import DisclosureRules
from reports.errors import ReportError
from reports.guard import assert_no_firm_identifiers

#: Colours: members always blue, the comparison group grey, matched controls orange.
MEMBER_COLOUR = "#1f5f9e"
ECONOMY_COLOUR = "#7a7a7a"
CONTROL_COLOUR = "#d2691e"
PALETTE = (MEMBER_COLOUR, ECONOMY_COLOUR, CONTROL_COLOUR, "#2e8b57", "#8b3a62", "#b8860b")
FIGSIZE = (6.4, 4.0)
DPI = 200

_SAVE_RC = {
    "svg.hashsalt": "cluster-impact",  # fixed element ids in SVG output
    "svg.fonttype": "path",  # glyphs as paths: no dependence on installed fonts
    "path.simplify": True,
}


def theme_rc() -> dict[str, object]:
    """The rc parameters of the report theme (seaborn ``whitegrid``, ``paper`` context)."""
    rc: dict[str, object] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("paper", font_scale=1.1))
    rc.update(
        {
            "font.family": "DejaVu Sans",
            "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
            "axes.titleweight": "bold",
            "legend.frameon": False,
            "figure.dpi": 100,
        }
    )
    return rc


@contextlib.contextmanager
def report_theme() -> Iterator[None]:
    """Context in which the figure builders draw (no global state is changed)."""
    with matplotlib.rc_context(theme_rc()):
        yield


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(f"{what}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise ReportError(f"{what}: no rows to plot")


def _mask_small(frame: pd.DataFrame, columns: Sequence[str], rules: DisclosureRules) -> pd.DataFrame:
    """Blank values resting on fewer than ``min_firms`` firms (if ``n_firms`` is given)."""
    if "n_firms" not in frame.columns:
        return frame
    out = frame.copy()
    small = out["n_firms"].fillna(0) < rules.min_firms
    out.loc[small, list(columns)] = np.nan
    return out


def _new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE):
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _freeze_layout(fig: Figure) -> Figure:
    """Run the constrained layout once and fix it.

    Constrained layout starts from the previous positions each time it runs, so two
    saves of the same figure could differ in the last float digits of the SVG
    coordinates; freezing makes every save identical.
    """
    with matplotlib.rc_context(_SAVE_RC):
        fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def _group_colour(name: str, i: int) -> str:
    low = name.lower()
    if "member" in low and "non" not in low:
        return MEMBER_COLOUR
    if "control" in low or "matched" in low:
        return CONTROL_COLOUR
    if "all" in low or "economy" in low or "non" in low:
        return ECONOMY_COLOUR
    return PALETTE[(i + 3) % len(PALETTE)]


def _group_line(ax, x, y, group: str, position: int) -> None:
    """One group's line in the house style (markers, width, the group's colour)."""
    ax.plot(x, y, marker="o", ms=3.5, lw=1.8, color=_group_colour(group, position), label=group)


def tfp_index_figure(
    levels: pd.DataFrame,
    base_year: int,
    reference_group: str = "All firms",
    rules: DisclosureRules = DisclosureRules(),
    log_values: bool = True,
    title: str = "TFP of cluster members and all firms",
) -> Figure:
    """F1: TFP index of members vs all firms, reference group in ``base_year`` = 100.

    Parameters
    ----------
    levels
        ``year``, ``group`` (e.g. ``"Members"``, ``"All firms"``), ``tfp`` (mean log TFP
        when ``log_values``, else a level), optional ``n_firms``.
    base_year, reference_group
        Every group is indexed to the reference group's value in the base year, so the
        members' pre-joining advantage shows as a level above 100 (the evaluators'
        Figure 1).
    """
    _require(levels, ["year", "group", "tfp"], "TFP index figure")
    data = _mask_small(levels, ["tfp"], rules).sort_values(["group", "year"], kind="mergesort")
    base = data.loc[(data["group"] == reference_group) & (data["year"] == base_year), "tfp"]
    if base.empty or base.isna().all():
        raise ReportError(f"TFP index figure: no {reference_group!r} value in base year {base_year}")
    b = float(base.iloc[0])
    data["index"] = 100 * np.exp(data["tfp"] - b) if log_values else 100 * data["tfp"] / b
    with report_theme():
        fig, axes = _new_figure()
        ax = axes[0, 0]
        for i, (group, part) in enumerate(data.groupby("group", sort=False)):
            _group_line(ax, part["year"], part["index"], str(group), i)
        ax.axhline(100, color="black", lw=0.6, ls=":")
        ax.set_xlabel("Year")
        ax.set_ylabel(f"TFP index ({reference_group}, {base_year} = 100)")
        ax.set_title(title)
        ax.legend(loc="best")
        ax.xaxis.get_major_locator().set_params(integer=True)
        return _freeze_layout(fig)


def event_study_figure(
    estimates: pd.DataFrame,
    reference_period: int = -1,
    level: float = 0.95,
    rules: DisclosureRules = DisclosureRules(),
    title: str = "Effect of membership on log TFP by event time",
) -> Figure:
    """F2: event-study coefficients with a pointwise ``level`` confidence band.

    Parameters
    ----------
    estimates
        ``event_time`` (years since joining), ``estimate``, ``se``; optionally
        ``n_firms``. The reference period is drawn at 0 without a band if absent.
    """
    from scipy import stats

    _require(estimates, ["event_time", "estimate", "se"], "event-study figure")
    data = _mask_small(estimates, ["estimate", "se"], rules).sort_values("event_time", kind="mergesort")
    if reference_period not in set(data["event_time"]):
        ref = pd.DataFrame({"event_time": [reference_period], "estimate": [0.0], "se": [np.nan]})
        data = pd.concat([data, ref], ignore_index=True).sort_values("event_time", kind="mergesort")
    z = stats.norm.ppf(0.5 + level / 2)
    lo, hi = data["estimate"] - z * data["se"], data["estimate"] + z * data["se"]
    with report_theme():
        fig, axes = _new_figure()
        ax = axes[0, 0]
        ax.fill_between(
            data["event_time"], lo, hi, color=MEMBER_COLOUR, alpha=0.2, lw=0, label=f"{level:.0%} confidence band"
        )
        ax.plot(data["event_time"], data["estimate"], marker="o", ms=4, lw=1.6, color=MEMBER_COLOUR, label="Estimate")
        ax.axhline(0, color="black", lw=0.7)
        ax.axvline(reference_period + 0.5, color=ECONOMY_COLOUR, lw=0.8, ls="--")
        ax.set_xlabel("Years relative to joining")
        ax.set_ylabel("Effect on log TFP")
        ax.set_title(title)
        ax.legend(loc="upper left")
        ax.xaxis.get_major_locator().set_params(integer=True)
        return _freeze_layout(fig)


def matched_paths_figure(
    paths: pd.DataFrame,
    rules: DisclosureRules = DisclosureRules(),
    title: str = "Mean TFP of members and matched controls",
) -> Figure:
    """F3: mean log TFP by event time, members vs matched controls.

    Parameters
    ----------
    paths
        ``event_time``, ``group`` (``"Members"``, ``"Matched controls"``), ``tfp`` (mean
        log TFP), optional ``n_firms``.
    """
    _require(paths, ["event_time", "group", "tfp"], "matched-paths figure")
    data = _mask_small(paths, ["tfp"], rules).sort_values(["group", "event_time"], kind="mergesort")
    with report_theme():
        fig, axes = _new_figure()
        ax = axes[0, 0]
        for i, (group, part) in enumerate(data.groupby("group", sort=False)):
            _group_line(ax, part["event_time"], part["tfp"], str(group), i)
        ax.axvline(-0.5, color=ECONOMY_COLOUR, lw=0.8, ls="--")
        ax.set_xlabel("Years relative to joining")
        ax.set_ylabel("Mean log TFP")
        ax.set_title(title)
        ax.legend(loc="best")
        ax.xaxis.get_major_locator().set_params(integer=True)
        return _freeze_layout(fig)


def employment_index_figure(
    totals: pd.DataFrame,
    base_year: int,
    rules: DisclosureRules = DisclosureRules(),
    title: str = "Employment and value added: members and the economy",
) -> Figure:
    """F4: FTE and value-added indices (each group's own base year = 100).

    Parameters
    ----------
    totals
        ``year``, ``group`` (``"Members"``, ``"Economy"``), ``fte``, ``value_added``
        (group totals), optional ``n_firms``.
    """
    _require(totals, ["year", "group", "fte", "value_added"], "employment index figure")
    data = _mask_small(totals, ["fte", "value_added"], rules).sort_values(["group", "year"], kind="mergesort")
    with report_theme():
        fig, axes = _new_figure(1, 2, figsize=(9.6, 3.8))
        for ax, col, label in zip(axes[0], ("fte", "value_added"), ("FTE", "Value added")):
            for i, (group, part) in enumerate(data.groupby("group", sort=False)):
                base = part.loc[part["year"] == base_year, col]
                if base.empty or base.isna().all() or float(base.iloc[0]) == 0:
                    raise ReportError(f"employment index figure: no {label} for {group!r} in base year {base_year}")
                _group_line(ax, part["year"], 100 * part[col] / float(base.iloc[0]), str(group), i)
            ax.axhline(100, color="black", lw=0.6, ls=":")
            ax.set_title(f"{label} ({base_year} = 100)")
            ax.set_xlabel("Year")
            ax.xaxis.get_major_locator().set_params(integer=True)
        axes[0, 0].set_ylabel("Index")
        axes[0, 0].legend(loc="best")
        fig.suptitle(title, fontweight="bold")
        return _freeze_layout(fig)


def _merged_bins(
    values: np.ndarray, edges: np.ndarray, min_firms: int, firms: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge adjacent histogram bins until each drawn bin holds at least ``min_firms`` firms.

    A bin with fewer firms is not left out (the total minus the drawn bins would give
    its count back) but merged with its right neighbours; a thin remainder at the end
    joins the last bin, and empty stretches are drawn as empty bins. Values outside
    ``edges`` go to the end bins. ``firms`` (codes, one per value) counts distinct firms;
    without it every value is a firm. Returns left edges, widths and value counts; the
    edges are points of the fixed grid ``edges``, never a data value. The loop runs
    over bins, not firms.
    """
    cell = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    codes = np.arange(len(values)) if firms is None else np.asarray(firms)
    members = [codes[cell == i] for i in range(len(edges) - 1)]
    bins: list[list[int]] = []  # each: [first cell, last cell]
    pending: list[int] = []
    pending_firms = np.array([], dtype=codes.dtype)
    for i, cell_firms in enumerate(members):
        if not pending and len(cell_firms) == 0:
            bins.append([i, i])  # an empty bin is a known zero: drawn as such
            continue
        pending.append(i)
        pending_firms = np.union1d(pending_firms, cell_firms)
        if len(pending_firms) >= min_firms:
            bins.append([pending[0], i])
            pending, pending_firms = [], np.array([], dtype=codes.dtype)
    if pending:
        full = [j for j, (a, b) in enumerate(bins) if any(len(members[c]) for c in range(a, b + 1))]
        if full:
            # the thin tail joins the last bin with firms, and the empty bins in between
            bins = bins[: full[-1]] + [[bins[full[-1]][0], pending[-1]]]
        else:
            bins = []  # fewer than min_firms firms in all: nothing can be drawn
    counts = np.bincount(cell, minlength=len(edges) - 1)
    left = np.array([edges[a] for a, _ in bins], dtype=float)
    width = np.array([edges[b + 1] - edges[a] for a, b in bins], dtype=float)
    total = np.array([counts[a : b + 1].sum() for a, b in bins], dtype=float)
    return left, width, total


def middle_quantile(values: np.ndarray, q: float, k: int) -> float:
    """The q-quantile as the mean of the ``k`` sorted values around its rank.

    A plain quantile is one value (or two interpolated): drawn as an axis limit or a
    bin edge it would show one firm's value. Averaging ``k >= min_firms`` neighbours
    does not (the same device as :func:`reports.disclosure.middle_mean`).
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    if n == 0:
        raise ReportError("middle_quantile: no values")
    k = max(1, min(int(k), n))
    start = int(np.clip(np.floor(q * (n - 1) - (k - 1) / 2 + 0.5), 0, n - k))  # window centred on the rank
    return float(ordered[start : start + k].mean())


def overlap_figure(
    scores: pd.DataFrame,
    bins: int = 20,
    rules: DisclosureRules = DisclosureRules(),
    title: str = "Propensity-score overlap",
) -> Figure:
    """F5: histogram densities of the propensity score, members vs candidate controls.

    Parameters
    ----------
    scores
        Firm level: ``pscore`` in [0, 1], ``treated`` (0/1). Only binned densities are
        drawn, on a fixed grid of ``bins`` equal bins on [0, 1]; adjacent bins are
        merged until each drawn bin holds at least ``min_firms`` firms of its group
        (:func:`_merged_bins`), so no individual score can be read off the figure and no
        thin bin can be recovered as the total minus the others.
    """
    _require(scores, ["pscore", "treated"], "overlap figure")
    ps = scores["pscore"].astype(float)
    if ((ps < 0) | (ps > 1)).any():
        raise ReportError("overlap figure: pscore must lie in [0, 1]")
    edges = np.linspace(0.0, 1.0, bins + 1)
    with report_theme():
        fig, axes = _new_figure()
        ax = axes[0, 0]
        for flag, label, colour, sign in (
            (1, "Members", MEMBER_COLOUR, 1.0),
            (0, "Candidate controls", CONTROL_COLOUR, -1.0),
        ):
            values = ps[scores["treated"].astype(int) == flag].dropna().to_numpy()
            left, width, counts = _merged_bins(values, edges, rules.min_firms)
            density = counts / max(len(values), 1) / np.where(width > 0, width, 1.0)
            ax.bar(left, sign * density, width=width, align="edge", color=colour, alpha=0.75, label=label, lw=0)
        ax.axhline(0, color="black", lw=0.7)
        ax.set_xlabel("Propensity score")
        ax.set_ylabel("Density (controls below the axis)")
        ax.set_title(title)
        ax.legend(loc="upper left")  # members sit right of controls, so the left is free
        return _freeze_layout(fig)


def tfp_distribution_figure(
    tfp: pd.DataFrame,
    bins: int = 40,
    rules: DisclosureRules = DisclosureRules(),
    title: str = "Distribution of log TFP relative to the industry-year mean",
    firm: str | None = None,
) -> Figure:
    """Histogram of firm-year log TFP, demeaned by industry and year.

    Parameters
    ----------
    tfp
        ``log_tfp``, ``industry``, ``year`` (firm-year level), and the ``firm`` column
        if given. The range runs between the 0.5% and 99.5% quantiles, each taken as
        the mean of ``min_firms`` neighbouring values (:func:`middle_quantile`), so no
        axis limit or bin edge is one firm's value; the tails go into the end bins.
        Adjacent bins are merged until each holds at least ``min_firms`` firms (distinct
        firms with ``firm``, firm-years otherwise), so no firm's value can be read off.
    """
    _require(tfp, ["log_tfp", "industry", "year", *([firm] if firm else [])], "TFP distribution figure")
    values = tfp["log_tfp"] - tfp.groupby(["industry", "year"])["log_tfp"].transform("mean")
    finite = np.isfinite(values.to_numpy(float))
    values = values.to_numpy(float)[finite]
    if len(values) == 0:
        raise ReportError("TFP distribution figure: no finite log TFP values")
    codes = pd.factorize(tfp.loc[finite, firm])[0] if firm else None
    k = rules.min_firms
    lo, hi = middle_quantile(values, 0.005, k), middle_quantile(values, 0.995, k)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    left, width, counts = _merged_bins(values, edges, k, codes)
    density = counts / len(values) / np.where(width > 0, width, 1.0)
    with report_theme():
        fig, axes = _new_figure()
        ax = axes[0, 0]
        ax.bar(left, density, width=width, align="edge", color=MEMBER_COLOUR, alpha=0.8, lw=0)
        ax.axvline(0, color="black", lw=0.7)
        ax.set_xlabel("Log TFP minus industry-year mean")
        ax.set_ylabel("Density")
        ax.set_title(title)
        return _freeze_layout(fig)


def love_plot_figure(
    balance: pd.DataFrame,
    threshold: float = 0.1,
    absolute: bool = True,
    variable_labels: dict[str, str] | None = None,
    title: str = "Covariate balance before and after matching",
) -> Figure:
    """F6: standardised differences before and after matching (a "love plot").

    Parameters
    ----------
    balance
        ``variable``, ``sample`` (``"before"``/``"after"``), ``std_diff``; or the wide
        layout of the matching package (see :func:`reports.impact_tables.balance_long`).
    threshold
        Dashed reference line (0.1, Austin 2009).
    """
    from reports.impact_tables import balance_long

    balance = balance_long(balance)
    _require(balance, ["variable", "sample", "std_diff"], "love plot")
    data = balance.copy()
    data["value"] = data["std_diff"].abs() if absolute else data["std_diff"]
    order = list(dict.fromkeys(data["variable"]))
    labels = [(variable_labels or {}).get(v, str(v)) for v in order]
    pos = {v: i for i, v in enumerate(order)}
    with report_theme():
        fig, axes = _new_figure(figsize=(6.4, 1.2 + 0.35 * len(order)))
        ax = axes[0, 0]
        for sample, marker, colour in (("before", "o", ECONOMY_COLOUR), ("after", "D", MEMBER_COLOUR)):
            part = data.loc[data["sample"] == sample]
            ax.scatter(
                part["value"],
                part["variable"].map(pos),
                marker=marker,
                s=28,
                color=colour,
                label=f"{sample.capitalize()} matching",
                zorder=3,
            )
        for x in (threshold, *([] if absolute else [-threshold])):
            ax.axvline(x, color="black", lw=0.7, ls="--")
        ax.axvline(0, color="black", lw=0.5)
        ax.set_yticks(range(len(order)), labels)
        ax.invert_yaxis()
        ax.set_xlabel("Absolute standardised difference" if absolute else "Standardised difference")
        ax.set_title(title)
        ax.legend(loc="lower right")
        return _freeze_layout(fig)


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure rendered as ``"png"`` or ``"svg"``, without any date or software stamp."""
    if fmt not in ("png", "svg"):
        raise ReportError(f"figure format must be png or svg, got {fmt!r}")
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    buf = io.BytesIO()
    with matplotlib.rc_context(_SAVE_RC):
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    return buf.getvalue()


def save_figure(fig: Figure, path_stem: str | Path) -> list[Path]:
    """Write ``<path_stem>.png`` and ``<path_stem>.svg``; both byte-identical across runs.

    Each file is checked with :func:`~reports.guard.assert_no_firm_identifiers`.
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in ("png", "svg"):
        path = stem.with_name(stem.name + f".{fmt}")
        path.write_bytes(figure_bytes(fig, fmt))
        assert_no_firm_identifiers(path)
        written.append(path)
    return written
