"""Event-study figure: estimates by event time with a confidence band (seaborn style)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _event_frame(results) -> pd.DataFrame:
    """Columns event_time, estimate, lower, upper from any event-study-like result."""
    from did.aggregate import AggregateResults
    from did.event_study import EventStudyResults

    if isinstance(results, EventStudyResults):
        est = results.estimates
        return pd.DataFrame(
            {"event_time": est["event_time"], "estimate": est["estimate"],
             "lower": est["ci_lower"], "upper": est["ci_upper"]}
        )
    if isinstance(results, AggregateResults) and results.kind == "dynamic":
        el = results.elements
        return pd.DataFrame(
            {"event_time": el["event_time"], "estimate": el["att"],
             "lower": el["ci_lower"], "upper": el["ci_upper"]}
        )
    if isinstance(results, pd.DataFrame) and {"event_time", "estimate", "lower", "upper"} <= set(results):
        return results[["event_time", "estimate", "lower", "upper"]].copy()
    raise TypeError(
        "plot_event_study needs EventStudyResults, a dynamic AggregateResults or a frame "
        "with event_time, estimate, lower, upper"
    )


def plot_event_study(
    results,
    *,
    title: str | None = None,
    ylabel: str = "Estimated effect",
    xlabel: str = "Periods relative to treatment",
    label: str | None = None,
    ax=None,
) -> "Figure":
    """Plot event-study estimates with their confidence band.

    Parameters
    ----------
    results : EventStudyResults, AggregateResults (kind "dynamic") or DataFrame
        The estimates; a frame needs ``event_time, estimate, lower, upper``.
    title, ylabel, xlabel, label : str, optional
        Texts; ``label`` names the series in the legend. The axis defaults are generic:
        a study passes its own wording (e.g. "Effect on log TFP", "Years since joining").
    ax : matplotlib Axes, optional
        Draw into this axes (to overlay TWFE and CS); a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    frame = _event_frame(results).sort_values("event_time")
    if ax is None:
        # A bare Figure (no pyplot): no global backend or figure registry is touched,
        # so the pipeline can render many figures in a worker process.
        fig = Figure(figsize=(7, 4))
        with sns.axes_style("whitegrid"):
            ax = fig.add_subplot()
    else:
        fig = ax.figure
    line = sns.lineplot(data=frame, x="event_time", y="estimate", marker="o", ax=ax, label=label)
    color = line.get_lines()[-1].get_color()
    band = frame.dropna(subset=["lower", "upper"])
    ax.fill_between(band["event_time"], band["lower"], band["upper"], alpha=0.2, color=color, linewidth=0)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.axvline(-0.5, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xticks(np.arange(frame["event_time"].min(), frame["event_time"].max() + 1))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
