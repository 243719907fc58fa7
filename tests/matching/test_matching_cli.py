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
    assert list(doc)[:7] == [
        "n_treated", "n_control", "n_treated_matched", "n_control_matched", "distance", "weights", "balance",
    ]
    assert doc["n_treated"] == 185 and doc["n_control"] == 429
    assert doc["n_treated_matched"] == 113 and doc["n_control_matched"] == 113
    assert doc["distance"] == pytest.approx(ref["rows"]["distance"], abs=1e-6)
    assert doc["weights"] == pytest.approx(ref["rows"]["weight"], abs=1e-9)
    names = [b["covariate"] for b in doc["balance"]]
    assert names == [r["covariate"] for r in ref["balance"]["all"]]
    assert "raceblack" in names
    assert {"covariate", "smd_before", "smd_after", "var_ratio_before", "var_ratio_after", "mean_treated_after",
            "mean_control_after", "ecdf_mean_after", "ecdf_max_after", "std_pair_dist_after"} <= set(doc["balance"][0])
    for ours, theirs in zip(doc["balance"], ref["balance"]["matched"]):
        assert ours["mean_control_after"] == pytest.approx(theirs["means_control"], abs=1e-6)
        assert ours["ecdf_max_after"] == pytest.approx(theirs["ecdf_max"], abs=1e-6)
    assert doc["sample_sizes"] == {
        group: {**{row: ref["counts"][row][group] for row in ref["counts"]}, "dropped_missing": 0}
        for group in ("control", "treated")
    }
    assert isinstance(doc["sample_sizes"]["treated"]["matched"], int)
    assert [b["smd_after"] for b in doc["balance"]] == pytest.approx(
        [r["std_mean_diff"] for r in ref["balance"]["matched"]], abs=1e-6
    )
    assert doc["balance"][3]["var_ratio_before"] is None  # binary level: no variance ratio
    assert doc["att"]["estimate"] == pytest.approx(ref["effect"]["att"], abs=1e-6)
    assert doc["att"]["se"] == pytest.approx(ref["effect"]["se_cluster_subclass"], rel=1e-4)
    assert doc["att"]["se_type"] == "cluster_subclass_hc1" and doc["att"]["n_matched_sets"] == 113
    assert doc["att"]["p_value"] == pytest.approx(ref["effect"]["p_value_primary"], rel=1e-4)


def test_cli_prints_matchit_summary_by_default(fixtures_dir, load_case, capsys):
    """Acceptance (#15): balance columns, integer sample sizes, ATT with SE type and interval."""
    rc = main(["match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "treat",
               "--covariates", COVS, "--caliper", "0.2", "--outcome", "re78"])
    assert rc == 0
    captured = capsys.readouterr()
    out = captured.out
    ref = load_case("ii_nearest_caliper02")
    for heading in ("Summary of balance for all data:", "Summary of balance for matched data:", "Sample sizes:"):
        assert heading in out
    header = next(line for line in out.splitlines() if "Means Treated" in line and "Std. Pair Dist." in line)
    for column in ("Means Control", "Std. Mean Diff.", "Var. Ratio", "eCDF Mean", "eCDF Max"):
        assert column in header
    lines = out.splitlines()
    matched = lines[lines.index("Summary of balance for matched data:") + 2].split()
    theirs = ref["balance"]["matched"][0]
    assert matched[0] == "distance"
    assert matched[1:] == [f"{theirs[k]:.4f}" for k in ("means_treated", "means_control", "std_mean_diff",
                                                         "var_ratio", "ecdf_mean", "ecdf_max", "std_pair_dist")]
    sizes = {line.split()[0] + (" (ESS)" if "(ESS)" in line else ""): line.split()[-2:] for line in lines
             if line.split() and line.split()[0] in ("All", "Matched", "Unmatched", "Discarded")}
    assert sizes == {"All (ESS)": ["429.00", "185.00"], "All": ["429", "185"], "Matched (ESS)": ["113.00", "113.00"],
                     "Matched": ["113", "113"], "Unmatched": ["316", "72"], "Discarded": ["0", "0"]}
    assert "cluster-robust by matched set, HC1" in out
    att_row = next(line for line in lines if line.startswith("re78 "))
    eff = ref["effect"]
    lo = eff["att"] - 1.9706 * eff["se_cluster_subclass"]  # t(224) quantile, to the 4th decimal of the CI
    assert att_row.split()[1:3] == [f"{eff['att']:.4f}", f"{eff['se_cluster_subclass']:.4f}"]
    assert float(att_row.split()[5]) == pytest.approx(lo, abs=0.5)
    assert "226 matched units in 113 matched sets" in out
    assert captured.err.count("warning: 72 of 185 treated units have no match") == 1


def test_cli_distance_column_discard_and_m_order(tmp_path, fixtures_dir, lalonde, capsys):
    import matching

    data = lalonde.copy()
    data["ps"] = matching.propensity_score(data, treatment="treat", covariates=COVS.split(",")).distance.to_numpy()
    path = tmp_path / "lalonde_ps.parquet"
    data.to_parquet(path)
    base = ["match", "--data", str(path), "--treatment", "treat", "--covariates", COVS, "--json", "-"]
    assert main(base) == 0
    glm = json.loads(capsys.readouterr().out)
    assert main(base + ["--distance", "ps"]) == 0
    own = json.loads(capsys.readouterr().out)
    assert own["weights"] == glm["weights"] and "user-supplied distance" in own["description"]
    assert main(base + ["--distance", "ps", "--discard", "both", "--m-order", "smallest"]) == 0
    doc = json.loads(capsys.readouterr().out)
    expected = matching.match(data, treatment="treat", covariates=COVS.split(","), distance="ps",
                              discard="both", m_order="smallest")
    assert doc["weights"] == pytest.approx(expected.weights.tolist())
    assert doc["sample_sizes"]["control"]["discarded"] == int(expected.discarded[data["treat"] == 0].sum()) > 0


def test_cli_cem_cutpoints(fixtures_dir, capsys):
    import matching
    import pandas as pd

    data = pd.read_csv(fixtures_dir / "lalonde.csv")
    rc = main(["match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "treat",
               "--covariates", "age,educ,race,re74", "--method", "cem",
               "--cutpoints", "age=q4,educ=0,re74=0:5000:10000", "--json", "-"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    expected = matching.match(data, treatment="treat", covariates=["age", "educ", "race", "re74"], method="cem",
                              cutpoints={"age": "q4", "educ": 0, "re74": [0, 5000, 10000]})
    assert doc["weights"] == pytest.approx(expected.weights.tolist())
    # educ=0: no coarsening, so matched treated and controls have identical educ distributions
    educ = next(b for b in doc["balance"] if b["covariate"] == "educ")
    assert educ["smd_after"] == pytest.approx(0, abs=1e-12) and educ["smd_before"] != 0


@pytest.mark.parametrize("extra, message", [
    (["--method", "exact", "--exact", "race"], "--exact applies to nearest-neighbour matching, not --method exact"),
    (["--method", "cem", "--exact", "race"], "use --cutpoints VAR=0"),
    (["--method", "cem", "--ratio", "2", "--replace"], "--ratio, --replace apply to nearest-neighbour matching"),
    (["--distance", "mahalanobis"], "--distance mahalanobis is not implemented"),
    (["--distance", "nope"], "'nope' is neither"),
    (["--estimand", "ATE"], "only the ATT is implemented"),
    (["--cutpoints", "5"], "--cutpoints applies to --method cem only"),
])
def test_cli_refuses_options_it_would_otherwise_ignore(fixtures_dir, capsys, extra, message):
    rc = main(["match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "treat",
               "--covariates", COVS, *extra])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1


def test_cli_refuses_cutpoints_for_a_variable_it_does_not_match_on(fixtures_dir, capsys):
    rc = main(["match", "--data", str(fixtures_dir / "lalonde.csv"), "--treatment", "treat",
               "--covariates", COVS, "--method", "cem", "--cutpoints", "income=3"])
    err = capsys.readouterr().err
    assert rc == 1 and "not CEM covariates: income" in err and err.count("\n") == 1


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
