"""``cluster-impact did att-gt`` / ``did twfe`` through cluster_impact.cli.main."""

from __future__ import annotations

import json

import pytest
from did_testdata import FIXTURES, load_reference

import did
from cluster_impact.cli import main

MPDTA = str(FIXTURES / "mpdta.csv")
ARGS = ["--data", MPDTA, "--y", "lemp", "--id", "countyreal", "--time", "year"]


def test_att_gt_json_layout_and_reference(tmp_path):
    out = tmp_path / "cs.json"
    rc = main(["did", "att-gt", *ARGS, "--group", "first.treat", "--covariates", "lpop", "--json", str(out)])
    assert rc == 0
    payload = json.loads(out.read_text())
    # issue #5's keys stay; issue #15 added the summary's fields
    assert {"n_units", "n_obs", "panel", "att_gt", "aggregate"} <= set(payload)
    assert payload["n_units"] == 500 and payload["n_obs"] == 2500
    assert {"group", "time", "att", "se", "ci_lower", "ci_upper"} <= set(payload["att_gt"][0])
    agg = payload["aggregate"]
    assert set(agg) == {"simple", "dynamic", "group", "calendar"}
    assert {"att", "se", "ci_lower", "ci_upper"} <= set(agg["simple"])
    assert {"event_time", "att", "se"} <= set(agg["dynamic"][0])
    assert {"group", "att", "se"} <= set(agg["group"][0])
    assert {"time", "att", "se"} <= set(agg["calendar"][0])
    assert payload["control_group"] == "never" and payload["estimation_method"] == "dr"
    assert payload["covariates"] == ["lpop"] and payload["se_type"] == "analytic_influence_function"
    assert payload["critical_value_simultaneous"] is None and "band_lower" not in payload["att_gt"][0]
    ref = load_reference("ii_nevertreated_dr_lpop")
    assert payload["pretest"]["statistic"] == pytest.approx(ref["att_gt"]["pretest_W"], rel=1e-6)
    assert payload["pretest"]["df"] == 5
    assert payload["pretest"]["pvalue"] == pytest.approx(ref["att_gt"]["pretest_pval_rounded5"], abs=1e-5)
    for ours, theirs in zip(payload["att_gt"], ref["att_gt"]["cells"]):
        assert (ours["group"], ours["time"]) == (theirs["group"], theirs["time"])
        assert ours["att"] == pytest.approx(theirs["att"], abs=1e-6)
        assert ours["se"] == pytest.approx(theirs["se"], rel=1e-4)
    assert agg["simple"]["att"] == pytest.approx(ref["aggte"]["simple"]["overall_att"], abs=1e-6)
    for ours, theirs in zip(agg["dynamic"], ref["aggte"]["dynamic"]["elements"]):
        assert ours["event_time"] == theirs["event_time"]
        assert ours["att"] == pytest.approx(theirs["att"], abs=1e-6)
        z = ref["aggte"]["dynamic"]["critical_value"]
        assert ours["ci_lower"] == pytest.approx(ours["att"] - z * ours["se"], abs=1e-12)
    dyn = payload["aggregate_overall"]["dynamic"]
    assert dyn["att"] == pytest.approx(ref["aggte"]["dynamic"]["overall_att"], abs=1e-6)
    assert dyn["se"] == pytest.approx(ref["aggte"]["dynamic"]["overall_se"], rel=1e-4)


def test_att_gt_prints_summary_by_default(capsys):
    """Acceptance (#15): the summary holds the pre-test, the intervals and the sample sizes."""
    rc = main(["did", "att-gt", *ARGS, "--group", "first.treat", "--covariates", "lpop"])
    assert rc == 0
    out = capsys.readouterr().out
    ref = load_reference("ii_nevertreated_dr_lpop")
    assert "Pre-test of parallel trends:  Wald chi2 = 6.8418, df = 5, p = 0.2327" in out
    assert f"{ref['att_gt']['pretest_pval_rounded5']:.4f}" == "0.2327"
    assert "500 units, 2500 observations" in out
    assert "2004: 20, 2006: 40, 2007: 131; never treated: 309" in out
    assert "Control group:" in out and "Never treated" in out
    assert "Doubly robust" in out and "Covariates:                   lpop" in out
    assert "[95% Pointwise" in out and "Conf. Int.]" in out and "Simult." not in out
    # first cell, rounded as R prints it: ATT -0.0145, SE 0.0221, interval [-0.0579, 0.0288]
    first = ref["att_gt"]["cells"][0]
    row = next(line for line in out.splitlines() if line.startswith("2004  2004"))
    lo = first["att"] - 1.959963984540054 * first["se"]
    hi = first["att"] + 1.959963984540054 * first["se"]
    assert row.split()[2:6] == [f"{first['att']:.4f}", f"{first['se']:.4f}", f"{lo:.4f}", f"{hi:.4f}"]
    for heading in ("Aggregated effects", "Dynamic effects", "Group (cohort) effects", "Calendar-time effects"):
        assert heading in out
    simple = ref["aggte"]["simple"]["overall_att"]
    assert f"{simple:.4f}" in next(line for line in out.splitlines() if line.startswith("Simple"))
    assert not out.lstrip().startswith("{")


def test_att_gt_bootstrap_summary_has_simultaneous_band(capsys):
    rc = main(["did", "att-gt", *ARGS, "--group", "first.treat", "--bootstrap", "299", "--seed", "3"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "[95% Simult." in out and "Conf. Band]" in out and "[95% Pointwise" in out
    crit = float(out.split("sup-t critical value ")[1].split()[0])
    assert 1.96 < crit < 4
    assert "multiplier bootstrap (Rademacher), 299 draws, seed 3" in out
    rc = main(["did", "att-gt", *ARGS, "--group", "first.treat", "--bootstrap", "299", "--seed", "3", "--json", "-"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["critical_value_simultaneous"] == pytest.approx(crit, abs=5e-5)
    cell = payload["att_gt"][0]
    assert cell["band_lower"] == pytest.approx(cell["att"] - payload["critical_value_simultaneous"] * cell["se"])
    assert cell["band_lower"] < cell["ci_lower"]
    assert payload["aggregate"]["dynamic"][0]["band_upper"] > payload["aggregate"]["dynamic"][0]["ci_upper"]
    assert payload["seed"] == 3 and payload["bootstrap_draws"] == 299


@pytest.mark.parametrize("panel", ["balance", "unbalanced", "pairwise"])
def test_att_gt_panel_option_matches_r(tmp_path, capsys, panel):
    """--panel on the unbalanced mpdta: R's numbers (tests/fixtures/did/r) in the JSON."""
    data = str(FIXTURES / "r" / "mpdta_unbalanced.csv")
    out = tmp_path / "cs.json"
    rc = main(["did", "att-gt", "--data", data, "--y", "lemp", "--id", "countyreal", "--time", "year",
               "--group", "first.treat", "--covariates", "lpop", "--control", "notyet",
               "--panel", panel, "--json", str(out)])
    assert rc == 0
    payload = json.loads(out.read_text())
    ref = json.loads((FIXTURES / "r" / "did_unbalanced_dr_notyet_lpop_varying.json").read_text())[panel]
    assert payload["panel"] == panel
    assert payload["n_units"] == ref["n_units"]
    for ours, theirs in zip(payload["att_gt"], ref["cells"]):
        assert (ours["group"], ours["time"]) == (theirs["group"], theirs["time"])
        assert ours["att"] == pytest.approx(theirs["att"], abs=1e-6)
        assert ours["se"] == pytest.approx(theirs["se"], abs=1e-6)
    assert payload["aggregate"]["simple"]["att"] == pytest.approx(
        ref["aggte"]["simple"]["overall_att"], abs=1e-6)
    stderr = capsys.readouterr().err
    assert ("dropped 262 of 500 units" in stderr) == (panel == "balance")


def test_att_gt_panel_option_refuses_unknown(capsys):
    with pytest.raises(SystemExit):
        main(["did", "att-gt", *ARGS, "--group", "first.treat", "--panel", "balanced"])
    assert "invalid choice: 'balanced'" in capsys.readouterr().err


def test_att_gt_options_and_stdout(capsys):
    rc = main(["did", "att-gt", *ARGS, "--group", "first.treat", "--control", "notyet",
               "--base-period", "universal", "--method", "ipw", "--json", "-"])
    assert rc == 0
    payload = json.loads(capsys.readouterr().out)
    # universal base period: reference cells reported as 0 with null SE
    ref_cells = [c for c in payload["att_gt"] if c["time"] == c["group"] - 1]
    assert ref_cells and all(c["att"] == 0 and c["se"] is None for c in ref_cells)


def test_att_gt_bootstrap_seeded(tmp_path, mpdta):
    outs = []
    for k in range(2):
        out = tmp_path / f"b{k}.json"
        assert main(["did", "att-gt", *ARGS, "--group", "first.treat", "--bootstrap", "200",
                     "--seed", "11", "--json", str(out)]) == 0
        outs.append(json.loads(out.read_text()))
    assert outs[0] == outs[1]
    analytic = did.att_gt(mpdta, y="lemp", id="countyreal", time="year", group="first.treat")
    assert outs[0]["att_gt"][0]["se"] != pytest.approx(analytic.att_gt["se"].iloc[0], rel=1e-6)


def test_twfe_json(tmp_path, mpdta, capsys):
    data = tmp_path / "panel.parquet"
    mpdta.assign(D=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(float)).to_parquet(data)
    out = tmp_path / "twfe.json"
    rc = main(["did", "twfe", "--data", str(data), "--y", "lemp", "--id", "countyreal", "--time", "year",
               "--treated", "D", "--json", str(out)])
    assert rc == 0
    payload = json.loads(out.read_text())
    assert {"coef", "se", "n_obs"} <= set(payload)
    assert payload["n_obs"] == 2500 and payload["n_clusters"] == 500 and payload["df_resid"] == 1995
    assert payload["tstat"] == pytest.approx(payload["coef"] / payload["se"])
    assert payload["ci_lower"] < payload["coef"] < payload["ci_upper"] and 0 < payload["pvalue"] < 0.05
    assert payload["coef"] == pytest.approx(-0.03654893667406719, abs=1e-12)
    assert payload["se"] == pytest.approx(0.014819763208491772, rel=1e-8)
    out = capsys.readouterr().out  # the summary is printed as well
    assert "Clusters:          500 (countyreal)" in out and "Residual df:       1995" in out
    row = next(line for line in out.splitlines() if line.startswith("D "))
    assert row.split()[1:5] == ["-0.0365", "0.0148", "-2.466", "0.0137"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--group", "first.treat", "--control", "never"], None),
        (["--group", "nope"], "column 'nope' not found"),
    ],
)
def test_att_gt_errors_one_line(tmp_path, capsys, mpdta, extra, message):
    data = tmp_path / "treated_only.csv"
    mpdta[mpdta["first.treat"] > 0].to_csv(data, index=False)
    rc = main(["did", "att-gt", "--data", str(data), "--y", "lemp", "--id", "countyreal",
               "--time", "year", *extra])
    err = capsys.readouterr().err.strip()
    assert rc != 0
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert (message or "no never-treated units") in err


def test_missing_file(capsys):
    rc = main(["did", "att-gt", "--data", "/nonexistent.csv", "--y", "a", "--id", "b", "--time", "c",
               "--group", "d"])
    assert rc != 0
    assert capsys.readouterr().err.strip() == "error: data file not found: /nonexistent.csv"


def test_twfe_error(capsys):
    rc = main(["did", "twfe", *ARGS, "--treated", "treat"])
    assert rc != 0
    assert "absorbed" in capsys.readouterr().err
