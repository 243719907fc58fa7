"""Sensitivity figure and table (reports.sensitivity) from a did.sensitivity result."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from did.sensitivity import relative_magnitudes, smoothness
from reports.disclosure import DisclosureRules
from reports.errors import ReportError
from reports.figures import figure_bytes
from reports.notes import StudyNotes
from reports.sensitivity import breakdown_value, build_sensitivity_table, sensitivity_figure
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "did" / "honestdid_mpdta.json"
NOTES = StudyNotes(sample="Simulated firms", estimator="Callaway-Sant'Anna event study")


@pytest.fixture(scope="module")
def inputs():
    inp = json.loads(FIXTURE.read_text())["honestdid_inputs"]
    return np.array(inp["betahat"]), np.array(inp["sigma"])


def test_table_from_results(inputs):
    res = smoothness(*inputs, 3, 4, [0, 0.01, 0.02], target="average")
    table = build_sensitivity_table(res.to_frame(), NOTES, parameter="M", target="the average post-joining year")
    assert list(table.frame.index) == ["Original (parallel trends)", "M = 0", "M = 0.01", "M = 0.02"]
    assert list(table.frame.columns) == ["Lower", "Upper", "Method"]
    assert table.frame.loc["M = 0", "Lower"] == f"{res.robust['lb'].iloc[0]:.3f}"
    assert table.frame.loc["Original (parallel trends)", "Upper"] == f"{res.original[1]:.3f}"
    assert "Breakdown value (smallest value whose set contains 0): 0.01." in table.footnote
    assert breakdown_value(res.to_frame()) == res.breakdown == 0.01
    assert table.n_suppressed == 0


def test_table_suppressed_below_min_firms(inputs):
    res = smoothness(*inputs, 3, 4, [0, 0.01])
    table = build_sensitivity_table(res.to_frame(), NOTES, parameter="M", n_firms=3,
                                    rules=DisclosureRules(min_firms=10))
    assert table.n_suppressed == 9
    assert "none in the grid" in table.footnote


def test_figure_draws_and_is_deterministic(inputs):
    res = relative_magnitudes(*inputs, 3, 4, [0, 0.5, 1], method="Conditional", grid_points=50)
    a = figure_bytes(sensitivity_figure(res.to_frame(), parameter="Mbar"), "svg")
    b = figure_bytes(sensitivity_figure(res.to_frame(), parameter="Mbar"), "svg")
    assert a == b and len(a) > 1000
    ax = sensitivity_figure(res.to_frame()).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Original", "0", "0.5", "1"]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"m": [0.0], "lb": [0.0], "ub": [1.0]}), "missing column"),
        (pd.DataFrame({"m": [0.0], "lb": [0.0], "ub": [1.0], "method": ["FLCI"]}), "exactly one row"),
        (pd.DataFrame({"m": [np.nan, 0.0, 0.0], "lb": 0.0, "ub": 1.0, "method": ["Original", "FLCI", "FLCI"]}),
         "distinct"),
    ],
)
def test_bad_frames(frame, message):
    with pytest.raises(ReportError, match=message):
        sensitivity_figure(frame)
    with pytest.raises(ReportError, match=message):
        build_sensitivity_table(frame, NOTES)
