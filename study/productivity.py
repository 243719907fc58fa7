"""The study's production functions: value-added Cobb-Douglas by group, firm TFP."""

from __future__ import annotations

import pandas as pd

import tfp
from tfp.grouped import GroupedProductionFunction
from study.spec import TfpSpec

#: The panel's columns in the production function (value added, Cobb-Douglas).
PF_COLUMNS = dict(id="enterprise_number", time="year", output="log_va", free="log_fte",
                  state="log_capital", proxy="log_materials")


def acf_options(spec: TfpSpec) -> dict[str, bool]:
    """Estimator options that only apply to ACF."""
    return {"overidentify": spec.acf_overidentify} if spec.method == "acf" else {}


def estimate_by_group(panel: pd.DataFrame, spec: TfpSpec, *, group: str, seed: int) -> GroupedProductionFunction:
    """The study's TFP estimator fitted separately in each ``group`` (industry or cluster)."""
    return tfp.estimate_by_group(
        panel, group=group, fallback_group=None, min_obs=spec.min_obs, method=spec.method,
        bootstrap=spec.bootstrap, seed=seed, **acf_options(spec), **PF_COLUMNS,
    )
