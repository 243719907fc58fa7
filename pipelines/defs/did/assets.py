"""Chapter 5: difference-in-differences estimates of the membership effect."""

from __future__ import annotations

import dagster as dg
import pandas as pd

import did
from study import heterogeneity, robustness
from study import publication as pub
from study import estimates as est
from pipelines.defs.resources import StudyResource
from pipelines.metadata import frame_metadata

GROUP = "did"


def _estimate_output(frame: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    row = frame.iloc[0]
    return dg.Output(frame, metadata=frame_metadata(
        frame, estimate=float(row["estimate"]), se=float(row["se"]), n_obs=int(row["n_obs"])))


@dg.asset(group_name=GROUP, code_version="1", description="(1) Pooled OLS member premium: membership effect plus selection.")
def pooled_ols_premium(analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    return _estimate_output(est.pooled_premium(analysis_panel))


@dg.asset(group_name=GROUP, code_version="1", description="(2) Two-way fixed-effects DiD, firm-clustered SEs.")
def twfe_did(analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    return _estimate_output(est.twfe_estimate(analysis_panel))


@dg.asset(group_name=GROUP, code_version="1", description="(3) TWFE DiD with industry x year effects.")
def twfe_did_industry_year(analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    return _estimate_output(est.twfe_estimate(analysis_panel, industry_year=True,
                                              specification="twfe_industry_year", label="+ industry × year"))


@dg.multi_asset(
    group_name=GROUP,
    code_version="1",
    outs={
        "callaway_santanna": dg.AssetOut(description="(4) Callaway-Sant'Anna simple ATT for each control group."),
        "cs_att_gt": dg.AssetOut(description="Callaway-Sant'Anna group-time ATT(g,t) cells by control group."),
        "cs_dynamic": dg.AssetOut(description="Callaway-Sant'Anna effects by years since joining."),
        "cs_cohort_effects": dg.AssetOut(description="Callaway-Sant'Anna effect by entry cohort with the test of equal cohort effects (T5)."),
    },
)
def callaway_santanna(study: StudyResource, analysis_panel: pd.DataFrame):
    spec = study.spec()
    rows, cells, dynamic, cohorts = [], [], [], None
    for control in spec.did.control_groups:
        row, res = est.callaway_santanna(analysis_panel, control_group=control, method=spec.did.method,
                                         base_period=spec.did.base_period, seed=spec.seed)
        rows.append(row)
        cells.append(res.att_gt.assign(control_group=control))
        dynamic.append(res.aggregate("dynamic").elements.assign(control_group=control))
        if cohorts is None:  # the first control group is the main specification
            cohorts = heterogeneity.cohort_effects(res, analysis_panel)
    summary = pd.concat(rows, ignore_index=True)
    yield dg.Output(summary, output_name="callaway_santanna", metadata=frame_metadata(summary))
    cells_frame = pd.concat(cells, ignore_index=True)
    yield dg.Output(cells_frame, output_name="cs_att_gt", metadata=frame_metadata(cells_frame, preview=False))
    dyn = pd.concat(dynamic, ignore_index=True)
    yield dg.Output(dyn, output_name="cs_dynamic", metadata=frame_metadata(dyn, preview=False))
    yield dg.Output(cohorts, output_name="cs_cohort_effects", metadata=frame_metadata(cohorts, preview=False))


@dg.asset(group_name=GROUP, code_version="1", description="TWFE event study: leads and lags around joining (reference -1), with the joint pre-trend test.")
def event_study(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec = study.spec().did
    res = did.event_study(analysis_panel, y="log_tfp", id="enterprise_number", time="year",
                          group="first_join_year", leads=spec.leads, lags=spec.lags)
    frame = res.to_frame()
    return dg.Output(frame, metadata=frame_metadata(frame, preview=False,
                                                    pretrend_wald=float(res.pretrend_wald),
                                                    pretrend_pvalue=float(res.pretrend_pvalue)))


@dg.asset(group_name=GROUP, code_version="1", description="(6) TWFE DiD on TFP estimated by cluster classification instead of by sector.")
def cluster_tfp_did(analysis_panel: pd.DataFrame, firm_tfp_by_cluster: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    panel = analysis_panel.drop(columns="log_tfp").merge(firm_tfp_by_cluster, on=["enterprise_number", "year"])
    return _estimate_output(est.twfe_estimate(panel, specification="twfe_cluster_tfp", label="TFP by cluster"))


@dg.multi_asset(
    group_name=GROUP,
    code_version="1",
    outs={
        "heterogeneity_effects": dg.AssetOut(description="Membership effect by entry cohort, size class and cluster (one interacted TWFE per dimension)."),
        "heterogeneity_tests": dg.AssetOut(description="Wald tests that the effect is equal across entry cohorts, size classes and clusters."),
    },
)
def heterogeneity_estimates(analysis_panel: pd.DataFrame):
    # Entry cohorts come from the interacted TWFE on the whole sample: the CS cohort
    # effects (asset cs_cohort_effects) use the balanced sub-panel, where most demo
    # cohorts have fewer than the 10 members disclosure control requires.
    effects, tests = heterogeneity.heterogeneity(analysis_panel)
    yield dg.Output(effects, output_name="heterogeneity_effects", metadata=frame_metadata(effects, preview=False))
    yield dg.Output(tests, output_name="heterogeneity_tests", metadata=frame_metadata(tests, preview=False))


@dg.asset(group_name=GROUP, code_version="1", description="The membership effect across TFP estimators, control groups and samples (T6).")
def robustness_estimates(analysis_panel: pd.DataFrame, tfp_by_estimator: pd.DataFrame,
                         callaway_santanna: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    labels = {m: pub.TFP_SHORT_NAMES[m] for m in (c.removeprefix("log_tfp_") for c in tfp_by_estimator.columns[2:])}
    rows = robustness.robustness_rows(analysis_panel, tfp_by_estimator, labels, callaway_santanna)
    return dg.Output(rows, metadata=frame_metadata(rows, preview=False))
