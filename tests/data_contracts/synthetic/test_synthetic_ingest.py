"""The generator's files through the project's real readers (data_contracts).

Clean files must pass every contract and the derived panel must reproduce the
truth; defective files must be quarantined exactly where the defect log says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import data_contracts as dc
from data_contracts.synthetic import SimulationConfig, read_defect_log, simulate_population, write_raw_files


@pytest.fixture(scope="module")
def population():
    return simulate_population(SimulationConfig(seed=21, n_firms=800, member_share=0.03))


@pytest.mark.parametrize("layout, fmt, separator, decimal, encoding", [
    ("wide", "csv", ",", ".", "utf-8"),
    ("long", "csv", ";", ",", "latin-1"),
    ("wide", "parquet", ",", ".", "utf-8"),
])
def test_clean_files_pass_and_reproduce_the_truth(population, tmp_path, layout, fmt, separator,
                                                  decimal, encoding):
    paths = write_raw_files(population, tmp_path, accounts_layout=layout, accounts_format=fmt,
                            membership_format="xlsx", separator=separator, decimal=decimal,
                            encoding=encoding)
    accounts = dc.read_accounts(paths["accounts"])
    members = dc.read_membership(paths["membership"])
    deflators = dc.read_deflators(paths["deflators"])
    for result in (accounts, members, deflators):
        assert result.rejected.empty, result.rejected.head()
    assert len(accounts.accepted) == len(population.accounts)
    assert len(members.accepted) == len(population.membership)

    panel = dc.build_firm_year_panel(accounts.accepted, deflators.accepted).panel
    truth = population.truth.firm_years.set_index(["enterprise_number", "year"])
    joined = panel.set_index(["enterprise_number", "year"]).join(truth, rsuffix="_true", how="left")
    assert len(joined) > 0.5 * len(truth)
    np.testing.assert_allclose(joined["va"], joined["va_real"], rtol=1e-9)
    np.testing.assert_allclose(joined["capital"], joined["capital_real"], rtol=1e-9)
    np.testing.assert_array_equal(joined["fte"], joined["fte_true"])
    reported = joined["materials"].notna()
    np.testing.assert_allclose(joined.loc[reported, "materials"],
                               joined.loc[reported, "materials_real"], rtol=1e-9)


@pytest.mark.parametrize("fmt, deposit_dates", [("csv", False), ("parquet", False), ("csv", True)])
def test_quarantine_matches_the_defect_log(population, tmp_path, fmt, deposit_dates):
    rates = {"bad_check_digit": 0.02, "other_spelling": 0.03, "duplicate_filing": 0.01,
             "negative_employment": 0.01, "unknown_nace": 0.015, "missing_required": 0.012,
             "wrong_type": 0.01, "leave_before_join": 0.05, "extra_header_row": 1.0}
    paths = write_raw_files(population, tmp_path, accounts_format=fmt, membership_format="xlsx",
                            defects=rates, seed=8, deposit_dates=deposit_dates)
    log = read_defect_log(paths["defects"])
    for kind, reader in (("accounts", dc.read_accounts), ("membership", dc.read_membership)):
        result = reader(paths[kind])
        expected = set(log.loc[(log["kind"] == kind) & log["rejected"], "row"])
        assert set(result.rejected["row"]) == expected, kind
        assert result.report.rows_read == result.report.rows_accepted + result.report.rows_rejected
        assert result.report.rows_rejected == len(expected)
    # Respelled numbers are normalised, not rejected, and superseded filings lose to
    # their correction.
    accepted = dc.read_accounts(paths["accounts"]).accepted
    assert set(accepted["enterprise_number"]) <= set(population.accounts["enterprise_number"])
    assert not accepted.duplicated(["enterprise_number", "year"]).any()
