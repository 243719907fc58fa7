"""``cluster-impact tfp estimate`` through the project's CLI entry point."""

from __future__ import annotations

import json

import pytest

import tfp
from cluster_impact.cli import main

from_fixture = ["--id", "idvar", "--time", "timevar", "--output", "Y", "--free", "fX1,fX2", "--state", "sX"]


@pytest.fixture
def chilean_csv(chilean, tmp_path):
    p = tmp_path / "chilean.csv"
    chilean.to_csv(p, index=False)
    return p


def test_estimate_writes_the_json_layout(chilean_csv, chilean, spec, tmp_path, capsys):
    out = tmp_path / "lp.json"
    code = main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--proxy", "pX", "--method", "lp",
                 "--bootstrap", "4", "--seed", "5", "--json", str(out)])
    assert code == 0
    assert "Levinsohn-Petrin" in capsys.readouterr().out
    got = json.loads(out.read_text())
    assert list(got) == ["method", "n_obs", "n_firms", "converged", "params", "std_errors"]
    ref = tfp.estimate(chilean, method="lp", proxy="pX", bootstrap=4, seed=5, **spec)
    assert got["method"] == "lp" and got["n_obs"] == 2544 and got["n_firms"] == 497 and got["converged"] is True
    assert got["params"] == pytest.approx(ref.params.to_dict(), abs=1e-12)
    assert got["std_errors"] == pytest.approx(ref.std_errors.to_dict(), abs=1e-12)


def test_parquet_input_json_to_stdout_and_null_standard_errors(chilean, tmp_path, capsys):
    p = tmp_path / "chilean.parquet"
    chilean.to_parquet(p)
    code = main(["tfp", "estimate", "--data", str(p), "--id", "idvar", "--time", "timevar", "--output", "Y",
                 "--free", "fX1", "--free", "fX2", "--state", "sX", "--proxy", "pX", "--theta0", ".5,.5,.5",
                 "--json", "-"])
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    assert got["method"] == "acf" and got["std_errors"] == {"fX1": None, "fX2": None, "sX": None}
    assert got["params"]["fX1"] == pytest.approx(0.6456630093079194, abs=0.005)


def test_controls_and_translog_options(chilean_csv, capsys):
    code = main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--method", "ols", "--translog",
                 "--control", "cX", "--json", "-"])
    assert code == 0
    params = json.loads(capsys.readouterr().out)["params"]
    assert "fX1*sX" in params and "cX" in params


@pytest.mark.parametrize("args,message", [
    (["--data", "missing.csv"], "data file not found: missing.csv"),
    (["--proxy", "nope"], "column(s) not found in the data: nope"),
    (["--method", "lp"], "method 'lp' needs a proxy column"),
])
def test_errors_are_one_line_without_traceback(chilean_csv, capsys, args, message):
    base = ["tfp", "estimate", "--data", str(chilean_csv), *from_fixture]
    code = main(base + args)
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
