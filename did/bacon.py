"""Goodman-Bacon (2021) decomposition of the static TWFE DiD coefficient.

With a balanced panel, no covariates and unit weights, the TWFE coefficient is a
weighted average of all 2x2 DiD comparisons between timing groups (Goodman-Bacon 2021,
Theorem 1, eq. 10-11): treated vs never treated, earlier vs later treated (later group
not yet treated) and later vs earlier treated (earlier group already treated, the
"forbidden" comparison). The weights are the sample shares and treatment variances of
the pairs over the variance of the two-way demeaned treatment (eq. 10e-10g).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from did._display import Display, formatted
from did.errors import DiDInputError
from did.panel import to_wide
from did.twfe import twfe


@dataclass(frozen=True)
class BaconDecomposition:
    """The 2x2 comparisons behind the TWFE estimate.

    Attributes
    ----------
    comparisons : DataFrame
        ``treated, control, type, estimate, weight`` per 2x2 comparison (groups are
        first treatment periods; 0 = never treated; ``always`` treated units have the
        first period).
    by_type : DataFrame
        ``type, estimate, weight``: weight-averaged estimate and total weight per type.
    twfe_estimate : float
        The TWFE coefficient, equal to ``(estimate * weight).sum()``.
    """

    comparisons: pd.DataFrame
    by_type: pd.DataFrame
    twfe_estimate: float

    @property
    def params(self) -> pd.Series:
        return self.by_type.set_index("type")["estimate"]

    @property
    def weights(self) -> pd.Series:
        return self.by_type.set_index("type")["weight"]

    def to_frame(self) -> pd.DataFrame:
        return self.comparisons.copy()

    def _display(self) -> Display:
        return Display(
            title="Goodman-Bacon decomposition of the TWFE DiD estimate",
            facts=[("TWFE estimate", f"{self.twfe_estimate:.6f} = sum of weight x estimate")],
            tables=[("", formatted(self.by_type))],
        )

    def summary(self) -> str:
        return self._display().text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self._display().html()


def bacon_decomposition(
    data: pd.DataFrame, *, y: str, id: str, time: str, group: str
) -> BaconDecomposition:
    """Decompose the TWFE coefficient on D_it = 1{t >= group_i > 0}.

    Parameters
    ----------
    data : DataFrame
        Balanced long panel without missing outcomes.
    y, id, time : str
        Outcome, unit and period columns.
    group : str
        First treatment period (0 = never treated). Units with ``group`` at or before the
        first period are always treated.

    Returns
    -------
    BaconDecomposition
    """
    panel = to_wide(data, y=y, id=id, time=time, group=group)
    if not panel.balanced:
        raise DiDInputError("bacon_decomposition needs a balanced panel (every unit in every period)")
    periods = panel.periods
    g = panel.group.copy()
    g[g > periods.max()] = 0
    g[(g > 0) & (g <= periods.min())] = periods.min()  # always treated
    timing = np.unique(g)
    n = panel.n_units
    # group x period mean outcomes; shares and treated shares of each timing group
    onehot = (g[:, None] == timing[None, :]).astype(float)
    counts = onehot.sum(axis=0)
    ybar = onehot.T @ panel.y / counts[:, None]
    share = counts / n
    treated_in = (timing[:, None] > 0) & (periods[None, :] >= timing[:, None])
    dbar = treated_in.mean(axis=1)
    d_it = treated_in[np.searchsorted(timing, g)].astype(float)
    d_tilde = d_it - d_it.mean(axis=1, keepdims=True) - d_it.mean(axis=0, keepdims=True) + d_it.mean()
    var_d = float(np.mean(d_tilde**2))
    if var_d <= 0:
        raise DiDInputError("treatment does not vary after removing unit and period effects")

    def window_mean(k: int, mask: np.ndarray) -> float:
        return float(ybar[k, mask].mean())

    rows = []
    for a in range(len(timing)):
        for b in range(len(timing)):
            ka, kb = timing[a], timing[b]
            if not dbar[a] > dbar[b]:
                continue
            # a is treated earlier (or always); b later (or never)
            n_ab = share[a] / (share[a] + share[b])
            pre_a = periods < ka if ka > 0 else np.zeros(len(periods), bool)
            if kb > 0:
                mid = (periods >= ka) & (periods < kb)
                post_b = periods >= kb
            else:
                mid = periods >= ka
                post_b = np.zeros(len(periods), bool)
            ctype_b = "Treated vs never treated" if kb == 0 else "Earlier vs later treated"
            if pre_a.any():  # a treated, b the comparison before b's treatment
                w = ((share[a] + share[b]) * (1 - dbar[b])) ** 2 * n_ab * (1 - n_ab)
                w *= (dbar[a] - dbar[b]) / (1 - dbar[b]) * (1 - dbar[a]) / (1 - dbar[b])
                est = (window_mean(a, mid) - window_mean(a, pre_a)) - (
                    window_mean(b, mid) - window_mean(b, pre_a)
                )
                rows.append((ka, kb, ctype_b, est, w / var_d))
            if kb > 0:  # b treated, a (already treated) the comparison
                w = ((share[a] + share[b]) * dbar[a]) ** 2 * n_ab * (1 - n_ab)
                w *= dbar[b] / dbar[a] * (dbar[a] - dbar[b]) / dbar[a]
                est = (window_mean(b, post_b) - window_mean(b, mid)) - (
                    window_mean(a, post_b) - window_mean(a, mid)
                )
                ctype = "Later vs always treated" if not pre_a.any() else "Later vs earlier treated"
                rows.append((kb, ka, ctype, est, w / var_d))
    comparisons = pd.DataFrame(rows, columns=["treated", "control", "type", "estimate", "weight"])
    grouped = comparisons.assign(we=comparisons["estimate"] * comparisons["weight"]).groupby(
        "type", sort=False
    )
    by_type = pd.DataFrame(
        {"weight": grouped["weight"].sum(), "estimate": grouped["we"].sum() / grouped["weight"].sum()}
    ).reset_index()[["type", "estimate", "weight"]]
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), len(periods)),
            "t": np.tile(periods, n),
            "y": panel.y.ravel(),
            "D": d_it.ravel(),
        }
    )
    beta = float(twfe(frame, y="y", id="id", time="t", treated="D").params.iloc[0])
    return BaconDecomposition(comparisons=comparisons, by_type=by_type, twfe_estimate=beta)
