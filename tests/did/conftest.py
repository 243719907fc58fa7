"""Shared fixtures for the did tests."""

from __future__ import annotations

import pandas as pd
import pytest
from did_testdata import FIXTURES


@pytest.fixture(scope="session")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "mpdta.csv")
