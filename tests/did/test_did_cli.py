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
    assert set(payload) == {"n_units", "n_obs", "panel", "att_gt", "aggregate"}
    assert payload["n_units"] == 500 and payload["n_obs"] == 2500
    assert set(payload["att_gt"][0]) == {"group", "time", "att", "se"}
    agg = payload["aggregate"]
    assert set(agg) == {"simple", "dynamic", "group", "calendar"}
    assert set(agg["simple"]) == {"att", "se"}
    assert set(agg["dynamic"][0]) == {"event_time", "att", "se"}
    assert set(agg["group"][0]) == {"group", "att", "se"}
    assert set(agg["calendar"][0]) == {"time", "att", "se"}
    ref = load_reference("ii_nevertreated_dr_lpop")
    for ours, theirs in zip(payload["att_gt"], ref["att_gt"]["cells"]):
        assert (ours["group"], ours["time"]) == (theirs["group"], theirs["time"])
        assert ours["att"] == pytest.approx(theirs["att"], abs=1e-6)
        assert ours["se"] == pytest.approx(theirs["se"], rel=1e-4)
    assert agg["simple"]["att"] == pytest.approx(ref["aggte"]["simple"]["overall_att"], abs=1e-6)
    for ours, theirs in zip(agg["dynamic"], ref["aggte"]["dynamic"]["elements"]):
        assert ours["event_time"] == theirs["event_time"]
        assert ours["att"] == pytest.approx(theirs["att"], abs=1e-6)


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
               "--base-period", "universal", "--method", "ipw"])
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


def test_twfe_json(tmp_path, mpdta):
    data = tmp_path / "panel.parquet"
    mpdta.assign(D=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(float)).to_parquet(data)
    out = tmp_path / "twfe.json"
    rc = main(["did", "twfe", "--data", str(data), "--y", "lemp", "--id", "countyreal", "--time", "year",
               "--treated", "D", "--json", str(out)])
    assert rc == 0
    payload = json.loads(out.read_text())
    assert set(payload) == {"coef", "se", "n_obs"}
    assert payload["n_obs"] == 2500
    assert payload["coef"] == pytest.approx(-0.03654893667406719, abs=1e-12)
    assert payload["se"] == pytest.approx(0.014819763208491772, rel=1e-8)


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
