"""Firm-year panel as numpy arrays: validation, sorting and within-firm lags.

Every estimator works on a :class:`PanelArrays`, sorted by firm and year, where
``prev[i]`` is the row of the same firm's previous calendar year (``-1`` if that year is
not observed).  Lags are then a single fancy-indexing operation, and a firm-block
bootstrap resample is the same panel with integer row weights (see :mod:`tfp.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .exceptions import InsufficientDataError, TFPInputError, where


@dataclass(frozen=True)
class PanelArrays:
    """Numeric panel used by the estimators (rows sorted by firm, then year)."""

    y: np.ndarray
    free: np.ndarray
    state: np.ndarray
    proxy: np.ndarray | None
    controls: np.ndarray
    firm: np.ndarray
    time: np.ndarray
    prev: np.ndarray
    weights: np.ndarray
    exit_prob: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def n_firms(self) -> int:
        return int(len(np.unique(self.firm)))

    def lag(self, a: np.ndarray) -> np.ndarray:
        """Value in the firm's previous year (NaN where that year is not observed)."""
        out = a[self.prev].astype(float, copy=True)
        out[self.prev < 0] = np.nan
        return out

    @property
    def has_lag(self) -> np.ndarray:
        return self.prev >= 0

    def take(self, rows: np.ndarray, weights: np.ndarray | None = None) -> PanelArrays:
        """Sub-panel of ``rows`` (boolean mask), keeping lags that stay inside the subset."""
        idx = np.flatnonzero(rows)
        new_pos = np.full(self.n, -1, dtype=np.int64)
        new_pos[idx] = np.arange(len(idx))
        prev = self.prev[idx]
        prev = np.where(prev >= 0, new_pos[np.maximum(prev, 0)], -1)
        return replace(
            self,
            y=self.y[idx],
            free=self.free[idx],
            state=self.state[idx],
            proxy=None if self.proxy is None else self.proxy[idx],
            controls=self.controls[idx],
            firm=self.firm[idx],
            time=self.time[idx],
            prev=prev,
            weights=self.weights[idx] if weights is None else weights,
            exit_prob=None if self.exit_prob is None else self.exit_prob[idx],
        )


def as_list(cols: str | Sequence[str] | None) -> list[str]:
    """Accept one column name or a sequence of them."""
    if cols is None:
        return []
    if isinstance(cols, str):
        return [c.strip() for c in cols.split(",") if c.strip()] if "," in cols else [cols]
    return list(cols)


def previous_row(firm: np.ndarray, time: np.ndarray) -> np.ndarray:
    """For rows sorted by (firm, time): index of the same firm's row for ``time - 1``, else -1."""
    n = len(firm)
    prev = np.full(n, -1, dtype=np.int64)
    if n > 1:
        ok = (firm[1:] == firm[:-1]) & (time[1:] - time[:-1] == 1)
        prev[1:][ok] = np.arange(n - 1)[ok]
    return prev


def prepare_panel(
    data: pd.DataFrame,
    *,
    id: str,
    time: str,
    output: str,
    free: Sequence[str],
    state: Sequence[str],
    proxy: str | None,
    controls: Sequence[str] = (),
    take_logs: bool = False,
    label: str | None = None,
) -> tuple[PanelArrays, np.ndarray]:
    """Validate ``data`` and return the sorted panel plus the positions of its rows in ``data``.

    Rows with a missing value in any used column are left out of estimation (their position is
    simply absent from the returned index); infinite values, non-positive levels when
    ``take_logs`` is set and duplicated (firm, year) keys are errors.
    """
    tag = where(label)
    inputs = [output, *free, *state, *([proxy] if proxy else []), *controls]
    missing = [c for c in [id, time, *inputs] if c not in data.columns]
    if missing:
        raise TFPInputError(f"{tag}column(s) not found in the data: {', '.join(missing)}")
    if not free and not state:
        raise TFPInputError(f"{tag}no inputs given: pass at least one free or state column")
    values = {}
    for c in inputs:
        v = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
        bad_text = data[c].notna().to_numpy() & np.isnan(v)
        if bad_text.any():
            raise TFPInputError(f"{tag}column '{c}' has {int(bad_text.sum())} non-numeric value(s)")
        values[c] = v
    log_cols = [output, *free, *state, *([proxy] if proxy else [])]
    if take_logs:
        for c in log_cols:
            v = values[c]
            nonpos = np.sum(v <= 0)
            if nonpos:
                raise TFPInputError(
                    f"{tag}column '{c}' has {int(nonpos)} non-positive value(s); cannot take logs"
                )
            values[c] = np.log(v)
    for c in inputs:
        v = values[c]
        if np.isinf(v).any():
            raise TFPInputError(
                f"{tag}column '{c}' has {int(np.isinf(v).sum())} infinite value(s) "
                "(log of a non-positive level?)"
            )
    t = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float)
    usable = ~np.isnan(t) & data[id].notna().to_numpy()
    for c in inputs:
        usable &= ~np.isnan(values[c])
    if (t[usable] != np.round(t[usable])).any():
        raise TFPInputError(f"{tag}time column '{time}' must hold whole numbers (years)")
    pos = np.flatnonzero(usable)
    if len(pos) == 0:
        raise InsufficientDataError(f"{tag}no complete observations to estimate on")
    firm_codes, _ = pd.factorize(data[id].to_numpy()[pos], sort=False)
    tt = t[pos].astype(np.int64)
    order = np.lexsort((tt, firm_codes))
    pos = pos[order]
    firm_codes = firm_codes[order]
    tt = tt[order]
    dup = (firm_codes[1:] == firm_codes[:-1]) & (tt[1:] == tt[:-1])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise TFPInputError(
            f"{tag}{int(dup.sum())} duplicated ({id}, {time}) pair(s), e.g. "
            f"{data[id].iloc[pos[i]]!r} in {tt[i]}"
        )

    def mat(cols: Sequence[str]) -> np.ndarray:
        if not cols:
            return np.empty((len(pos), 0))
        return np.column_stack([values[c][pos] for c in cols])

    panel = PanelArrays(
        y=values[output][pos],
        free=mat(free),
        state=mat(state),
        proxy=values[proxy][pos] if proxy else None,
        controls=mat(controls),
        firm=firm_codes.astype(np.int64),
        time=tt,
        prev=previous_row(firm_codes, tt),
        weights=np.ones(len(pos)),
    )
    return panel, pos


def exit_indicator(panel: PanelArrays) -> np.ndarray:
    """1 in a firm's last observed year when that year is before the sample's last year.

    This is the attrition dummy of Olley and Pakes (1996, section 4), as prodest builds it.
    """
    last_of_firm = np.ones(panel.n, dtype=bool)
    last_of_firm[:-1] = panel.firm[1:] != panel.firm[:-1]
    return (last_of_firm & (panel.time != panel.time.max())).astype(float)
