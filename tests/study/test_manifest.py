"""What a manifest records: the code's state, each input's reconciliation, the disclosure audit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from study.manifest import code_state, disclosure_audit_record, input_records
from study.publishing import DisclosureLeakError


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_code_state_reads_commit_and_uncommitted_changes(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "tfp.py").write_text("EFFECT = 1\n", encoding="utf-8")
    _git(repo, "add", "tfp.py")
    _git(repo, "commit", "-qm", "first")
    clean = code_state(repo)
    assert len(clean["git_commit"]) == 40 and clean["dirty"] is False
    (repo / "tfp.py").write_text("EFFECT = 2\n", encoding="utf-8")  # an edited estimator
    assert code_state(repo) == {"git_commit": clean["git_commit"], "dirty": True}
    assert code_state(tmp_path / "not_a_repo_at_all") == {"git_commit": None, "dirty": None}


def test_input_records_reconcile_each_file_and_count_rows_by_rule():
    raw = pd.DataFrame({"kind": ["accounts", "membership"], "name": ["accounts.csv", "members.xlsx"],
                        "path": ["/d/accounts.csv", "/d/members.xlsx"], "sha256": ["a" * 64, "b" * 64],
                        "bytes": [1000, 200]})
    recon = pd.DataFrame({"kind": ["accounts", "membership"], "rows_read": [10, 4], "rows_accepted": [7, 4],
                          "rows_rejected": [3, 0]})
    # row 5 breaks two rules: it counts under both, once per rule
    rejected = pd.DataFrame({"file": ["/d/accounts.csv"] * 4, "row": [2, 5, 5, 9],
                             "column": ["fte", "fte", "closing_date", "9900"],
                             "rule": ["negative_value", "negative_value", "impossible_date", "not_a_number"],
                             "value": ["-1", "-3", "31/02/2019", "abc"]})
    accounts, members = input_records(raw, recon, rejected)
    assert accounts == {"kind": "accounts", "name": "accounts.csv", "sha256": "a" * 64, "bytes": 1000, "rows": 10,
                        "rows_accepted": 7, "rows_rejected": 3,
                        "rejected_by_rule": {"impossible_date": 1, "negative_value": 2, "not_a_number": 1}}
    assert members["rejected_by_rule"] == {} and members["rows"] == 4


def _table(out: Path, name: str, csv: str) -> None:
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "tables" / f"{name}.csv").write_text(csv, encoding="utf-8")
    (out / "tables" / f"{name}.md").write_text(f"**{name}**\n", encoding="utf-8")


def test_the_audit_record_of_a_safe_publication(tmp_path):
    _table(tmp_path, "X1_sizes", "Group,mean\nA,7.0\n")
    record = disclosure_audit_record(tmp_path)
    assert record["ok"] is True and record["leaks"] == 0 and "not_audited" in record


def test_a_leak_refuses_the_publication_in_one_line(tmp_path):
    _table(tmp_path, "X1_sizes", "Group,min,mean\nA,3.0,7.0\n")  # a minimum is one firm's value
    with pytest.raises(DisclosureLeakError) as info:
        disclosure_audit_record(tmp_path)
    message = str(info.value)
    assert "\n" not in message and message.startswith("disclosure audit: 1 protected value(s)")
    assert "X1_sizes" in message and "min" in message and "LEAK" in info.value.summary
