"""Balance figures: a love plot and a propensity-score overlap plot (seaborn).

Both return a :class:`matplotlib.figure.Figure` and leave saving to the caller
(the reports layer writes PNG/SVG).  Love plot after Ahmed et al. (2006) as
popularised by ``cobalt::love.plot``; overlap as in Caliendo and Kopeinig (2008),
Journal of Economic Surveys 22(1), fig. 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _plotting():
    """pyplot (Agg backend) and seaborn, imported on first use for start-up time: they cost
    about a second for every ``import matching`` that draws nothing (the CLI, pipeline steps)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import seaborn as sns

    return plt, sns


def love_plot(
    balance: pd.DataFrame,
    *,
    threshold: float = 0.1,
    absolute: bool = True,
    title: str = "Covariate balance",
    drop_distance: bool = False,
):
    """Standardised mean differences before and after matching, one row per covariate.

    Parameters
    ----------
    balance : pandas.DataFrame
        :meth:`MatchResults.balance` output (``covariate``, ``smd_before``, ``smd_after``).
    threshold : float
        Reference lines at +-threshold (0.1 by convention).
    absolute : bool
        Plot ``|SMD|``.
    """
    plt, sns = _plotting()
    bal = balance if not drop_distance else balance[balance["covariate"] != "distance"]
    long = bal.melt(
        id_vars="covariate", value_vars=["smd_before", "smd_after"], var_name="sample", value_name="smd"
    )
    long["sample"] = long["sample"].map({"smd_before": "All", "smd_after": "Matched"})
    if absolute:
        long["smd"] = long["smd"].abs()
    height = max(2.5, 0.35 * bal["covariate"].nunique() + 1.2)
    fig, ax = plt.subplots(figsize=(6, height))
    sns.pointplot(
        data=long, x="smd", y="covariate", hue="sample", linestyles="none", markers=["o", "D"], ax=ax,
        palette=["#999999", "#1f77b4"],
    )
    for v in ([threshold] if absolute else [-threshold, threshold]):
        ax.axvline(v, color="black", linestyle="--", linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("Absolute standardised mean difference" if absolute else "Standardised mean difference")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def overlap_plot(result, *, bins: int = 30, title: str = "Propensity score overlap"):
    """Distribution of the distance by group, before matching and in the matched sample.

    Parameters
    ----------
    result : MatchResults
        A nearest-neighbour result (it has a distance).
    """
    plt, sns = _plotting()
    frame = result.to_frame().dropna(subset=["distance"])
    if frame.empty:
        raise ValueError("overlap plot needs a distance (nearest-neighbour matching)")
    frame["group"] = np.where(frame["treated"] == 1, "Treated", "Control")
    matched = frame[frame["weight"] > 0]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharex=True)
    for ax, data, label, weights in [
        (axes[0], frame, "All", None),
        (axes[1], matched, "Matched (weighted)", "weight"),
    ]:
        sns.histplot(
            data=data, x="distance", hue="group", weights=weights, bins=bins, stat="density",
            common_norm=False, element="step", ax=ax, hue_order=["Treated", "Control"],
        )
        ax.set_title(label)
        ax.set_xlabel("Propensity score" if result.link and not result.link.startswith("linear") else "Distance")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
