"""Model-free productivity measures: cost-share (index-number) TFP and labour productivity.

Cost-share TFP (Solow 1957; Hall 1990; see Van Biesebroeck 2007, section 2.1) weights each
input by its share in the value of output instead of an estimated elasticity:
``log TFP_it = y_it - sum_j s_j x_jit``.  Using the median share of the firm's industry and
year (rather than the firm's own) keeps the weights free of firm-level noise and of
short-run deviations from cost minimisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .exceptions import TFPInputError


def cost_share_tfp(
    data: pd.DataFrame,
    *,
    id: str,
    time: str,
    group: str,
    output: str,
    inputs: Mapping[str, str | None],
    min_firms: int = 1,
) -> pd.DataFrame:
    """Index-number log TFP with industry-year median cost shares.

    Parameters
    ----------
    data : DataFrame
        Firm-year panel.
    id, time, group : str
        Firm, year and industry columns (shares are medians within ``group`` x ``time``).
    output : str
        Log output (value added for value-added shares).
    inputs : mapping
        ``{log input column: share column}``: each input's cost as a share of output value
        (e.g. wage bill / value added for labour).  At most one input may map to ``None``:
        it receives ``1 - sum(other shares)`` (constant returns, the usual treatment of
        capital in value added).
    min_firms : int
        Group-years with fewer firms with a valid share get NaN shares (and TFP).

    Returns
    -------
    DataFrame (same index as ``data``): ``id``, ``time``, ``group``, ``share_<input>`` (the
    median shares applied) and ``log_tfp``.
    """
    residual = [c for c, s in inputs.items() if s is None]
    if len(residual) > 1:
        raise TFPInputError(f"only one input can take the residual share, got {residual}")
    needed = [id, time, group, output, *inputs, *[s for s in inputs.values() if s]]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise TFPInputError(f"column(s) not found in the data: {', '.join(missing)}")
    keys = [data[group], data[time]]
    out = pd.DataFrame({id: data[id], time: data[time], group: data[group]}, index=data.index)
    explicit = {c: s for c, s in inputs.items() if s is not None}
    shares = {}
    for col, share_col in explicit.items():
        s = pd.to_numeric(data[share_col], errors="coerce")
        s = s.where(np.isfinite(s) & (s > 0))  # a non-positive share is a data error, not a weight
        g = s.groupby(keys)
        med = g.transform("median")
        shares[col] = med.where(g.transform("count") >= min_firms)
    if residual:
        shares[residual[0]] = 1 - sum(shares.values()) if shares else pd.Series(1.0, index=data.index)
    log_tfp = pd.to_numeric(data[output], errors="coerce").astype(float)
    for col in inputs:
        out[f"share_{col}"] = shares[col]
        log_tfp = log_tfp - shares[col] * pd.to_numeric(data[col], errors="coerce")
    out["log_tfp"] = log_tfp
    return out


def labour_productivity(data: pd.DataFrame, *, output: str, labour: str | Sequence[str]) -> pd.Series:
    """Log output per unit of labour, ``y - l`` (logs; several labour columns are summed in
    levels first)."""
    cols = [labour] if isinstance(labour, str) else list(labour)
    y = pd.to_numeric(data[output], errors="coerce")
    if len(cols) == 1:
        lab = pd.to_numeric(data[cols[0]], errors="coerce")
    else:
        lab = np.log(sum(np.exp(pd.to_numeric(data[c], errors="coerce")) for c in cols))
    return (y - lab).rename("log_labour_productivity")
