"""The deflated firm-year panel: value-added routes, deflation, sample rules that reconcile."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import data_contracts as dc
from data_contracts import layouts

from contracts_testkit import valid_number


def filing(number: str, year: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "enterprise_number": number, "closing_date": pd.Timestamp(f"{year}-12-31"), "year": year,
        "months": 12, "annualised": False, "model": "full", "nace": "62.010", "region": "VLG",
        "foreign_owned": False, **{code: np.nan for code in layouts.RUBRIC_CODES},
    }
    row.update({"22/27": 100_000.0, "630": 10_000.0, "1003": 10.0})
    row.update(values)
    return row


def accounts_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["foreign_owned"] = pd.array(frame["foreign_owned"].tolist(), dtype="boolean")
    for code in layouts.RUBRIC_CODES:
        frame[code] = frame[code].astype(np.float64)
    frame["year"] = frame["year"].astype(np.int64)
    frame["months"] = frame["months"].astype(np.int64)
    frame["annualised"] = frame["annualised"].astype(bool)
    frame.index = pd.Index(np.arange(1, len(frame) + 1), name="row")
    return dc.ACCOUNTS_SCHEMA.validate(frame)


def deflators_frame(divisions: tuple[str, ...] = ("62", "10-12", "25", "84", "97", "99", "64", "70"),
                    years: tuple[int, ...] = (2019, 2020, 2021)) -> pd.DataFrame:
    rows = []
    for code in divisions:
        for k, year in enumerate(years):
            rows.append({"nace2": code, "year": year, "va": 100.0 * 1.1**k, "output": 100.0,
                         "intermediate": 100.0 * 1.02**k, "investment": 100.0 * 1.05**k,
                         "base_year": 2019, "source": "test"})
    frame = pd.DataFrame(rows)
    return dc.DEFLATORS_SCHEMA.validate(frame)


A, B, C, D = (valid_number(b) for b in (4_031_707, 2_022_399, 4_174_971, 1_234_567))


def test_value_added_routes_and_deflation_by_hand() -> None:
    rows = [
        filing(A, 2019, **{"70": 1000.0, "71": 10.0, "72": 5.0, "74": 100.0, "740": 40.0, "60": 300.0, "61": 200.0,
                           "62": 400.0, "22/27": 1000.0, "630": 50.0, "1003": 5.0, "9087": 7.0}),
        filing(A, 2020, **{"70": 1100.0, "60": 300.0, "61": 200.0, "22/27": 1100.0, "630": 60.0, "9087": 4.0,
                           "1003": np.nan}),
        filing(B, 2021, model="abbreviated", **{"9900": 800.0, "76A": 30.0, "740": 20.0, "62": 500.0,
                                                "22/27": 2000.0, "1003": 3.0}),
        # A full filer without turnover falls back to the gross-margin route.
        filing(C, 2021, **{"9900": 500.0, "22/27": 900.0}),
    ]
    result = dc.build_firm_year_panel(accounts_frame(rows), deflators_frame(), sample=dc.SampleRules(trim_share=0))
    p = result.panel.set_index(["enterprise_number", "year"])
    assert p.loc[(A, 2019), "va_route"] == "full"
    assert p.loc[(A, 2019), "va_nominal"] == 1000 + 10 + 5 + 100 - 40 - 300 - 200
    assert p.loc[(A, 2020), "va"] == pytest.approx((1100 - 300 - 200) / 1.1)
    assert p.loc[(B, 2021), "va_route"] == "gross_margin"
    assert p.loc[(B, 2021), "va"] == pytest.approx((800 - 30 - 20) / 1.21)
    assert p.loc[(C, 2021), "va_route"] == "gross_margin" and p.loc[(C, 2021), "va_nominal"] == 500
    # FTE: 1003, else 9087.
    assert p.loc[(A, 2019), "fte"] == 5.0 and p.loc[(A, 2020), "fte"] == 4.0
    # Capital and investment deflated by the investment index; materials by the intermediate index.
    assert p.loc[(A, 2020), "capital"] == pytest.approx(1100 / 1.05)
    assert p.loc[(A, 2020), "investment"] == pytest.approx((1100 - 1000 + 60) / 1.05)
    assert np.isnan(p.loc[(A, 2019), "investment"])  # no previous filing
    assert p.loc[(A, 2019), "materials"] == pytest.approx(500.0)
    assert p.loc[(A, 2020), "materials"] == pytest.approx(500 / 1.02)
    assert np.isnan(p.loc[(B, 2021), "materials"]) and np.isnan(p.loc[(B, 2021), "log_materials"])
    assert p.loc[(A, 2019), "wage_bill"] == 400.0
    assert p.loc[(A, 2020), "log_va"] == pytest.approx(np.log(600 / 1.1))
    assert p.loc[(A, 2020), "age"] == 1 and p.loc[(A, 2019), "age"] == 0
    dc.PANEL_SCHEMA.validate(result.panel)
    assert result.excluded.empty


def test_investment_needs_the_previous_calendar_year() -> None:
    rows = [filing(A, 2019, **{"70": 900.0}), filing(A, 2021, **{"70": 900.0, "22/27": 150_000.0})]
    panel = dc.build_firm_year_panel(accounts_frame(rows), deflators_frame(),
                                     sample=dc.SampleRules(trim_share=0)).panel
    assert panel["investment"].isna().all()
    assert panel["age"].tolist() == [0, 2]


def test_each_sample_rule_has_its_reason_and_counts_reconcile() -> None:
    ok = {"70": 1000.0, "60": 100.0}
    rows = [
        filing(A, 2019, **ok),
        filing(A, 2020, region="BRU", **ok),
        filing(B, 2019, nace="64.190", **ok),
        filing(B, 2020, nace="70.100", **ok),
        filing(C, 2019, nace="84.110", **ok),
        filing(C, 2020, nace="97.000", **ok),
        filing(C, 2021, nace="99.000", **ok),
        filing(D, 2019, months=6, **ok),
        filing(D, 2020, model="abbreviated", **{"60": 5.0}),            # no 70, no 9900
        filing(D, 2021, nace="25.620", **ok),                            # matched through the A64 table? no: 25 exists
        filing(valid_number(111), 2019, nace="45.110", **ok),           # division without deflator
        filing(valid_number(222), 2019, **{"70": 1000.0, "1003": 0.5}),
        filing(valid_number(333), 2019, **{"70": 100.0, "60": 200.0}),   # negative value added
        filing(valid_number(444), 2019, **{"70": 1000.0, "22/27": 0.0}),
        filing(valid_number(555), 2019, nace="10.710", **ok),           # deflated through range 10-12
    ]
    result = dc.build_firm_year_panel(accounts_frame(rows), deflators_frame(),
                                      sample=dc.SampleRules(trim_share=0, missing_deflators="exclude"))
    reasons = result.excluded.set_index(["enterprise_number", "year"])["reason"]
    assert reasons.loc[(A, 2020)] == "region_not_kept"
    assert reasons.loc[(B, 2019)] == "excluded_industry" and reasons.loc[(B, 2020)] == "excluded_industry"
    assert {reasons.loc[(C, y)] for y in (2019, 2020, 2021)} == {"excluded_industry"}
    assert reasons.loc[(D, 2019)] == "non_annual_period"
    assert reasons.loc[(D, 2020)] == "value_added_not_derivable"
    assert reasons.loc[(valid_number(111), 2019)] == "no_deflator"
    assert reasons.loc[(valid_number(222), 2019)] == "fte_below_minimum"
    assert reasons.loc[(valid_number(333), 2019)] == "non_positive_value_added"
    assert reasons.loc[(valid_number(444), 2019)] == "non_positive_capital"
    kept = set(zip(result.panel["enterprise_number"], result.panel["year"]))
    assert kept == {(A, 2019), (D, 2021), (valid_number(555), 2019)}
    assert len(result.panel) + len(result.excluded) == len(rows)
    counts = result.exclusion_counts()
    assert counts["firm_years"].sum() == len(rows)
    assert counts.iloc[-1].tolist() == ["kept (panel)", 3]
    assert "firm-years in accounts: 15" in result.summary()


def test_annualised_short_periods_are_kept() -> None:
    rows = [filing(A, 2019, months=6, annualised=True, **{"70": 2000.0})]
    panel = dc.build_firm_year_panel(accounts_frame(rows), deflators_frame(),
                                     sample=dc.SampleRules(trim_share=0)).panel
    assert len(panel) == 1 and panel["months"].iloc[0] == 6


def _cell(n: int, seed: int, nace: str = "62.010", year: int = 2020) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    return [filing(valid_number(1_000_000 + seed * 10_000 + i), year, nace=nace,
                   **{"70": float(rng.uniform(1e5, 1e7)), "22/27": float(rng.uniform(1e4, 1e6)),
                      "1003": float(rng.uniform(1, 50))}) for i in range(n)]


def test_trimming_drops_one_percent_of_each_tail_within_industry_year() -> None:
    rows = _cell(250, seed=1) + _cell(60, seed=2, year=2021)
    frame = accounts_frame(rows)
    result = dc.build_firm_year_panel(frame, deflators_frame())
    excluded = result.excluded
    big = excluded[excluded["year"] == 2020]
    # floor(250 * 0.01) = 2 per tail per variable; the two sets may overlap.
    lp = np.log(frame["70"] / frame["1003"])
    lk = np.log(frame["22/27"] / frame["1003"])
    in_2020 = (frame["year"] == 2020).to_numpy()
    ranks_p = lp[in_2020].rank(method="first")
    ranks_k = lk[in_2020].rank(method="first")
    tails = ((ranks_p <= 2) | (ranks_p > 248) | (ranks_k <= 2) | (ranks_k > 248))
    expected = set(frame.loc[in_2020, "enterprise_number"][tails.to_numpy()])
    assert set(big["enterprise_number"]) == expected
    assert 4 <= len(big) <= 8
    assert set(big["reason"]) <= {"trim_log_va_per_fte", "trim_log_capital_per_fte"}
    assert excluded[excluded["year"] == 2021].empty  # 60 < 100 observations: nothing trimmed
    assert len(result.panel) + len(excluded) == len(rows)


def test_rules_are_configurable_and_checked() -> None:
    rows = [filing(A, 2019, **{"70": 1000.0}), filing(B, 2019, region="WAL", **{"70": 1000.0})]
    rules = dc.SampleRules(regions=("VLG", "WAL"), trim_share=0, first_year=2019, last_year=2019)
    assert len(dc.build_firm_year_panel(accounts_frame(rows), deflators_frame(), sample=rules).panel) == 2
    with pytest.raises(dc.DataContractError, match="trim_share"):
        dc.SampleRules(trim_share=0.7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.min_fte = 0  # type: ignore[misc]


def test_duplicated_firm_year_input_is_refused() -> None:
    frame = accounts_frame([filing(A, 2019, **{"70": 1.0})])
    twice = pd.concat([frame, frame])
    with pytest.raises(dc.DataContractError, match="accounts violate their contract"):
        dc.build_firm_year_panel(twice, deflators_frame())


def test_panel_from_the_synthetic_population_recovers_the_true_real_amounts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from data_contracts import synthetic

    config = dataclasses.replace(synthetic.DEMO, n_firms=1500, seed=11)
    population = synthetic.simulate_population(config)
    population.accounts.to_csv(tmp_path / "accounts.csv", index=False)
    population.deflators.to_csv(tmp_path / "deflators.csv", index=False)
    accounts = dc.read_accounts(tmp_path / "accounts.csv")
    deflators = dc.read_deflators(tmp_path / "deflators.csv")
    assert accounts.report.rows_rejected == 0 and deflators.report.rows_rejected == 0
    result = dc.build_firm_year_panel(accounts.accepted, deflators.accepted)
    truth = population.truth.firm_years.set_index(["enterprise_number", "year"])
    panel = result.panel.set_index(["enterprise_number", "year"])
    t = truth.loc[panel.index]
    # Amounts are whole euro: value added sums up to seven rounded rubrics.
    assert np.abs(panel["va"] - t["va_real"]).max() < 5.0
    assert np.abs(panel["capital"] - t["capital_real"]).max() < 1.0
    np.testing.assert_allclose(panel["fte"], t["fte"], rtol=0, atol=1e-9)
    has = panel["materials"].notna()
    assert has.any()
    assert np.abs(panel.loc[has, "materials"] - t.loc[has, "materials_real"]).max() < 2.0
    assert len(result.panel) + len(result.excluded) == len(accounts.accepted)
    assert (result.panel["region"] == "VLG").all()


def test_missing_deflators_stop_the_build_with_the_pairs_named() -> None:
    # Issue 12, item 9: a deflator file without 2021 and without division 25 was
    # accepted, and the firm-years silently fell out of the panel.
    ok = {"70": 1000.0, "60": 100.0}
    rows = [filing(A, y, **ok) for y in (2019, 2020, 2021)] + [
        filing(B, 2019, nace="25.620", **ok),
        filing(C, 2021, region="BRU", nace="25.620", **ok),   # left out by the region rule anyway
    ]
    deflators = deflators_frame(divisions=("62",), years=(2019, 2020))
    with pytest.raises(dc.DataContractError) as info:
        dc.build_firm_year_panel(accounts_frame(rows), deflators)
    message = str(info.value)
    assert message == ("deflators: 2 industry-year(s) needed by 2 firm-years have no price index: "
                       "25 2019 (value added and investment), 62 2021 (value added and investment); add them to the "
                       "deflator file or exclude those firm-years (missing_deflators='exclude')")
    result = dc.build_firm_year_panel(accounts_frame(rows), deflators,
                                      sample=dc.SampleRules(missing_deflators="exclude"))
    reasons = result.excluded.set_index(["enterprise_number", "year"])["reason"]
    assert reasons.loc[(A, 2021)] == "no_deflator" and reasons.loc[(B, 2019)] == "no_deflator"
    assert reasons.loc[(C, 2021)] == "region_not_kept"


def test_a_missing_investment_index_alone_is_named() -> None:
    deflators = deflators_frame(divisions=("62",), years=(2019,)).assign(investment=np.nan)
    with pytest.raises(dc.DataContractError, match=r"62 2019 \(investment\)"):
        dc.build_firm_year_panel(accounts_frame([filing(A, 2019, **{"70": 1000.0})]), deflators)


def test_missing_deflators_option_is_checked() -> None:
    with pytest.raises(dc.DataContractError, match="missing_deflators"):
        dc.SampleRules(missing_deflators="ignore")
