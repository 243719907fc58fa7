"""Runs in these tests keep their scratch, logs and quarantine in a temporary instance folder."""

from __future__ import annotations

import pytest

from study.publishing import INSTANCE_ENV


@pytest.fixture(autouse=True)
def private_instance(tmp_path, monkeypatch):
    """``$CLUSTER_IMPACT_INSTANCE`` for the test: never the project's own ``.dagster_home/``."""
    path = tmp_path / "instance"
    monkeypatch.setenv(INSTANCE_ENV, str(path))
    return path
