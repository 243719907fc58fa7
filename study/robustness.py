"""Robustness of the membership effect (table T6) and the TFP estimators behind it (T2).

The same TWFE DiD on log TFP from every estimator of the robustness grid, by control
group (Callaway-Sant'Anna) and on the study design's alternative samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

import tfp
from study.estimates import FIRM, YEAR, Y, balanced_subpanel, twfe_estimate


def sample_variants(panel: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The robustness samples of the study design (T6)."""
    return {
        "Balanced panel": balanced_subpanel(panel),
        "Without 2020": panel.loc[panel[YEAR] != 2020],
        "Full-model filers only": panel.loc[panel.groupby(FIRM)["model"].transform(lambda m: (m == "full").all())],
        "Without multi-cluster firms": panel.loc[panel["multi_cluster"] == 0],
    }


def robustness_rows(panel: pd.DataFrame, tfp_variants: pd.DataFrame, labels: Mapping[str, str],
                    control_groups: pd.DataFrame) -> pd.DataFrame:
    """T6 rows: TWFE on every TFP variant, CS by control group, TWFE on each sample.

    ``tfp_variants`` holds one ``log_tfp_<method>`` column per TFP estimator keyed by
    firm and year; ``control_groups`` are the Callaway-Sant'Anna rows of the study.
    """
    rows = []
    base = panel.drop(columns=[Y])
    for method, label in labels.items():
        column = f"{Y}_{method}"
        variant = base.merge(tfp_variants[[FIRM, YEAR, column]], on=[FIRM, YEAR]).rename(columns={column: Y})
        variant = variant.loc[np.isfinite(variant[Y])]
        rows.append(_as_row("TFP estimator", label, twfe_estimate(variant)))
    for row in control_groups.itertuples(index=False):
        label = "Never members" if row.control_group == "never" else "Not-yet members"
        rows.append(_as_row("Control group (Callaway-Sant'Anna)", label, pd.DataFrame([row._asdict()])))
    for label, sample in sample_variants(panel).items():
        rows.append(_as_row("Sample (TWFE)", label, twfe_estimate(sample)))
    return pd.DataFrame(rows)


def _as_row(dimension: str, variant: str, estimate: pd.DataFrame) -> dict[str, object]:
    r = estimate.iloc[0]
    return {"dimension": dimension, "variant": variant, "estimate": float(r["estimate"]), "se": float(r["se"]),
            "pvalue": float(r["pvalue"]), "n_obs": int(r["n_obs"]), "n_firms": int(r["n_firms"]),
            "n_members": int(r["n_members"]), "residual_df": float(r["residual_df"])}


def tfp_variants(panel: pd.DataFrame, methods: Sequence[str], *, min_obs: int, seed: int,
                 pf_columns: Mapping[str, str], acf_options: Mapping[str, object] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log TFP from every estimator of the robustness grid, and their elasticities (T2).

    ``cost_share`` is the index-number TFP with industry-year median cost shares
    (labour: wage bill over value added; capital: the rest), ``labour_productivity``
    log value added per FTE; the others are production functions by NACE 2-digit.
    """
    keys = panel[[FIRM, YEAR]].copy()
    elasticities = []
    for method in methods:
        if method == "cost_share":
            shares = panel.assign(labour_share=panel["wage_bill"] / panel["va_nominal"])
            cs = tfp.cost_share_tfp(shares, id=FIRM, time=YEAR, group="nace2", output="log_va",
                                    inputs={"log_fte": "labour_share", "log_capital": None})
            keys[f"{Y}_{method}"] = cs["log_tfp"].to_numpy()
            continue
        if method == "labour_productivity":
            keys[f"{Y}_{method}"] = (panel["log_va"] - panel["log_fte"]).to_numpy()
            continue
        options = dict(acf_options or {}) if method == "acf" else {}
        grouped = tfp.estimate_by_group(panel, group="nace2", min_obs=min_obs, method=method, seed=seed,
                                        **options, **pf_columns)
        merged = keys.merge(grouped.tfp[[FIRM, YEAR, "log_tfp"]], on=[FIRM, YEAR], how="left")
        keys[f"{Y}_{method}"] = merged["log_tfp"].to_numpy()
        el = grouped.elasticities.assign(estimator=method)
        elasticities.append(el)
    return keys, pd.concat(elasticities, ignore_index=True) if elasticities else pd.DataFrame()
