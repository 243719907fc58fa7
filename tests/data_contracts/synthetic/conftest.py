"""Populations shared by the generator tests (simulated once per session)."""

from __future__ import annotations

import pytest

from data_contracts.synthetic import DEMO, SimulationConfig, simulate_population

#: A small population for structural checks (a fraction of a second to simulate).
SMALL = SimulationConfig(seed=7, n_firms=3_000)


@pytest.fixture(scope="session")
def small_config() -> SimulationConfig:
    return SMALL


@pytest.fixture(scope="session")
def small_population():
    return simulate_population(SMALL)


@pytest.fixture(scope="session")
def demo_population():
    return simulate_population(DEMO)
