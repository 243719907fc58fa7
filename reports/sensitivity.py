"""Sensitivity of the event-study effect to violations of parallel trends: figure and table.

Both take the tidy frame of :meth:`did.sensitivity.SensitivityResults.to_frame`
(``m, lb, ub, method``; the usual interval under parallel trends is the row with
``method == "Original"`` and ``m`` NaN), so the publication layer does not import the
estimator. As HonestDiD's ``createSensitivityPlot``: the original interval on the left,
then the robust set for each ``M`` / ``Mbar`` (Rambachan and Roth 2023, Figures 4-5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports.disclosure import MIN_FIRMS, DisclosureRules
from reports.errors import ReportError
from reports.figures import ECONOMY_COLOUR, MEMBER_COLOUR, _freeze_layout, _new_figure, report_theme
from reports.notes import StudyNotes
from reports.tables import CellGrid, PublishedTable

_LABELS = {"Mbar": r"$\bar{M}$ (relative magnitudes)", "M": "$M$ (smoothness)"}


def _split(frame: pd.DataFrame, what: str) -> tuple[pd.Series, pd.DataFrame]:
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in ("m", "lb", "ub", "method") if c not in frame.columns]
    if missing:
        raise ReportError(f"{what}: missing column(s) {', '.join(missing)}")
    is_orig = frame["method"] == "Original"
    if is_orig.sum() != 1:
        raise ReportError(f"{what}: expected exactly one row with method 'Original'")
    robust = frame.loc[~is_orig].sort_values("m", kind="mergesort")
    if robust.empty:
        raise ReportError(f"{what}: no robust confidence sets")
    if robust["m"].isna().any() or (robust["m"] < 0).any() or not robust["m"].is_unique:
        raise ReportError(f"{what}: m must be distinct values >= 0")
    return frame.loc[is_orig].iloc[0], robust


def breakdown_value(frame: pd.DataFrame) -> float | None:
    """Smallest ``m`` whose robust set contains 0 (None if none does)."""
    _, robust = _split(frame, "breakdown value")
    inc = (robust["lb"] <= 0) & (robust["ub"] >= 0)
    return float(robust.loc[inc, "m"].min()) if inc.any() else None


def sensitivity_figure(
    frame: pd.DataFrame,
    parameter: str = "Mbar",
    title: str = "Sensitivity to violations of parallel trends",
    ylabel: str = "Effect on log TFP",
) -> Figure:
    """Robust confidence sets against ``M`` / ``Mbar``, with the original interval.

    Parameters
    ----------
    frame
        ``m, lb, ub, method`` (``SensitivityResults.to_frame()``); one row with
        ``method == "Original"``.
    parameter
        ``"Mbar"`` (relative magnitudes) or ``"M"`` (smoothness): the x-axis label.
    """
    orig, robust = _split(frame, "sensitivity figure")
    if parameter not in _LABELS:
        raise ReportError(f"sensitivity figure: parameter must be 'Mbar' or 'M', got {parameter!r}")
    m = robust["m"].to_numpy(dtype=float)
    gap = float(np.min(np.diff(m))) if m.size > 1 else max(abs(m[0]), 1.0)
    x_orig = m[0] - gap
    method = str(robust["method"].iloc[0])
    with report_theme():
        fig, axes = _new_figure()
        ax = axes[0, 0]
        ax.vlines(x_orig, orig["lb"], orig["ub"], color=ECONOMY_COLOUR, lw=2.2, label="Original (parallel trends)")
        ok = robust["lb"].notna() & robust["ub"].notna()
        ax.vlines(m[ok.to_numpy()], robust.loc[ok, "lb"], robust.loc[ok, "ub"], color=MEMBER_COLOUR, lw=2.2,
                  label=f"Robust ({method})")
        for x, lo, hi, colour in [(x_orig, orig["lb"], orig["ub"], ECONOMY_COLOUR)] + [
            (xx, lo_, hi_, MEMBER_COLOUR) for xx, lo_, hi_ in zip(m[ok.to_numpy()], robust.loc[ok, "lb"], robust.loc[ok, "ub"])
        ]:
            ax.plot([x, x], [lo, hi], ls="none", marker="_", ms=9, mew=1.8, color=colour)
        ax.axhline(0, color="black", lw=0.7)
        ax.set_xticks(np.r_[x_orig, m], ["Original"] + [f"{v:g}" for v in m])
        ax.set_xlabel(_LABELS[parameter])
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="upper left")
        return _freeze_layout(fig)


def build_sensitivity_table(
    frame: pd.DataFrame,
    notes: StudyNotes,
    parameter: str = "Mbar",
    target: str = "the first post-joining year",
    rules: DisclosureRules = DisclosureRules(),
    decimals: int = 3,
    n_firms: float | None = None,
    level: float = 0.95,
    name: str = "T7_sensitivity",
    title: str = "Sensitivity of the membership effect to violations of parallel trends",
) -> PublishedTable:
    """The robust confidence sets as a table, the breakdown value in the footnote.

    Parameters
    ----------
    frame
        ``m, lb, ub, method`` as for :func:`sensitivity_figure`.
    notes
        The study's footnote sentences.
    parameter
        ``"Mbar"`` or ``"M"``.
    target
        What the effect is, for the footnote (e.g. ``"the average over post-joining years"``).
    n_firms
        Members behind the event study; below ``rules.min_firms`` every cell is suppressed.
    level
        Coverage of the sets (``1 - alpha``), for the footnote.

    Returns
    -------
    PublishedTable
        Rows ``Original (parallel trends)`` then ``Mbar = ...`` / ``M = ...``; columns
        ``Lower``, ``Upper``, ``Method``.
    """
    orig, robust = _split(frame, "sensitivity table")
    if parameter not in _LABELS:
        raise ReportError(f"sensitivity table: parameter must be 'Mbar' or 'M', got {parameter!r}")
    reason = ""
    if n_firms is not None and np.isfinite(n_firms) and n_firms < rules.min_firms:
        reason = f"{MIN_FIRMS}: {int(n_firms)} firms < {rules.min_firms}"

    def fmt(v: float) -> str:
        return "" if pd.isna(v) else f"{float(v):.{decimals}f}"

    grid = CellGrid(["Lower", "Upper", "Method"])
    grid.add_row("Original (parallel trends)", {"Lower": fmt(orig["lb"]), "Upper": fmt(orig["ub"]),
                                                "Method": "Original"}, n_firms, None, reason)
    for _, row in robust.iterrows():  # a handful of grid values
        grid.add_row(f"{parameter} = {float(row['m']):g}",
                     {"Lower": fmt(row["lb"]), "Upper": fmt(row["ub"]), "Method": str(row["method"])},
                     n_firms, None, reason)
    bd = breakdown_value(frame)
    restriction = (
        "post-joining changes in the trend gap bounded by Mbar times the largest pre-joining change"
        if parameter == "Mbar" else "the slope of the trend gap changing by at most M per year"
    )
    sentences = [
        f"{level:.0%} confidence sets for the effect in {target} (Rambachan and Roth 2023) allowing "
        f"violations of parallel trends: {restriction}.",
        "Breakdown value (smallest value whose set contains 0): "
        + ("none in the grid" if bd is None or reason else f"{bd:g}") + ".",
    ]
    footnote = notes.footnote(*sentences, rules=rules)
    return grid.build(name, title, footnote, rules)
