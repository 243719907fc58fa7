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
    assert list(got)[:6] == ["method", "n_obs", "n_firms", "converged", "params", "std_errors"]
    assert got["prodest_function"] == "prodestLP"
    assert got["bootstrap"] == {"replications": 4, "failed": 0, "seed": 5}
    assert got["returns_to_scale"]["estimate"] == pytest.approx(sum(got["params"].values()))
    assert got["returns_to_scale"]["std_error"] > 0
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
    assert got["returns_to_scale"]["estimate"] == pytest.approx(sum(got["params"].values()))
    assert got["returns_to_scale"]["std_error"] is None
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


def test_without_bootstrap_the_summary_says_how_to_get_standard_errors(chilean_csv, capsys):
    code = main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--proxy", "pX", "--method", "lp"])
    assert code == 0
    out = capsys.readouterr().out
    assert "--bootstrap R" in out and "nan" not in out.lower() and "Std. Error" not in out
    assert "Returns to scale:" in out and "prodest::prodestLP" in out


@pytest.mark.parametrize("name,method,prodest", [
    ("wrdg", "wrdg", "prodestWRDG"), ("wrdg_iv", "wrdg", "prodestWRDG"), ("wrdg_gmm", "wrdg_gmm", "prodestWRDG_GMM"),
    ("prodestWRDG_GMM", "wrdg_gmm", "prodestWRDG_GMM"), ("prodestACF", "acf", "prodestACF"),
])
def test_method_names_follow_prodest(chilean_csv, capsys, name, method, prodest):
    code = main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--proxy", "pX", "--method", name,
                 "--json", "-"] + (["--theta0", ".5,.5,.5"] if method == "acf" else []))
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    assert (got["method"], got["prodest_function"]) == (method, prodest)


def test_unknown_method_and_misplaced_prodest_compat_are_refused(chilean_csv, capsys):
    with pytest.raises(SystemExit):
        main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--proxy", "pX", "--method", "gmm"])
    assert "unknown method 'gmm'" in capsys.readouterr().err
    code = main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--proxy", "pX", "--method", "wrdg",
                 "--prodest-compat"])
    assert code == 1 and "prodest_compat applies to wrdg_gmm" in capsys.readouterr().err


def test_absurd_bootstrap_standard_errors_are_flagged(chilean_csv, capsys):
    """ACF with 5 replications: two land on another root (fX2 elasticity 2.1 and 3.3)."""
    code = main(["tfp", "estimate", "--data", str(chilean_csv), *from_fixture, "--proxy", "pX", "--method", "acf",
                 "--bootstrap", "5", "--json", "-"])
    assert code == 0
    captured = capsys.readouterr()
    got = json.loads(captured.out)
    assert got["std_errors"]["fX2"] > 0.5
    flagged = [w for w in got["warnings"] if w.startswith("bootstrap SE of fX2")]
    assert len(flagged) == 1 and "2 of 5 replications" in flagged[0]
    assert any("5 bootstrap replications are themselves uncertain" in w for w in got["warnings"])
    assert not any(w.startswith("bootstrap SE of fX1") for w in got["warnings"])
    assert captured.err.count("warning: ") == len(got["warnings"])
