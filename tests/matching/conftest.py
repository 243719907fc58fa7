import json
from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "matchit"
LALONDE_COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def load_case():
    def _load(name: str) -> dict:
        return json.loads((FIXTURES / f"matchit_lalonde_{name}.json").read_text())

    return _load


@pytest.fixture(scope="session")
def covariates() -> list[str]:
    return list(LALONDE_COVARIATES)


@pytest.fixture(scope="session")
def lalonde() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "lalonde.csv").set_index("id")
