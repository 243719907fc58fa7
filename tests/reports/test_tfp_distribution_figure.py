"""The TFP distribution figure shows only bins with enough firm-years."""

import numpy as np
import pandas as pd
import pytest

from reports.disclosure import DisclosureRules
from reports.errors import ReportError
from reports.figures import figure_bytes, tfp_distribution_figure


def test_renders_deterministically_and_merges_thin_bins():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"log_tfp": rng.normal(0, 0.3, 5000), "industry": rng.choice(["10", "20"], 5000),
                          "year": rng.choice([2019, 2020], 5000)})
    first = figure_bytes(tfp_distribution_figure(frame), "png")
    second = figure_bytes(tfp_distribution_figure(frame), "png")
    assert first == second and first.startswith(b"\x89PNG")
    small = frame.sample(400, random_state=1)
    fig = tfp_distribution_figure(small, rules=DisclosureRules(min_firms=10))
    bars = [(p.get_width(), p.get_height()) for p in fig.axes[0].patches]
    assert not any(np.isnan(h) for _, h in bars)
    # every bar holds at least 10 firm-years (area x n) and all 400 are drawn
    counts = [w * h * len(small) for w, h in bars]
    assert all(c == pytest.approx(0) or c >= 10 - 1e-6 for c in counts)
    assert sum(counts) == pytest.approx(len(small))
    assert len({round(w, 9) for w, _ in bars}) > 1  # the thin tail bins were merged


def test_bins_count_distinct_firms_and_the_range_is_no_firms_value():
    rng = np.random.default_rng(5)
    # 30 firms observed 10 years each: a bin of 10 firm-years may be one firm
    firm = np.repeat(np.arange(30), 10)
    frame = pd.DataFrame({"log_tfp": np.repeat(rng.normal(0, 0.3, 30), 10) + rng.normal(0, 0.01, 300),
                          "industry": "10", "year": np.tile(np.arange(2010, 2020), 30), "firm": firm})
    fig = tfp_distribution_figure(frame, rules=DisclosureRules(min_firms=10), firm="firm")
    bars = [(p.get_x(), p.get_width(), p.get_height()) for p in fig.axes[0].patches]
    demeaned = frame["log_tfp"] - frame.groupby(["industry", "year"])["log_tfp"].transform("mean")
    lo = min(x for x, _, _ in bars)
    hi = max(x + w for x, w, _ in bars)
    clipped = demeaned.clip(lo, hi - 1e-12)
    for x, w, h in bars:
        if h > 0:
            inside = (clipped >= x - 1e-12) & (clipped < x + w - 1e-12)
            assert frame.loc[inside, "firm"].nunique() >= 10
    assert not np.isclose(demeaned.to_numpy()[:, None], [lo, hi]).any()  # no edge is a data value


def test_refuses_empty_input():
    with pytest.raises(ReportError):
        tfp_distribution_figure(pd.DataFrame({"log_tfp": [np.nan], "industry": ["10"], "year": [2020]}))
