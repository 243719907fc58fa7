"""Small simulated inputs with a known truth for the report tests (fixed seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
def monitoring_inputs():
    """(membership, panel) of a small simulated economy, seed 7."""
    return simulate_monitoring()
