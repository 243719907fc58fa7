"""Monitoring tables M1-M4 on a small simulated economy (conftest, seed 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports.disclosure import DisclosureRules, reason_code
from reports.errors import ReportError
from reports.monitoring_tables import (
    ALL_CLUSTERS,
    build_flows_table,
    build_membership_table,
    build_performance_table,
    build_weight_table,
    member_years,
)
from reports.notes import StudyNotes

NOTES = StudyNotes(sample="Simulated economy", estimator="TFP: simulated")


def _members_in(membership: pd.DataFrame, cluster: str | None, year: int) -> set[str]:
    """Reference: the member set by plain interval logic."""
    m = membership if cluster is None else membership[membership["cluster"] == cluster]
    start = m["join_date"].dt.year
    end = m["leave_date"].dt.year.fillna(9999)
    return set(m.loc[(start <= year) & (end >= year), "firm_id"])


def test_member_years_expands_spells():
    membership = pd.DataFrame(
        {
            "cluster": ["A", "A", "B"],
            "firm_id": ["f1", "f2", "f1"],
            "member_type": ["company"] * 3,
            "join_date": pd.to_datetime(["2015-05-01", "2013-01-01", "2016-01-01"]),
            "leave_date": pd.to_datetime([None, "2016-12-31", None]),
        }
    )
    rows = member_years(membership, range(2014, 2019))
    a = rows[rows["cluster"] == "A"].groupby("firm_id")["year"].apply(list).to_dict()
    assert a == {"f1": [2015, 2016, 2017, 2018], "f2": [2014, 2015, 2016]}
    every = rows[rows["cluster"] == ALL_CLUSTERS]
    assert every.groupby("year")["firm_id"].nunique().to_dict() == {2014: 1, 2015: 2, 2016: 2, 2017: 1, 2018: 1}
    with pytest.raises(ReportError, match="leave_date before join_date"):
        member_years(membership.assign(leave_date=pd.to_datetime("2010-01-01")), range(2014, 2019))


def test_membership_table_counts(monitoring_inputs):
    membership, panel = monitoring_inputs
    table = build_membership_table(membership, panel, NOTES)
    for cluster in ("VIL", "Catalisti", ALL_CLUSTERS):
        for year in (2016, 2019):
            members = _members_in(membership, None if cluster == ALL_CLUSTERS else cluster, year)
            matched = members & set(panel.loc[panel["year"] == year, "firm_id"])
            row = table.frame.loc[(cluster, str(year))]
            assert row["Members listed"] == f"{len(members):,}"
            if len(matched) >= 10:
                assert row["Matched to accounts"] == f"{len(matched):,}"
                sub = panel[(panel["year"] == year) & panel["firm_id"].isin(matched)]
                assert row["Foreign-owned share (%)"] == f"{100 * sub['foreign_owned'].mean():.1f}"
                assert row["SME share (%)"] == f"{100 * (sub['fte'] < 250).mean():.1f}"


def test_membership_table_suppresses_small_clusters_with_secondary(monitoring_inputs):
    membership, panel = monitoring_inputs
    table = build_membership_table(membership, panel, NOTES)
    reasons = table.disclosure.set_index(["row", "column"])["suppressed_reason"]
    small = [
        r for r in table.disclosure["row"].unique() if reason_code(reasons[(r, "Matched to accounts")]) == "min_firms"
    ]
    assert small  # the simulated economy has clusters with < 10 members early on
    for row in small:
        assert table.frame.loc[tuple(row.split(" | ")), "SME share (%)"] == "x"
        year = row.split(" | ")[1]
        hidden = [
            c
            for c in ("Catalisti", "Flux50", "VIL", ALL_CLUSTERS)
            if table.frame.loc[(c, year), "Matched to accounts"] == "x"
        ]
        assert len(hidden) >= 2  # never exactly one suppressed cell in the year's relation
    assert (table.frame["Members listed"] != "x").all()  # public lists


def test_flows_identities(monitoring_inputs):
    membership, _ = monitoring_inputs
    table = build_flows_table(membership, NOTES, years=range(2014, 2020))
    for cluster in ("Catalisti", "Flux50", "VIL", ALL_CLUSTERS):
        for year in range(2015, 2020):
            now = _members_in(membership, None if cluster == ALL_CLUSTERS else cluster, year)
            before = _members_in(membership, None if cluster == ALL_CLUSTERS else cluster, year - 1)
            row = table.frame.loc[(cluster, str(year))]
            assert row["Stayers"] == str(len(now & before))
            assert row["Entrants"] == str(len(now - before))
            assert row["Leavers"] == str(len(before - now))
            assert row["Net change"] == str(len(now) - len(before))
    assert (table.frame.loc[(slice(None), "2014"), :] == "").all().all()
    assert table.n_suppressed == 0


def test_flows_when_membership_is_confidential(monitoring_inputs):
    membership, _ = monitoring_inputs
    table = build_flows_table(membership, NOTES, years=range(2014, 2020), membership_is_public=False)
    frame = table.frame
    body = frame.drop(index=[(c, "2014") for c in frame.index.get_level_values(0).unique()])
    # entrants = leavers + net change: never exactly one of the three hidden
    hidden = (body[["Entrants", "Leavers", "Net change"]] == "x").sum(axis=1)
    assert (hidden != 1).all()
    assert (frame["Stayers"] == "x").any()


def test_weight_table_levels_and_shares(monitoring_inputs):
    membership, panel = monitoring_inputs
    table = build_weight_table(membership, panel, NOTES)
    year = 2018
    members = _members_in(membership, "VIL", year)
    sub = panel[(panel["year"] == year) & panel["firm_id"].isin(members)]
    region = panel[panel["year"] == year]
    row = table.frame.loc[("VIL", str(year))]
    assert row["Members' FTE"] == f"{sub['fte'].sum():,.0f}"
    assert row["Members' value added (EUR m)"] == f"{sub['value_added'].sum() / 1e6:,.1f}"
    assert row["FTE share of region (%)"] == f"{100 * sub['fte'].sum() / region['fte'].sum():.1f}"
    assert row["VA share of region (%)"] == f"{100 * sub['value_added'].sum() / region['value_added'].sum():.1f}"


def test_weight_table_dominance_and_secondary():
    # cluster A: 12 firms, one holds almost all FTE -> dominance; B and C fine.
    rng = np.random.default_rng(0)
    firms = [f"a{i}" for i in range(12)] + [f"b{i}" for i in range(15)] + [f"c{i}" for i in range(20)]
    membership = pd.DataFrame(
        {
            "cluster": ["A"] * 12 + ["B"] * 15 + ["C"] * 20,
            "firm_id": firms,
            "member_type": "company",
            "join_date": pd.Timestamp("2015-01-01"),
            "leave_date": pd.NaT,
        }
    )
    fte = np.r_[[5000.0], np.full(11, 10.0), rng.uniform(20, 40, 35)]
    panel = pd.DataFrame({"firm_id": firms, "year": 2016, "fte": fte, "value_added": fte * 50_000.0})
    table = build_weight_table(membership, panel, NOTES, years=[2016])
    reasons = table.disclosure.set_index(["row", "column"])["suppressed_reason"]
    assert reason_code(reasons[("A | 2016", "Members' FTE")]) == "dominance"
    assert table.frame.loc[("A", "2016"), "FTE share of region (%)"] == "x"
    # A hidden, so another cluster is suppressed to protect it against the total. B is
    # the smallest, but its FTE is below 10% of A's: All clusters minus C would then
    # pin A within the p% rule's interval. C, large enough, is chosen.
    sizes = panel.groupby(membership.set_index("firm_id")["cluster"].reindex(panel["firm_id"]).to_numpy())["fte"].sum()
    assert sizes["B"] < 0.1 * sizes["A"] <= sizes["C"]
    assert reasons[("C | 2016", "Members' FTE")] == "secondary: protects A / 2016 / fte"
    assert table.frame.loc[("B", "2016"), "Members' FTE"] != "x"


def test_performance_table(monitoring_inputs):
    membership, panel = monitoring_inputs
    table = build_performance_table(membership, panel, NOTES)
    year = 2017
    members = _members_in(membership, "VIL", year)
    p = panel[panel["year"] == year]
    sub = p[p["firm_id"].isin(members)]
    row = table.frame.loc[("VIL", str(year))]
    assert row["VA per FTE: members"] == f"{sub['value_added'].sum() / sub['fte'].sum() / 1e3:.1f}"
    assert row["TFP: members"] == f"{sub['tfp'].mean():.3f}"
    assert row["TFP: all firms"] == f"{p['tfp'].mean():.3f}"
    w = sub.groupby("nace2")["firm_id"].nunique() / len(sub)
    same = sum(w[k] * p.loc[p["nace2"] == k, "tfp"].mean() for k in w.index)
    assert row["TFP: same industry"] == f"{same:.3f}"
    prev = panel[(panel["year"] == year - 1) & panel["firm_id"].isin(_members_in(membership, "VIL", year - 1))]
    growth = 100 * (sub["tfp"].mean() - prev["tfp"].mean())
    assert row["TFP growth: members (x100)"] == f"{growth:.1f}"
    # simulated members are 0.1 log points more productive
    assert float(row["TFP: members"]) > float(row["TFP: all firms"])


def test_monitoring_bad_input(monitoring_inputs):
    membership, panel = monitoring_inputs
    with pytest.raises(ReportError, match="missing column"):
        build_membership_table(membership.drop(columns="join_date"), panel, NOTES)
    with pytest.raises(ReportError, match="missing column"):
        build_weight_table(membership, panel.drop(columns="fte"), NOTES)


def test_stricter_rules_suppress_more(monitoring_inputs):
    membership, panel = monitoring_inputs
    loose = build_performance_table(membership, panel, NOTES, DisclosureRules(min_firms=3))
    strict = build_performance_table(membership, panel, NOTES, DisclosureRules(min_firms=40))
    assert strict.n_suppressed > loose.n_suppressed


def test_pipeline_column_names_are_accepted(monitoring_inputs):
    membership, panel = monitoring_inputs
    renamed_m = membership.rename(columns={"firm_id": "enterprise_number"})
    renamed_p = panel.rename(columns={"firm_id": "enterprise_number", "value_added": "va_nominal", "tfp": "log_tfp"})
    kwargs = {"firm": "enterprise_number", "value_added": "va_nominal", "tfp": "log_tfp"}
    a = build_performance_table(membership, panel, NOTES)
    b = build_performance_table(renamed_m, renamed_p, NOTES, **kwargs)
    assert a.frame.equals(b.frame)
    c = build_weight_table(renamed_m, renamed_p, NOTES, firm="enterprise_number", value_added="va_nominal")
    assert c.frame.equals(build_weight_table(membership, panel, NOTES).frame)
    d = build_membership_table(renamed_m, renamed_p, NOTES, firm="enterprise_number")
    assert d.frame.equals(build_membership_table(membership, panel, NOTES).frame)
    e = build_flows_table(renamed_m, NOTES, firm="enterprise_number")
    assert e.frame.equals(build_flows_table(membership, NOTES).frame)


def test_pooled_industry_statistics_equal_the_replicated_panel(monitoring_inputs):
    from reports.disclosure import cell_statistics
    from reports.monitoring_tables import _pooled_industry_statistics

    membership, panel = monitoring_inputs
    rows = member_years(membership, range(2014, 2020))
    mem = rows.merge(panel, on=["firm_id", "year"])
    industries = mem[["cluster", "year", "nace2"]].drop_duplicates()
    idx = pd.MultiIndex.from_frame(mem[["cluster", "year"]].drop_duplicates().sort_values(["cluster", "year"]))
    fast = _pooled_industry_statistics(panel, industries, idx)
    naive = cell_statistics(
        industries.merge(panel, on=["year", "nace2"]), ["cluster", "year"], "firm_id", "value_added"
    ).reindex(idx)
    for col in ("n_firms", "total", "top1", "top2_share", "remainder"):
        np.testing.assert_allclose(fast[col].to_numpy(float), naive[col].to_numpy(float), rtol=1e-12)


def test_performance_table_checks_fte_dominance_too():
    # VA spread evenly but one firm holds almost all FTE: VA per FTE and M3's VA total
    # would reveal the dominated FTE total, so the members' cells are suppressed.
    firms = [f"a{i}" for i in range(12)]
    membership = pd.DataFrame(
        {
            "cluster": "A",
            "firm_id": firms,
            "member_type": "company",
            "join_date": pd.Timestamp("2015-01-01"),
            "leave_date": pd.NaT,
        }
    )
    fte = np.r_[[5000.0], np.full(11, 10.0)]
    panel = pd.DataFrame(
        {"firm_id": firms, "year": 2016, "nace2": "10", "fte": fte, "value_added": np.full(12, 1e6), "tfp": 0.0}
    )
    table = build_performance_table(membership, panel, NOTES, years=[2016])
    reasons = table.disclosure.set_index(["row", "column"])["suppressed_reason"]
    assert reason_code(reasons[("A | 2016", "VA per FTE: members")]) == "dominance"
    assert table.frame.loc[("A", "2016"), "TFP: members"] == "x"
