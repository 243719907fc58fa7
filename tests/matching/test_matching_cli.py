import json

import pytest

from cluster_impact.cli import main

COVS = "age,educ,race,married,nodegree,re74,re75"


def test_cli_json_matches_reference(tmp_path, fixtures_dir, load_case):
    out = tmp_path / "m.json"
    rc = main(
        [
            "match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "treat",
            "--covariates", COVS, "--caliper", "0.2", "--outcome", "re78", "--json", str(out),
        ]
    )
    assert rc == 0
    doc = json.loads(out.read_text())
    ref = load_case("ii_nearest_caliper02")
    assert list(doc) == [
        "n_treated", "n_control", "n_treated_matched", "n_control_matched",
        "distance", "weights", "balance", "att",
    ]
    assert doc["n_treated"] == 185 and doc["n_control"] == 429
    assert doc["n_treated_matched"] == 113 and doc["n_control_matched"] == 113
    assert doc["distance"] == pytest.approx(ref["rows"]["distance"], abs=1e-6)
    assert doc["weights"] == pytest.approx(ref["rows"]["weight"], abs=1e-9)
    names = [b["covariate"] for b in doc["balance"]]
    assert names == [r["covariate"] for r in ref["balance"]["all"]]
    assert "raceblack" in names
    assert set(doc["balance"][0]) == {"covariate", "smd_before", "smd_after", "var_ratio_before", "var_ratio_after"}
    assert [b["smd_after"] for b in doc["balance"]] == pytest.approx(
        [r["std_mean_diff"] for r in ref["balance"]["matched"]], abs=1e-6
    )
    assert doc["balance"][3]["var_ratio_before"] is None  # binary level: no variance ratio
    assert doc["att"]["estimate"] == pytest.approx(ref["effect"]["att"], abs=1e-6)
    assert doc["att"]["se"] == pytest.approx(ref["effect"]["se_cluster_subclass"], rel=1e-4)


def test_cli_exact_without_outcome(tmp_path, fixtures_dir, load_case, capsys):
    rc = main(
        [
            "match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "treat",
            "--covariates", "race,married,nodegree", "--method", "exact", "--json", "-",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert "att" not in doc
    assert doc["weights"] == pytest.approx(load_case("v_exact")["rows"]["weight"], abs=1e-9)
    assert all(d is None for d in doc["distance"])


def test_cli_errors_are_one_line(tmp_path, fixtures_dir, capsys):
    rc = main(["match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "re78", "--covariates", "age"])
    err = capsys.readouterr().err
    assert rc != 0 and "must be coded 0/1" in err and "Traceback" not in err
    assert err.count("\n") == 1
    rc = main(["match", "--data", str(tmp_path / "nope.csv"), "--treatment", "t", "--covariates", "x"])
    assert rc != 0 and "not found" in capsys.readouterr().err


def test_cli_drop_missing(tmp_path, capsys):
    path = tmp_path / "d.csv"
    rows = ["t,x,z"] + [f"{i % 3 == 0:d},{'' if i in (4, 7) else i * 0.37 % 5},{(i * 7) % 11}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    rc = main(["match", "--data", str(path), "--treatment", "t", "--covariates", "x,z"])
    assert rc != 0 and "2 rows have missing covariate values" in capsys.readouterr().err
    rc = main(["match", "--data", str(path), "--treatment", "t", "--covariates", "x,z", "--drop-missing", "--json", "-"])
    captured = capsys.readouterr()
    assert rc == 0 and "dropped 2 of 60 rows" in captured.err
    doc = json.loads(captured.out)
    assert doc["distance"][4] is None and doc["weights"][4] == 0.0
