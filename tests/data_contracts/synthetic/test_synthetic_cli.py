"""The ``simulate`` subcommand (registered on a parser here, as the top-level CLI does)."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from data_contracts.synthetic.cli import register


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cluster-impact")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_simulate_writes_the_raw_files_and_truth(tmp_path, capsys):
    code = _run(["simulate", "--out", str(tmp_path), "--n-firms", "300", "--seed", "4",
                 "--membership-format", "xlsx", "--defect", "bad_check_digit=0.01",
                 "--defect", "extra_header_row=1", "--json", "-"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["true_effect"] == 0.025
    assert set(report["files"]) == {"accounts", "membership", "deflators", "defects", "truth"}
    truth = pd.read_parquet(report["files"]["truth"])
    accounts = pd.read_csv(report["files"]["accounts"], dtype=str)
    assert len(truth) == len(accounts)


def test_simulate_lists_the_files_by_default(tmp_path, capsys):
    assert _run(["simulate", "--out", str(tmp_path), "--n-firms", "300", "--seed", "4",
                 "--json", str(tmp_path / "sim.json")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Simulated 300 firms") and "true membership effect 0.025" in out
    report = json.loads((tmp_path / "sim.json").read_text())
    assert all(path in out for path in report["files"].values())


@pytest.mark.parametrize("argv, message", [
    (["--n-firms", "5"], "n_firms"),
    (["--defect", "typo=0.1"], "unknown defect"),
    (["--separator", ";", "--decimal", ";"], "separator"),
])
def test_simulate_reports_bad_input_in_one_line(tmp_path, capsys, argv, message):
    assert _run(["simulate", "--out", str(tmp_path), "--n-firms", "300", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_malformed_defect_option_is_an_argparse_error(tmp_path):
    with pytest.raises(SystemExit):
        _run(["simulate", "--out", str(tmp_path), "--defect", "wrong_type"])
