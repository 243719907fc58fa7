"""``cluster-impact did sensitivity`` and bad input to did.sensitivity."""

from __future__ import annotations

import json

import numpy as np
import pytest
from did_testdata import FIXTURES, MPDTA_COLUMNS

import did
from cluster_impact.cli import main
from did.sensitivity import event_study_inputs, relative_magnitudes, smoothness

MPDTA = str(FIXTURES / "mpdta.csv")
ARGS = ["did", "sensitivity", "--data", MPDTA, "--y", "lemp", "--id", "countyreal", "--time", "year",
        "--group", "first.treat"]
REF = json.loads((FIXTURES / "honestdid_mpdta.json").read_text())
E0 = REF["results"]["e0"]
INP = REF["honestdid_inputs"]
BETA, SIGMA = np.array(INP["betahat"]), np.array(INP["sigma"])


def test_relative_magnitudes_json_and_table(tmp_path, capsys):
    out = tmp_path / "rm.json"
    rc = main([*ARGS, "--type", "relative-magnitudes", "--grid", "0,0.5,1,1.5,2", "--json", str(out)])
    assert rc == 0
    table = capsys.readouterr().out
    assert "relative magnitudes" in table and "Mbar" in table and "breakdown" in table
    payload = json.loads(out.read_text())
    assert set(payload) == {"original", "robust", "breakdown"}
    assert set(payload["original"]) == {"lb", "ub"}
    assert [set(r) for r in payload["robust"]] == [{"m", "lb", "ub", "method"}] * 5
    assert payload["original"]["lb"] == pytest.approx(E0["original"]["lb"], abs=1e-10)
    step = E0["relative_magnitudes"]["grid"]["step"]
    for ours, theirs in zip(payload["robust"], E0["relative_magnitudes"]["rows"]):
        assert ours["m"] == theirs["Mbar"] and ours["method"] == "C-LF"
        assert abs(ours["lb"] - theirs["lb"]) < 1e-3 * step
        assert abs(ours["ub"] - theirs["ub"]) < 1e-3 * step
    assert payload["breakdown"] == E0["relative_magnitudes"]["breakdown_Mbar"]


def test_smoothness_average_and_options(tmp_path, capsys):
    out = tmp_path / "sd.json"
    rc = main([*ARGS, "--type", "smoothness", "--grid", "0,0.01,0.02", "--target", "average",
               "--json", str(out)])
    assert rc == 0
    assert "average of the 4 post-period effects" in capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert [r["method"] for r in payload["robust"]] == ["FLCI"] * 3
    ref = smoothness(BETA, SIGMA, 3, 4, [0, 0.01, 0.02], target="average").to_dict()
    for ours, theirs in zip(payload["robust"], ref["robust"]):
        assert ours["lb"] == pytest.approx(theirs["lb"], abs=1e-9)
    assert payload["breakdown"] == 0.01
    rc = main([*ARGS, "--type", "relative-magnitudes", "--grid", "1", "--rm-method", "Conditional",
               "--grid-points", "50", "--control", "notyet", "--method", "reg"])
    assert rc == 0
    assert "Conditional" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message", "code"),
    [
        (["--type", "smoothness", "--grid", "0,x"], "--grid must be comma-separated numbers >= 0", 2),
        (["--type", "smoothness", "--grid", "-1"], "--grid must be comma-separated numbers >= 0", 2),
        (["--type", "smoothness", "--grid", "0", "--min-e", "-1"], "at least one pre-period", 1),
        (["--type", "smoothness", "--grid", "0", "--covariates", "nope"], "nope", 1),
    ],
)
def test_cli_errors_are_one_line(extra, message, code, capsys):
    """Option formats are usage errors (2); what the data cannot support is refused (1)."""
    rc = main([*ARGS, *extra])
    assert rc == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


def test_cli_missing_file(capsys):
    rc = main(["did", "sensitivity", "--data", "/nonexistent.csv", "--y", "y", "--id", "i", "--time", "t",
               "--group", "g", "--type", "smoothness", "--grid", "0"])
    assert rc == 1 and "data file not found" in capsys.readouterr().err


def test_varying_base_period_refused(mpdta):
    res = did.att_gt(mpdta, **MPDTA_COLUMNS)  # base_period="varying" (R's default)
    with pytest.raises(did.DiDInputError, match="base_period='universal'") as exc:
        event_study_inputs(res)
    assert "\n" not in str(exc.value)


def test_anticipation_refused(mpdta):
    res = did.att_gt(mpdta, **MPDTA_COLUMNS, base_period="universal", anticipation=1)
    with pytest.raises(did.DiDInputError, match="anticipation"):
        event_study_inputs(res)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"betahat": BETA[:-1]}, "do not conform"),
        ({"num_pre_periods": 2}, "num_pre_periods \\+ num_post_periods"),
        ({"num_pre_periods": 0, "num_post_periods": 7}, ">= 1"),
        ({"sigma": SIGMA + np.triu(np.full((7, 7), 1e-3), 1)}, "not symmetric"),
        ({"sigma": SIGMA - 0.01 * np.eye(7)}, "not positive semi-definite"),
        ({"betahat": np.r_[BETA[:-1], np.nan]}, "finite"),
        ({"target": "last"}, "target must be"),
        ({"target": [1, 0]}, "target weights must be 4"),
        ({"mbar": [0, -1]}, "mbar must be"),
        ({"method": "FLCI"}, "'C-LF' or 'Conditional'"),
        ({"grid_points": 1}, "grid_points"),
        ({"grid_bounds": (1, 0)}, "grid_bounds"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_relative_magnitudes_bad_input(kwargs, message):
    args = {"betahat": BETA, "sigma": SIGMA, "num_pre_periods": 3, "num_post_periods": 4, "mbar": [0, 1]}
    args.update(kwargs)
    with pytest.raises(did.DiDInputError, match=message) as exc:
        relative_magnitudes(**args)
    assert "\n" not in str(exc.value)


def test_smoothness_bad_grid():
    with pytest.raises(did.DiDInputError, match="m must be"):
        smoothness(BETA, SIGMA, 3, 4, [])


def test_json_to_stdout_instead_of_table(capsys):
    rc = main([*ARGS, "--type", "smoothness", "--grid", "0,0.01", "--json", "-"])
    assert rc == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"original", "robust", "breakdown"}
