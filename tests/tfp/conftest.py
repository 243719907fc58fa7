"""Shared fixtures: the Chilean panel shipped with R's prodest and the reference results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "prodest"


@pytest.fixture(scope="session")
def chilean() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "chilean.csv")


@pytest.fixture(scope="session")
def reference() -> dict:
    return json.loads((FIXTURES / "prodest_chilean.json").read_text())["results"]


@pytest.fixture(scope="session")
def spec() -> dict:
    """The R calls' variables: Y on fX = (fX1, fX2) and sX (proxy pX, or inv for OP)."""
    return dict(id="idvar", time="timevar", output="Y", free=["fX1", "fX2"], state=["sX"])
