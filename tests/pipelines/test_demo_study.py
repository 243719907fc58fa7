"""The whole demo study, materialised once in-process, checked against its known truth.

This is the walking skeleton's acceptance test: the default demo data, the default
study, the real estimators, and the published files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from study.manifest import read_manifest, sha256_file
from cluster_impact.runner import run_study
from study.spec import DEMO_STUDY_PATH, load_study

TRUE_EFFECT = load_study(DEMO_STUDY_PATH).inputs.demo.true_effect


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    run = run_study(DEMO_STUDY_PATH, base / "out", storage_dir=base / "storage")
    return run, base / "storage" / "assets"


def _asset(storage: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(storage / f"{name}.parquet")


def test_published_files_exist(demo):
    run, _ = demo
    out = run.out_dir
    for rel in ("tables/main_effect.csv", "tables/main_effect.md", "figures/tfp_members_vs_all.png"):
        assert (out / rel).is_file() and (out / rel).stat().st_size > 0, rel
    assert (out / "figures/tfp_members_vs_all.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(out / "tables/main_effect.csv")
    assert len(table.columns) == 7  # statistic + columns (1)-(6)


def test_twfe_recovers_true_effect_and_pooled_gap_shows_selection(demo):
    _, storage = demo
    twfe = _asset(storage, "twfe_did").iloc[0]
    pooled = _asset(storage, "pooled_ols_premium").iloc[0]
    assert abs(twfe["estimate"] - TRUE_EFFECT) < 0.01
    # Members were more productive before joining: the naive gap is several times the effect.
    assert pooled["estimate"] > TRUE_EFFECT + 0.03
    assert pooled["estimate"] > 2 * twfe["estimate"]


@pytest.mark.parametrize("asset", ["twfe_did", "twfe_did_industry_year", "callaway_santanna", "matched_did"])
def test_did_intervals_cover_the_truth(demo, asset):
    _, storage = demo
    for row in _asset(storage, asset).itertuples():
        assert row.ci_lower <= TRUE_EFFECT <= row.ci_upper, (asset, row.specification, row.estimate, row.se)


def test_input_rows_reconcile_and_manifest_records_them(demo):
    run, storage = demo
    recon = _asset(storage, "input_reconciliation")
    assert (recon["rows_read"] == recon["rows_accepted"] + recon["rows_rejected"]).all()
    manifest = read_manifest(run.manifest_path)
    assert {i["kind"] for i in manifest["inputs"]} == {"accounts", "membership", "deflators"}
    for rel, digest in manifest["outputs"].items():
        assert sha256_file(run.out_dir / rel) == digest


def test_no_enterprise_number_in_published_files(demo):
    from reports.guard import assert_no_firm_identifiers

    run, _ = demo
    # Every published file but the manifest, whose SHA-256 digests are hex noise.
    published = sorted(p for p in run.out_dir.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert published
    for path in published:
        assert_no_firm_identifiers(path)


def test_disclosure_audit_passes_on_the_demo_publication(demo):
    from reports.audit import audit_publication

    run, _ = demo
    result = audit_publication(run.out_dir)
    assert result.ok, result.summary()
    assert {"M1_membership", "M3_weight", "M4_performance", "T1_pre_membership_profile"} <= set(result.tables)
    assert result.n_suppressed > 0


def test_tfp_assets_recover_true_productivity(demo):
    _, storage = demo
    recovery = _asset(storage, "tfp_recovery").set_index("estimate")
    # Productivity is identified up to an industry-specific level: compare within industry.
    assert recovery.loc["log_tfp_net_of_noise", "correlation_within_industry"] >= 0.95
    assert recovery.loc["log_tfp", "correlation_within_industry"] >= 0.9


def test_event_study_lags_cover_truth_and_leads_are_flat(demo):
    _, storage = demo
    es = _asset(storage, "event_study")
    lags = es.loc[es["event_time"] >= 0]
    assert ((lags["ci_lower"] <= TRUE_EFFECT) & (TRUE_EFFECT <= lags["ci_upper"])).all()
    leads = es.loc[(es["event_time"] < -1)]
    assert ((leads["ci_lower"] <= 0) & (0 <= leads["ci_upper"])).all()
