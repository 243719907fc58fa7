"""Structure of the simulated raw inputs: canonical layouts and realistic content."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from stdnum.be import vat

from data_contracts.layouts import (
    ACCOUNTS_WIDE_COLUMNS, DEFLATOR_COLUMNS, FILING_MODELS, MEMBER_TYPES, MEMBERSHIP_COLUMNS,
    REGIONS, SPEARHEAD_CLUSTERS,
)
from data_contracts.synthetic import SimulationConfig, SyntheticDataError, simulate_population
from data_contracts.synthetic.industries import industry_table


def _frames(population):
    return (population.accounts, population.membership, population.deflators,
            population.truth.firm_years, population.truth.firms)


def test_same_seed_gives_identical_frames(small_population, small_config):
    again = simulate_population(small_config)
    for left, right in zip(_frames(small_population), _frames(again)):
        pd.testing.assert_frame_equal(left, right)


def test_another_seed_gives_another_population(small_population, small_config):
    other = simulate_population(dataclasses.replace(small_config, seed=small_config.seed + 1))
    assert not other.accounts["enterprise_number"].equals(small_population.accounts["enterprise_number"])


def test_accounts_have_the_canonical_wide_layout(small_population, small_config):
    accounts = small_population.accounts
    assert tuple(accounts.columns) == ACCOUNTS_WIDE_COLUMNS
    assert accounts["enterprise_number"].str.fullmatch(r"[01]\d{3}\.\d{3}\.\d{3}").all()
    assert accounts["enterprise_number"].drop_duplicates().map(vat.is_valid).all()
    dates = pd.to_datetime(accounts["closing_date"], format="%Y-%m-%d")
    assert dates.dt.year.between(small_config.first_year, small_config.last_year).all()
    assert set(accounts["model"]) == set(FILING_MODELS)
    assert set(accounts["region"]) == set(REGIONS)
    assert set(accounts["foreign_owned"]) == {0, 1}
    assert not accounts.duplicated(["enterprise_number", "closing_date"]).any()
    # One filing per firm and calendar year of the closing date.
    assert not accounts.assign(year=dates.dt.year).duplicated(["enterprise_number", "year"]).any()


def test_nace_codes_exist_and_exclude_finance(small_population):
    nace = small_population.accounts["nace"]
    assert nace.str.fullmatch(r"\d\d\.\d\d\d").all()
    known = {code for codes in industry_table()["nace_codes"] for code in codes}
    assert set(nace) <= known
    divisions = set(nace.str[:2])
    assert 15 <= len(divisions) <= 21
    assert not divisions & {"64", "65", "66"}
    assert "70.100" not in set(nace)


def test_closing_dates_and_period_lengths_are_realistic(small_population):
    accounts = small_population.accounts
    december = accounts["closing_date"].str.endswith("-12-31").mean()
    assert 0.8 < december < 0.97
    months = accounts["months"].value_counts(normalize=True)
    assert set(months.index) == {6, 12, 18}
    assert 0.001 < 1 - months[12] < 0.03


def test_filing_models_report_the_right_rubrics(small_population):
    accounts = small_population.accounts
    full = accounts["model"] == "full"
    assert accounts.loc[full, ["70", "60", "61"]].notna().all().all()
    assert accounts.loc[full, "9900"].isna().all()
    assert accounts.loc[~full, "9900"].notna().all()
    # Abbreviated and micro filers often keep turnover and purchases to themselves.
    share_without_turnover = accounts.loc[~full, "70"].isna().mean()
    assert 0.3 < share_without_turnover < 0.9
    assert (accounts.loc[full, "70"] > 0).all()
    assert (accounts["9087"] > 0).all()
    assert (accounts["22/27"] > 0).all()
    assert (accounts["20/58"] >= accounts["22/27"]).all()


def test_regions_are_mostly_flemish(small_population):
    share = small_population.truth.firms["region"].value_counts(normalize=True)
    assert share["VLG"] > 0.8 and share["BRU"] > 0 and share["WAL"] > 0


def _derived_value_added(accounts: pd.DataFrame) -> np.ndarray:
    amount = {c: accounts[c].astype("float64").fillna(0.0).to_numpy()
              for c in ("70", "71", "72", "74", "740", "76A", "60", "61", "9900")}
    full = (accounts["model"] == "full").to_numpy()
    return np.where(full,
                    amount["70"] + amount["71"] + amount["72"] + amount["74"] - amount["740"]
                    - amount["60"] - amount["61"],
                    amount["9900"] - amount["76A"] - amount["740"])


def test_study_derivations_reproduce_the_true_real_quantities(small_population):
    accounts, truth = small_population.accounts, small_population.truth.firm_years
    deflators = small_population.deflators.set_index(["nace2", "year"])
    key = pd.MultiIndex.from_arrays([accounts["nace"].str[:2],
                                     accounts["closing_date"].str[:4].astype(int)])
    index = deflators.reindex(key)
    assert index.notna().all().all()
    annualise = 12.0 / accounts["months"].to_numpy()
    va = _derived_value_added(accounts) / (index["va"].to_numpy() / 100) * annualise
    np.testing.assert_allclose(va, truth["va_real"], rtol=1e-12)
    capital = accounts["22/27"].astype("float64") / (index["investment"].to_numpy() / 100)
    np.testing.assert_allclose(capital, truth["capital_real"], rtol=1e-12)
    reported = accounts["60"].notna().to_numpy()
    materials = ((accounts["60"].astype("float64") + accounts["61"].astype("float64"))
                 / (index["intermediate"].to_numpy() / 100) * annualise)
    np.testing.assert_allclose(materials[reported], truth["materials_real"][reported], rtol=1e-12)
    fte = accounts["1003"].fillna(accounts["9087"])
    np.testing.assert_array_equal(fte, truth["fte"])
    assert accounts["1003"].isna().any()


def test_membership_lists_follow_the_clusters_calendar(small_population):
    members = small_population.membership
    assert tuple(members.columns) == MEMBERSHIP_COLUMNS
    assert set(members["cluster"]) == set(SPEARHEAD_CLUSTERS)
    assert set(members["member_type"]) <= set(MEMBER_TYPES)
    assert (members["member_type"] == "company").mean() > 0.7
    assert members["enterprise_number"].map(vat.is_valid).all()
    join = pd.to_datetime(members["join_date"])
    leave = pd.to_datetime(members["leave_date"])
    start = pd.to_datetime(members["cluster"].map(lambda c: SPEARHEAD_CLUSTERS[c][0]))
    assert (join >= start).all()
    assert join.dt.year.max() <= 2023
    assert (join[members["cluster"] == "MEDVIA"] >= "2021-09-01").all()
    sim = members["cluster"] == "SIM"
    assert (leave[sim] <= "2023-12-31").all() and leave[sim].notna().all()
    assert (leave.dropna() >= join[leave.notna()]).all()
    assert leave[~sim].notna().any() and leave[~sim].isna().any()
    assert not members.duplicated(["cluster", "enterprise_number"]).any()


def test_membership_and_accounts_link_as_described(small_population):
    members, truth = small_population.membership, small_population.truth
    with_accounts = set(small_population.accounts["enterprise_number"])
    organisations = members[members["member_type"] != "company"]
    assert not set(organisations["enterprise_number"]) & with_accounts
    companies = members[members["member_type"] == "company"]
    matched = companies[companies["enterprise_number"].isin(with_accounts)]
    assert 0 < len(companies) - len(matched) < 0.1 * len(companies)
    # Some firms sit in several clusters; treatment is the first join across them.
    assert matched["enterprise_number"].duplicated().any()
    first = matched.assign(year=pd.to_datetime(matched["join_date"]).dt.year).groupby(
        "enterprise_number")["year"].min()
    firms = truth.firms.set_index("enterprise_number")
    joined = firms["first_join_year"].dropna().astype(int)
    pd.testing.assert_series_equal(first.sort_index().astype("int64"), joined.sort_index(),
                                   check_names=False)
    assert set(joined) == set(range(2017, 2024))


def test_deflators_have_the_canonical_layout(small_population, small_config):
    deflators = small_population.deflators
    assert tuple(deflators.columns) == DEFLATOR_COLUMNS
    base = deflators[deflators["year"] == small_config.base_year]
    assert (base[["va", "output", "intermediate", "investment"]] == 100).all().all()
    assert (deflators["base_year"] == small_config.base_year).all()
    assert set(small_population.accounts["nace"].str[:2]) <= set(deflators["nace2"])
    assert len(deflators) == deflators["nace2"].nunique() * len(small_config.years)
    assert (deflators[["va", "output", "intermediate", "investment"]] > 0).all().all()


def test_truth_rows_align_with_the_accounts(small_population, small_config):
    truth, accounts = small_population.truth.firm_years, small_population.accounts
    assert truth["enterprise_number"].equals(accounts["enterprise_number"])
    assert (truth["year"] == accounts["closing_date"].str[:4].astype(int)).all()
    treated = truth["treated"]
    assert (truth.loc[treated, "year"] >= truth.loc[treated, "first_join_year"]).all()
    assert (truth.loc[~treated, "effect"] == 0).all()
    np.testing.assert_allclose(truth.loc[treated, "effect"], small_config.true_effect)
    # Current membership implies the absorbing treatment.
    assert (truth["treated"] | ~truth["member"]).all()


@pytest.mark.parametrize("field, value", [
    ("n_firms", 10), ("member_share", 1.5), ("rho", 1.0), ("first_year", 2018),
    ("base_year", 2030), ("persistent_sd", -0.1),
])
def test_bad_configuration_is_rejected(field, value):
    with pytest.raises(SyntheticDataError, match=field.split("_")[0]):
        SimulationConfig(**{field: value})


def test_simulate_requires_a_config():
    with pytest.raises(SyntheticDataError, match="SimulationConfig"):
        simulate_population({"n_firms": 100})
