"""Option combinations not covered by the R reference files, against diff-diff 3.13.0.

The six R did cases fix the estimators; these check the cell construction for
not-yet-treated controls with a universal base period and with anticipation, where
diff-diff reproduces R did (fixture and its provenance:
tests/fixtures/did/make_balanced_options_fixture.py).
"""

from __future__ import annotations

import json
import math

import pytest
from did_testdata import FIXTURES, MPDTA_COLUMNS

import did

ORACLE = json.loads((FIXTURES / "options_mpdta_diffdiff.json").read_text())


def _case_id(c: dict) -> str:
    cov = "+".join(c["covariates"]) or "nocov"
    return f"{c['method']}-{cov}-{c['control_group']}-{c['base_period']}-ant{c['anticipation']}"


@pytest.mark.parametrize("case", ORACLE["cases"], ids=_case_id)
def test_options_match_oracle(mpdta, case):
    res = did.att_gt(
        mpdta, **MPDTA_COLUMNS, method=case["method"], covariates=case["covariates"] or None,
        control_group=case["control_group"], base_period=case["base_period"],
        anticipation=case["anticipation"],
    )
    ours = res.att_gt.set_index(["group", "time"])
    expected = {(c["group"], c["time"]): c for c in case["cells"]}
    for key, cell in expected.items():
        row = ours.loc[key]
        assert row["att"] == pytest.approx(cell["att"], abs=1e-10)
        if cell["se"] is None:
            assert math.isnan(row["se"])
        else:
            assert row["se"] == pytest.approx(cell["se"], rel=1e-8)
    assert len(ours) == len(expected)
    if case["base_period"] == "universal":
        ref = ours[ours["event_time"] == -1 - case["anticipation"]]
        assert len(ref) == len(res.groups) and (ref["att"] == 0).all() and ref["se"].isna().all()
