"""Figures F1-F6: they draw, respect disclosure, and save byte-identically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports.errors import ReportError
from reports.figures import (
    employment_index_figure,
    event_study_figure,
    figure_bytes,
    love_plot_figure,
    matched_paths_figure,
    overlap_figure,
    save_figure,
    tfp_index_figure,
)

YEARS = np.arange(2012, 2021)


def _levels(n_members: int = 50) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": np.r_[YEARS, YEARS],
            "group": ["Members"] * 9 + ["All firms"] * 9,
            "tfp": np.r_[0.1 + 0.01 * (YEARS - 2012), 0.005 * (YEARS - 2012)],
            "n_firms": np.r_[np.full(9, n_members), np.full(9, 5000)],
        }
    )


def _builders():
    rng = np.random.default_rng(1)
    events = pd.DataFrame(
        {"event_time": [-4, -3, -2, 0, 1, 2], "estimate": [0.0, 0.01, -0.005, 0.02, 0.025, 0.03], "se": 0.01}
    )
    paths = pd.DataFrame(
        {
            "event_time": np.r_[np.arange(-3, 4), np.arange(-3, 4)],
            "group": ["Members"] * 7 + ["Matched controls"] * 7,
            "tfp": np.r_[np.zeros(3), np.full(4, 0.03), np.zeros(7)],
        }
    )
    totals = pd.DataFrame(
        {
            "year": np.r_[YEARS, YEARS],
            "group": ["Members"] * 9 + ["Economy"] * 9,
            "fte": np.r_[100 * 1.03 ** (YEARS - 2012), 1000 * 1.01 ** (YEARS - 2012)],
            "value_added": np.r_[10 * 1.05 ** (YEARS - 2012), 100 * 1.02 ** (YEARS - 2012)],
        }
    )
    scores = pd.DataFrame(
        {"pscore": np.r_[rng.beta(3, 2, 300), rng.beta(2, 3, 900)], "treated": np.r_[np.ones(300), np.zeros(900)]}
    )
    balance = pd.DataFrame(
        {
            "variable": ["log_tfp", "log_fte", "age"] * 2,
            "sample": ["before"] * 3 + ["after"] * 3,
            "std_diff": [0.4, 0.6, -0.2, 0.02, -0.05, 0.01],
        }
    )
    return {
        "F1": lambda: tfp_index_figure(_levels(), base_year=2014),
        "F2": lambda: event_study_figure(events),
        "F3": lambda: matched_paths_figure(paths),
        "F4": lambda: employment_index_figure(totals, base_year=2014),
        "F5": lambda: overlap_figure(scores),
        "F6": lambda: love_plot_figure(balance),
    }


@pytest.mark.parametrize("name", ["F1", "F2", "F3", "F4", "F5", "F6"])
def test_two_renders_are_byte_identical(tmp_path, name):
    build = _builders()[name]
    first = save_figure(build(), tmp_path / "a" / name)
    second = save_figure(build(), tmp_path / "b" / name)
    assert [p.suffix for p in first] == [".png", ".svg"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()
    png, svg = (p.read_bytes() for p in first)
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg


def test_tfp_index_is_relative_to_the_reference_group_base_year():
    fig = tfp_index_figure(_levels(), base_year=2014)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")}
    members = lines["Members"].get_ydata()
    everyone = lines["All firms"].get_ydata()
    assert everyone[2] == pytest.approx(100.0)
    # members' pre-joining advantage: 0.12 log points above all firms in 2014
    assert members[2] == pytest.approx(100 * np.exp(0.12 - 0.01))


def test_points_on_few_firms_are_not_drawn():
    fig = tfp_index_figure(_levels(n_members=9), base_year=2014)
    members = [line for line in fig.axes[0].get_lines() if line.get_label() == "Members"][0]
    assert np.isnan(members.get_ydata()).all()


def test_overlap_figure_merges_thin_bins():
    # 3 members score 0.97: a bin of its own would show them; a hidden bin would come
    # back as the total minus the others. It is merged with its neighbours instead.
    scores = pd.DataFrame(
        {"pscore": np.r_[np.full(30, 0.52), [0.97] * 3, np.full(50, 0.31)], "treated": np.r_[np.ones(33), np.zeros(50)]}
    )
    fig = overlap_figure(scores, bins=10)
    bars = [(p.get_x(), p.get_width(), p.get_height()) for p in fig.axes[0].patches]
    assert not any(np.isnan(h) for _, _, h in bars)
    members = [(x, w, h) for x, w, h in bars if h > 0]
    assert len(members) == 1  # 0.52 and 0.97 share one bar: [0.5, 1.0)
    x, w, h = members[0]
    assert (x, x + w) == pytest.approx((0.5, 1.0)) and h * w * 33 == pytest.approx(33)
    # every drawn bar of either group holds at least min_firms firms (area x group size)
    for x, w, h in bars:
        n = abs(h) * w * (33 if h > 0 else 50)
        assert n == pytest.approx(0) or n >= 10 - 1e-9
    # the bars of each group add up to all of its firms: nothing is left out
    assert sum(h * w for _, w, h in bars if h > 0) == pytest.approx(1.0)
    assert sum(-h * w for _, w, h in bars if h < 0) == pytest.approx(1.0)


def test_merged_bins_hold_enough_distinct_firms():
    from reports.figures import _merged_bins

    rng = np.random.default_rng(11)
    for _ in range(20):
        values = rng.normal(0, 1, rng.integers(15, 200))
        firms = rng.integers(0, max(len(values) // 3, 1), len(values))  # several values per firm
        edges = np.linspace(-2, 2, 21)
        left, width, counts = _merged_bins(values, edges, 10, firms)
        if len(np.unique(firms)) < 10:
            assert len(counts) == 0  # too few firms for any bar
            continue
        assert counts.sum() == len(values)  # tails clipped into the end bins, nothing hidden
        cell_left = np.clip(values, -2, 2 - 1e-9)
        for x, w, c in zip(left, width, counts):
            inside = (cell_left >= x - 1e-12) & (cell_left < x + w - 1e-12)
            assert c == inside.sum()
            assert c == 0 or len(np.unique(firms[inside])) >= 10
        assert set(np.round(left, 9)) <= set(np.round(edges, 9))  # edges are grid points


def test_middle_quantile_is_not_one_value():
    from reports.figures import middle_quantile

    values = np.arange(1.0, 101.0)
    assert middle_quantile(values, 0.5, 10) == pytest.approx(np.mean(values[45:55]))
    assert middle_quantile(values, 0.0, 10) == pytest.approx(5.5)  # never the minimum itself
    assert middle_quantile(values, 1.0, 10) == pytest.approx(95.5)


def test_figure_errors():
    with pytest.raises(ReportError, match="missing column"):
        tfp_index_figure(pd.DataFrame({"year": [2014]}), base_year=2014)
    with pytest.raises(ReportError, match="base year"):
        tfp_index_figure(_levels(), base_year=1999)
    with pytest.raises(ReportError, match=r"\[0, 1\]"):
        overlap_figure(pd.DataFrame({"pscore": [1.2], "treated": [1]}))
    with pytest.raises(ReportError, match="png or svg"):
        figure_bytes(_builders()["F6"](), "pdf")
