"""Small simulated inputs with a known truth for the report tests (fixed seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_contracts.synthetic import SimulationConfig, simulate_population

CLUSTERS = ("Catalisti", "Flux50", "VIL")


def simulate_monitoring(seed: int = 7, n_firms: int = 400, first: int = 2014, last: int = 2019):
    """A firm-year panel and membership spells; members are bigger and more productive."""
    rng = np.random.default_rng(seed)
    firm_ids = np.array([f"F{i:04d}" for i in range(n_firms)])
    is_member = rng.random(n_firms) < 0.3
    size = rng.lognormal(2.5, 1.0, n_firms) * np.where(is_member, 2.0, 1.0)
    years = np.arange(first, last + 1)
    panel = pd.DataFrame(
        {
            "firm_id": np.repeat(firm_ids, len(years)),
            "year": np.tile(years, n_firms),
        }
    )
    fte = np.repeat(size, len(years)) * rng.lognormal(0, 0.05, len(panel))
    panel["fte"] = np.maximum(fte, 1.0)
    panel["tfp"] = np.repeat(np.where(is_member, 0.1, 0.0) + rng.normal(0, 0.3, n_firms), len(years)) + rng.normal(
        0, 0.05, len(panel)
    )
    panel["value_added"] = panel["fte"] * 60_000 * np.exp(panel["tfp"])
    panel["nace2"] = np.repeat(rng.choice(["10", "20", "28", "62"], n_firms), len(years))
    panel["foreign_owned"] = np.repeat((rng.random(n_firms) < 0.2).astype(int), len(years))
    members = firm_ids[is_member]
    cluster = rng.choice(CLUSTERS, len(members))
    join = rng.integers(first - 1, last + 1, len(members))
    leave = np.where(rng.random(len(members)) < 0.2, join + rng.integers(1, 4, len(members)), -1)
    membership = pd.DataFrame(
        {
            "cluster": cluster,
            "firm_id": members,
            "member_type": "company",
            "join_date": pd.to_datetime([f"{y}-03-01" for y in join]),
            "leave_date": pd.to_datetime([f"{y}-12-31" if y > 0 else None for y in leave]),
        }
    )
    # a second cluster for a few firms: multi-cluster membership
    extra = membership.iloc[:10].assign(cluster="VIL")
    membership = pd.concat([membership, extra], ignore_index=True).drop_duplicates(["cluster", "firm_id"])
    return membership, panel



@pytest.fixture(scope="session")
def monitoring_simulator():
    """:func:`simulate_monitoring` itself, for tests that vary the seed."""
    return simulate_monitoring


@pytest.fixture(scope="session")
def monitoring_inputs():
    """(membership, panel) of a small simulated economy, seed 7."""
    return simulate_monitoring()


# Issue 12, item 1: a simulated economy crafted for the differencing attack. The demo
# generator (data_contracts.synthetic) writes the membership list the way the real
# lists come: one row per (cluster, member) with enterprise_number, member_type, ISO
# join_date and leave_date. Here every firm is in one cluster only (so "All clusters"
# is exactly the sum of the clusters), SIM ends in 2023 (0 members in 2024, as on the
# real lists) and MEDVIA keeps exactly one company with accounts in 2024: All clusters
# minus the published clusters is that firm, unless the suppression protects it.
ATTACK_YEAR = 2024


def crafted_economy(seed: int = 20240601) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(membership, panel, the lone MEDVIA firm's id) in the monitoring tables' layout."""
    pop = simulate_population(
        SimulationConfig(seed=seed, n_firms=6000, member_share=0.15, multi_cluster_share=0.0)
    )
    acc = pop.accounts
    panel = pd.DataFrame(
        {
            "firm_id": acc["enterprise_number"].astype(str),
            "year": pd.to_datetime(acc["closing_date"]).dt.year,
            "nace2": acc["nace"].astype(str).str[:2],
            "fte": pd.to_numeric(acc["9087"], errors="coerce"),
            "value_added": pd.to_numeric(acc["9900"], errors="coerce").astype(float),
            "foreign_owned": pd.to_numeric(acc["foreign_owned"], errors="coerce").fillna(0).astype(int),
        }
    )
    panel = panel.loc[(panel["fte"] >= 1) & (panel["value_added"] > 0)]
    panel = panel.drop_duplicates(["firm_id", "year"], keep="last").reset_index(drop=True)
    panel["tfp"] = np.log(panel["value_added"] / panel["fte"])
    membership = pop.membership.rename(columns={"enterprise_number": "firm_id"}).copy()
    membership["join_date"] = pd.to_datetime(membership["join_date"])
    membership["leave_date"] = pd.to_datetime(membership["leave_date"])
    # one cluster per firm: drop any second membership
    membership = membership.drop_duplicates("firm_id", keep="first").reset_index(drop=True)
    in_year = set(panel.loc[panel["year"] == ATTACK_YEAR, "firm_id"])
    medvia = membership["cluster"] == "MEDVIA"
    companies = membership.loc[medvia & (membership["member_type"] == "company")]
    candidates = companies.loc[
        companies["firm_id"].isin(in_year)
        & (companies["join_date"].dt.year < ATTACK_YEAR)
        & companies["leave_date"].isna()
    ]
    lone = str(candidates["firm_id"].sort_values().iloc[0])
    others = medvia & (membership["member_type"] == "company") & (membership["firm_id"] != lone)
    membership.loc[others, "leave_date"] = pd.Timestamp(f"{ATTACK_YEAR - 2}-12-31")
    membership.loc[others, "join_date"] = membership.loc[others, "join_date"].clip(upper=pd.Timestamp(f"{ATTACK_YEAR - 2}-06-30"))
    sim = membership["cluster"] == "SIM"
    membership.loc[sim, "leave_date"] = membership.loc[sim, "leave_date"].fillna(pd.Timestamp(f"{ATTACK_YEAR - 1}-12-31"))
    membership.loc[sim, "leave_date"] = membership.loc[sim, "leave_date"].clip(upper=pd.Timestamp(f"{ATTACK_YEAR - 1}-12-31"))
    return membership, panel, lone


@pytest.fixture(scope="session")
def attack_inputs():
    """(membership, panel, lone MEDVIA firm id) of the crafted economy, seed 20240601."""
    return crafted_economy()
